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
  /** DATA fragments by TSN, and runs of consecutive fragments: start→end and end→start. */
  readonly #frags = new Map<number, Frag>();
  readonly #runEnd = new Map<number, number>();
  readonly #runStart = new Map<number, number>();
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
      this.#complete(streamId, ssn, unordered, ppid, data.slice());
      return;
    }
    const frag: Frag = { tsn, streamId, seq: ssn, ppid, flags, data: data.slice() };
    this.#frags.set(tsn, frag);
    this.bufferedBytes += data.length + FRAGMENT_OVERHEAD;
    let start = tsn;
    let end = tsn;
    if ((flags & DataFlag.Begin) === 0) {
      const prev = this.#frags.get(tsnAdd(tsn, -1));
      if (prev && (prev.flags & DataFlag.End) === 0) {
        const s = this.#runStart.get(prev.tsn);
        if (s !== undefined) {
          start = s;
          this.#runStart.delete(prev.tsn);
        }
      }
    }
    if ((flags & DataFlag.End) === 0) {
      const next = this.#frags.get(tsnAdd(tsn, 1));
      if (next && (next.flags & DataFlag.Begin) === 0) {
        const e = this.#runEnd.get(next.tsn);
        if (e !== undefined) {
          end = e;
          this.#runEnd.delete(next.tsn);
        }
      }
    }
    this.#runEnd.set(start, end);
    this.#runStart.set(end, start);
    const first = this.#frags.get(start)!;
    const last = this.#frags.get(end)!;
    if ((first.flags & DataFlag.Begin) !== 0 && (last.flags & DataFlag.End) !== 0) this.#assembleRun(start, end);
  }

  #assembleRun(start: number, end: number): void {
    const n = tsnDiff(end, start) + 1;
    let size = 0;
    const first = this.#frags.get(start)!;
    let consistent = true;
    for (let i = 0, t = start; i < n; i++, t = tsnAdd(t, 1)) {
      const f = this.#frags.get(t)!;
      size += f.data.length;
      if (f.streamId !== first.streamId || (f.flags & DataFlag.Unordered) !== (first.flags & DataFlag.Unordered)) {
        consistent = false;
      }
      if ((first.flags & DataFlag.Unordered) === 0 && f.seq !== first.seq) consistent = false;
    }
    const out = consistent && size <= this.#maxMessageSize ? new Uint8Array(size) : undefined;
    let o = 0;
    for (let i = 0, t = start; i < n; i++, t = tsnAdd(t, 1)) {
      const f = this.#frags.get(t)!;
      if (out) out.set(f.data, o);
      o += f.data.length;
      this.bufferedBytes -= f.data.length + FRAGMENT_OVERHEAD;
      this.#frags.delete(t);
    }
    this.#runEnd.delete(start);
    this.#runStart.delete(end);
    if (!out) {
      this.droppedMessages++;
      return;
    }
    this.#complete(first.streamId, first.seq, (first.flags & DataFlag.Unordered) !== 0, first.ppid, out);
  }

  /** One new I-DATA chunk (RFC 8260 §2.1): `fsnOrPpid` is the PPID on the B fragment, else the FSN. */
  addIData(streamId: number, mid: number, fsnOrPpid: number, flags: number, data: Uint8Array): void {
    const unordered = (flags & DataFlag.Unordered) !== 0;
    const begin = (flags & DataFlag.Begin) !== 0;
    if (begin && (flags & DataFlag.End) !== 0) {
      this.#complete(streamId, mid, unordered, fsnOrPpid, data.slice());
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
    } else (m.held ??= new Map()).set(fsn, data.slice());
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
    if (!this.#iData && this.#frags.size > 0) {
      for (const [start, end] of [...this.#runEnd]) {
        if (!tsnLte(start, newCumTsn)) continue;
        let t = start;
        for (; tsnLte(t, newCumTsn) && tsnLte(t, end); t = tsnAdd(t, 1)) {
          const f = this.#frags.get(t);
          if (f) this.bufferedBytes -= f.data.length + FRAGMENT_OVERHEAD;
          this.#frags.delete(t);
        }
        this.#runEnd.delete(start);
        this.#runStart.delete(end);
        if (tsnLte(t, end)) {
          this.#runEnd.set(t, end);
          this.#runStart.set(end, t);
        }
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
