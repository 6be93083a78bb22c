import { DataFlag } from './constants.js';
import type { ForwardTsnEntry } from './chunks.js';
import { tsnAdd, tsnDiff, tsnLte } from './tsn.js';

/** Bytes counted per held fragment on top of its payload, so tiny fragments cannot dodge the bound. */
export const FRAGMENT_OVERHEAD = 64;

/** A message ready for the application. */
export type DeliverFn = (streamId: number, ppid: number, data: Uint8Array) => void;

interface Frag {
  tsn: number;
  streamId: number;
  seq: number;
  ppid: number;
  flags: number;
  data: Uint8Array;
}

/** A DATA message being assembled: fragments appended in TSN order into a buffer grown ×2. */
interface Assembly {
  firstTsn: number;
  next: number;
  streamId: number;
  seq: number;
  ppid: number;
  /** DataFlag.Unordered or 0. */
  flags: number;
  buf: Uint8Array | undefined;
  filled: number;
  count: number;
}

/** An I-DATA message being reassembled (RFC 8260: fragments keyed by MID and FSN). */
interface IMessage {
  /** Fragments 0..`contiguous`-1 appended in order into `buf` (grown ×2), the rest held apart by FSN. */
  buf: Uint8Array | undefined;
  contiguous: number;
  held: Map<number, Uint8Array> | undefined;
  count: number;
  bytes: number;
  ppid: number;
  /** FSN of the E fragment, -1 until seen. */
  last: number;
  /** Bytes in `buf`. */
  filled: number;
}

interface InStream {
  /** Next SSN (DATA) or MID (I-DATA) to deliver in order. */
  next: number;
  /** Complete ordered messages waiting for earlier ones, by sequence number. */
  pending: Map<number, { ppid: number; data: Uint8Array }>;
  /** I-DATA reassembly by MID: ordered and unordered. */
  iOrdered?: Map<number, IMessage>;
  iUnordered?: Map<number, IMessage>;
}

/**
 * Reassembly and ordered delivery for one association's inbound streams (RFC 9260 §6.5-6.9,
 * RFC 8260 for I-DATA). DATA fragments are joined by consecutive TSNs (runs merged in O(1) per
 * fragment); I-DATA fragments by MID/FSN. Everything held is counted in {@link bufferedBytes},
 * which the association bounds by its receive window.
 */
export class Reassembler {
  bufferedBytes = 0;
  readonly #iData: boolean;
  readonly #maxMessageSize: number;
  readonly #deliver: DeliverFn;
  readonly #streams = new Map<number, InStream>();
  /** DATA fragments held out of order, by TSN. */
  readonly #frags = new Map<number, Frag>();
  /** DATA messages being assembled in TSN order, by the TSN they continue with. */
  readonly #asm = new Map<number, Assembly>();
  /** Messages dropped because they exceeded the maximum message size or were inconsistent. */
  droppedMessages = 0;

  constructor(iData: boolean, maxMessageSize: number, deliver: DeliverFn) {
    this.#iData = iData;
    this.#maxMessageSize = maxMessageSize;
    this.#deliver = deliver;
  }

  #stream(id: number): InStream {
    let s = this.#streams.get(id);
    if (!s) {
      s = { next: 0, pending: new Map() };
      this.#streams.set(id, s);
    }
    return s;
  }

  /** One new (non-duplicate) DATA chunk; `data` is copied if held. */
  addData(tsn: number, streamId: number, ssn: number, ppid: number, flags: number, data: Uint8Array): void {
    const unordered = (flags & DataFlag.Unordered) !== 0;
    if ((flags & 3) === 3) {
      this.#complete(streamId, ssn, unordered, ppid, new Uint8Array(data));
      return;
    }
    this.bufferedBytes += data.length + FRAGMENT_OVERHEAD;
    let a: Assembly | undefined;
    if (flags & DataFlag.Begin) {
      a = { firstTsn: tsn, next: tsn, streamId, seq: ssn, ppid, flags: flags & DataFlag.Unordered, buf: undefined, filled: 0, count: 0 };
    } else {
      a = this.#asm.get(tsn);
      if (!a) {
        this.#frags.set(tsn, { tsn, streamId, seq: ssn, ppid, flags, data: new Uint8Array(data) });
        return;
      }
      this.#asm.delete(tsn);
    }
    // Append this fragment, then any held ones that continue the chain.
    let f: Frag | undefined = { tsn, streamId, seq: ssn, ppid, flags, data };
    while (f) {
      if (!this.#appendFrag(a, f)) return;
      if (f.flags & DataFlag.End) {
        const out = a.buf!.length > a.filled * 1.5 ? a.buf!.slice(0, a.filled) : a.buf!.subarray(0, a.filled);
        this.bufferedBytes -= a.filled + a.count * FRAGMENT_OVERHEAD;
        this.#complete(a.streamId, a.seq, a.flags !== 0, a.ppid, out);
        return;
      }
      f = this.#frags.get(a.next);
      if (f) {
        this.#frags.delete(a.next);
        if (f.flags & DataFlag.Begin) {
          // A new message where this one should continue: this one is broken.
          this.#frags.set(f.tsn, f);
          this.#dropAssembly(a);
          return;
        }
      }
    }
    this.#asm.set(a.next, a);
  }

  /** Appends `f` to `a`; false (and `a` dropped) if it does not belong or overflows. */
  #appendFrag(a: Assembly, f: Frag): boolean {
    const consistent = f.streamId === a.streamId && (f.flags & DataFlag.Unordered) === a.flags && (a.flags !== 0 || f.seq === a.seq);
    const at = a.filled;
    if (!consistent || at + f.data.length > this.#maxMessageSize) {
      a.count++;
      a.filled += f.data.length;
      this.#dropAssembly(a);
      return false;
    }
    let buf = a.buf;
    if (!buf || at + f.data.length > buf.length) {
      const grown = new Uint8Array(Math.min(this.#maxMessageSize, Math.max(16 * f.data.length, 2 * (at + f.data.length))));
      if (buf) grown.set(buf.subarray(0, at));
      buf = a.buf = grown;
    }
    buf.set(f.data, at);
    a.filled = at + f.data.length;
    a.count++;
    a.next = tsnAdd(f.tsn, 1);
    return true;
  }

  #dropAssembly(a: Assembly): void {
    this.bufferedBytes -= a.filled + a.count * FRAGMENT_OVERHEAD;
    this.droppedMessages++;
  }

  /** One new I-DATA chunk (RFC 8260 §2.1): `fsnOrPpid` is the PPID on the B fragment, else the FSN. */
  addIData(streamId: number, mid: number, fsnOrPpid: number, flags: number, data: Uint8Array): void {
    const unordered = (flags & DataFlag.Unordered) !== 0;
    const begin = (flags & DataFlag.Begin) !== 0;
    if (begin && (flags & DataFlag.End) !== 0) {
      this.#complete(streamId, mid, unordered, fsnOrPpid, new Uint8Array(data));
      return;
    }
    const s = this.#stream(streamId);
    const map = unordered ? (s.iUnordered ??= new Map()) : (s.iOrdered ??= new Map());
    if (!unordered && tsnDiff(mid, s.next) < 0) return; // already delivered or skipped
    const fsn = begin ? 0 : fsnOrPpid;
    // A fragment index beyond what the maximum message size allows is bogus.
    if (fsn > this.#maxMessageSize) {
      this.droppedMessages++;
      return;
    }
    let m = map.get(mid);
    if (!m) {
      m = { buf: undefined, contiguous: 0, held: undefined, count: 0, bytes: 0, ppid: 0, last: -1, filled: 0 };
      map.set(mid, m);
    }
    if (fsn < m.contiguous || m.held?.has(fsn)) return;
    m.count++;
    m.bytes += data.length;
    this.bufferedBytes += data.length + FRAGMENT_OVERHEAD;
    if (begin) m.ppid = fsnOrPpid;
    if ((flags & DataFlag.End) !== 0) m.last = fsn;
    if (m.bytes > this.#maxMessageSize || (m.last >= 0 && (m.count > m.last + 1 || fsn > m.last))) {
      this.#dropIMessage(map, mid, m);
      this.droppedMessages++;
      return;
    }
    if (fsn === m.contiguous) {
      this.#append(m, data);
      for (let h = m.held?.get(m.contiguous); h !== undefined; h = m.held?.get(m.contiguous)) {
        m.held!.delete(m.contiguous);
        this.#append(m, h);
      }
    } else (m.held ??= new Map()).set(fsn, new Uint8Array(data));
    if (m.last >= 0 && m.contiguous === m.last + 1) {
      const buf = m.buf!;
      const out = buf.length > m.bytes * 1.5 ? buf.slice(0, m.bytes) : buf.subarray(0, m.bytes);
      this.#dropIMessage(map, mid, m);
      this.#complete(streamId, mid, unordered, m.ppid, out);
    }
  }

  /** Appends the next in-order fragment to the message buffer. */
  #append(m: IMessage, f: Uint8Array): void {
    const at = m.filled;
    let buf = m.buf;
    if (!buf || at + f.length > buf.length) {
      const grown = new Uint8Array(Math.min(this.#maxMessageSize, Math.max(16 * f.length, 2 * (at + f.length))));
      if (buf) grown.set(buf.subarray(0, at));
      buf = m.buf = grown;
    }
    buf.set(f, at);
    m.filled = at + f.length;
    m.contiguous++;
  }

  #dropIMessage(map: Map<number, IMessage>, mid: number, m: IMessage): void {
    this.bufferedBytes -= m.bytes + m.count * FRAGMENT_OVERHEAD;
    map.delete(mid);
  }

  #complete(streamId: number, seq: number, unordered: boolean, ppid: number, data: Uint8Array): void {
    if (unordered) {
      this.#deliver(streamId, ppid, data);
      return;
    }
    const s = this.#stream(streamId);
    const d = this.#seqDiff(seq, s.next);
    if (d < 0) return; // stale: before what was delivered or skipped
    if (d > 0) {
      if (!s.pending.has(seq)) {
        s.pending.set(seq, { ppid, data });
        this.bufferedBytes += data.length + FRAGMENT_OVERHEAD;
      }
      return;
    }
    this.#deliver(streamId, ppid, data);
    s.next = this.#seqNext(s.next);
    this.#drain(s, streamId);
  }

  #drain(s: InStream, streamId: number): void {
    for (let p = s.pending.get(s.next); p !== undefined; p = s.pending.get(s.next)) {
      s.pending.delete(s.next);
      this.bufferedBytes -= p.data.length + FRAGMENT_OVERHEAD;
      this.#deliver(streamId, p.ppid, p.data);
      s.next = this.#seqNext(s.next);
    }
  }

  #seqDiff(a: number, b: number): number {
    if (this.#iData) return tsnDiff(a, b);
    return (((a - b) & 0xffff) << 16) >> 16;
  }

  #seqNext(a: number): number {
    return this.#iData ? tsnAdd(a, 1) : (a + 1) & 0xffff;
  }

  /**
   * FORWARD-TSN / I-FORWARD-TSN (RFC 3758 §3.6, RFC 8260 §2.3): drop DATA fragments up to
   * `newCumTsn`, skip the listed streams past the abandoned sequence numbers and deliver what
   * that unblocks.
   */
  forward(newCumTsn: number, entries: ForwardTsnEntry[]): void {
    if (!this.#iData) {
      for (const [tsn, f] of this.#frags) {
        if (!tsnLte(tsn, newCumTsn)) continue;
        this.bufferedBytes -= f.data.length + FRAGMENT_OVERHEAD;
        this.#frags.delete(tsn);
      }
      // Messages begun at or before the new cumulative TSN were abandoned whole by the sender.
      for (const [next, a] of this.#asm) {
        if (!tsnLte(a.firstTsn, newCumTsn)) continue;
        this.#asm.delete(next);
        this.bufferedBytes -= a.filled + a.count * FRAGMENT_OVERHEAD;
      }
    }
    for (const e of entries) {
      const s = this.#streams.get(e.streamId) ?? (e.unordered ? undefined : this.#stream(e.streamId));
      if (!s) continue;
      if (this.#iData) {
        const map = e.unordered ? s.iUnordered : s.iOrdered;
        if (map) for (const [mid, m] of [...map]) if (tsnDiff(mid, e.seq) <= 0) this.#dropIMessage(map, mid, m);
      }
      if (e.unordered) continue;
      if (this.#seqDiff(e.seq, s.next) < 0) continue;
      // Deliver complete messages older than the skip point, in order, then move past it.
      const keys = [...s.pending.keys()].filter((k) => this.#seqDiff(k, e.seq) <= 0);
      keys.sort((a, b) => this.#seqDiff(a, b));
      for (const k of keys) {
        const p = s.pending.get(k)!;
        s.pending.delete(k);
        this.bufferedBytes -= p.data.length + FRAGMENT_OVERHEAD;
        this.#deliver(e.streamId, p.ppid, p.data);
      }
      s.next = this.#seqNext(e.seq);
      this.#drain(s, e.streamId);
    }
  }

  /** RFC 6525: the peer reset these streams; their sequence numbers start again at 0. */
  resetStreams(ids: number[]): void {
    // RFC 6525 §4.1: an empty list means every stream.
    for (const id of ids.length > 0 ? ids : [...this.#streams.keys()]) {
      const s = this.#streams.get(id);
      if (!s) continue;
      for (const p of s.pending.values()) this.bufferedBytes -= p.data.length + FRAGMENT_OVERHEAD;
      for (const map of [s.iOrdered, s.iUnordered]) {
        if (map) for (const [mid, m] of [...map]) this.#dropIMessage(map, mid, m);
      }
      this.#streams.delete(id);
    }
  }
}
