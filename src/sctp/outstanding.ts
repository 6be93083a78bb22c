import type { SackView, ForwardTsnEntry } from './chunks.js';
import type { CongestionControl } from './congestion-control.js';
import type { OutMessage } from './send-queue.js';
import { tsnAdd, tsnDiff, tsnLt } from './tsn.js';

/** One DATA / I-DATA chunk sent and not yet cumulatively acknowledged. */
export interface OutChunk {
  tsn: number;
  msg: OutMessage;
  offset: number;
  len: number;
  flags: number;
  fsn: number;
  /** Bytes on the wire (header + padded payload), the unit of cwnd and rwnd accounting. */
  size: number;
  sentAt: number;
  txCount: number;
  /** Transmission sequence of the latest send, to tell a lost retransmission from a late one. */
  txSeq: number;
  acked: boolean;
  abandoned: boolean;
  inFlight: boolean;
  /** Marked for retransmission (fast retransmit or T3). */
  rtx: boolean;
  miss: number;
}

export type SackOutcome = 'ok' | 'stale' | 'unsent';

/**
 * The sender's retransmission queue (RFC 9260 §6.2.1, §7.2.4, RFC 3758 §3.5): chunks in TSN order
 * from the cumulative ack on, SACK processing with gap blocks, miss indications and fast
 * retransmit marking, T3 marking, partial-reliability abandonment and the advanced peer ack point.
 */
export class Outstanding {
  #q: (OutChunk | undefined)[] = [];
  #head = 0;
  cumAck = 0;
  nextTsn = 0;
  advancedPeerAck = 0;
  /** Bytes of chunks in flight (cwnd accounting). */
  flightSize = 0;
  /** Bytes unacked and not abandoned (peer rwnd accounting). */
  outstandingBytes = 0;
  /** Chunks marked for retransmission, drained by the packet builder. */
  readonly rtx: OutChunk[] = [];
  #rtxHead = 0;
  #txSeq = 0;
  /** The previous SACK's gap blocks as absolute TSNs. */
  readonly #prevStarts: number[] = [];
  readonly #prevEnds: number[] = [];
  #prevCount = 0;
  /** The one chunk timed for an RTT measurement (Karn: never a retransmitted one). */
  #rttTsn = -1;
  #rttSentAt = 0;
  /** Counters for stats. */
  fastRetransmissions = 0;
  abandonedMessages = 0;
  readonly #cc: CongestionControl;
  readonly #onAbandon: (m: OutMessage) => void;
  readonly #maxRetransmitCheck: (c: OutChunk, now: number) => boolean;

  constructor(cc: CongestionControl, onAbandon: (m: OutMessage) => void) {
    this.#cc = cc;
    this.#onAbandon = onAbandon;
    this.#maxRetransmitCheck = (c, now) =>
      (c.msg.maxRetransmits >= 0 && c.txCount > c.msg.maxRetransmits) || now >= c.msg.expiresAt;
  }

  init(initialTsn: number): void {
    this.nextTsn = initialTsn >>> 0;
    this.cumAck = tsnAdd(initialTsn, -1);
    this.advancedPeerAck = this.cumAck;
  }

  get count(): number {
    return this.#q.length - this.#head;
  }

  get(tsn: number): OutChunk | undefined {
    const i = tsnDiff(tsn, this.cumAck) - 1;
    if (i < 0) return undefined;
    return this.#q[this.#head + i];
  }

  /** Registers a chunk sent for the first time with TSN `nextTsn`. */
  add(c: OutChunk, now: number): void {
    this.#q.push(c);
    this.nextTsn = tsnAdd(this.nextTsn, 1);
    this.outstandingBytes += c.size;
    this.onTransmit(c, now);
    if (this.#rttTsn < 0) {
      this.#rttTsn = c.tsn;
      this.#rttSentAt = now;
    }
  }

  /** Bookkeeping of every (re)transmission of `c`. */
  onTransmit(c: OutChunk, now: number): void {
    c.sentAt = now;
    c.txCount++;
    c.txSeq = ++this.#txSeq;
    c.rtx = false;
    c.miss = 0;
    if (!c.inFlight) {
      c.inFlight = true;
      this.flightSize += c.size;
    }
    if (c.tsn === this.#rttTsn && c.txCount > 1) this.#rttTsn = -1;
  }

  /** The next chunk marked for retransmission, skipping ones acked or abandoned since. */
  peekRtx(): OutChunk | undefined {
    while (this.#rtxHead < this.rtx.length) {
      const c = this.rtx[this.#rtxHead]!;
      if (c.rtx && !c.acked && !c.abandoned) return c;
      this.#rtxHead++;
    }
    this.rtx.length = 0;
    this.#rtxHead = 0;
    return undefined;
  }

  shiftRtx(): void {
    this.#rtxHead++;
  }

  get hasRtx(): boolean {
    return this.peekRtx() !== undefined;
  }

  #mark(c: OutChunk, now: number): void {
    if (c.rtx || c.acked || c.abandoned) return;
    if (this.#maxRetransmitCheck(c, now)) {
      this.abandon(c.msg);
      return;
    }
    c.rtx = true;
    if (c.inFlight) {
      c.inFlight = false;
      this.flightSize -= c.size;
    }
    this.rtx.push(c);
  }

  /** Abandons every sent, unacked chunk of `m` (RFC 3758 §3.5 A1-A3) and its unsent rest. */
  abandon(m: OutMessage): void {
    if (m.abandoned) return;
    m.abandoned = true;
    this.abandonedMessages++;
    if (m.sent) {
      const n = tsnDiff(m.lastTsn, m.firstTsn);
      for (let i = 0, t = m.firstTsn; i <= n; i++, t = tsnAdd(t, 1)) {
        const c = this.get(t);
        if (!c || c.msg !== m || c.acked || c.abandoned) continue;
        c.abandoned = true;
        c.rtx = false;
        this.outstandingBytes -= c.size;
        if (c.inFlight) {
          c.inFlight = false;
          this.flightSize -= c.size;
        }
      }
    }
    this.#onAbandon(m);
  }

  /** Checks lifetimes of chunks in the queue (called on T3 and before sending). */
  expire(now: number): void {
    for (let i = this.#head; i < this.#q.length; i++) {
      const c = this.#q[i]!;
      if (!c.acked && !c.abandoned && now >= c.msg.expiresAt) this.abandon(c.msg);
    }
  }

  /**
   * Processes a SACK. Returns whether it was stale or acknowledged data never sent; otherwise
   * updates the queue, flight size, RTT, congestion window and fast-retransmit marks.
   */
  processSack(s: SackView, now: number): { outcome: SackOutcome; cumAdvanced: boolean; bytesAcked: number; marked: boolean } {
    if (tsnLt(s.cumTsn, this.cumAck)) return { outcome: 'stale', cumAdvanced: false, bytesAcked: 0, marked: false };
    const sent = tsnDiff(tsnAdd(this.nextTsn, -1), this.cumAck);
    const cumOff = tsnDiff(s.cumTsn, this.cumAck);
    if (cumOff > sent) return { outcome: 'unsent', cumAdvanced: false, bytesAcked: 0, marked: false };
    for (let k = 0; k < s.gapCount; k++) if (cumOff + s.gapEnd[k]! > sent) return { outcome: 'unsent', cumAdvanced: false, bytesAcked: 0, marked: false };
    const flightBefore = this.flightSize;
    let bytesAcked = 0;
    let newestTxSeq = 0;
    let rttSample = -1;
    let newest: OutChunk | undefined;
    // Cumulatively acknowledged chunks leave the queue.
    for (let i = 0; i < cumOff; i++) {
      const c = this.#q[this.#head]!;
      this.#q[this.#head++] = undefined;
      if (!c.acked && !c.abandoned) {
        bytesAcked += c.size;
        this.outstandingBytes -= c.size;
        if (c.txSeq > newestTxSeq) {
          newestTxSeq = c.txSeq;
          newest = c;
        }
      }
      if (c.inFlight) this.flightSize -= c.size;
      c.inFlight = false;
      c.acked = true;
      if (c.tsn === this.#rttTsn) {
        rttSample = now - this.#rttSentAt;
        this.#rttTsn = -1;
      }
    }
    const cumAdvanced = cumOff > 0;
    this.cumAck = s.cumTsn;
    if (tsnLt(this.advancedPeerAck, this.cumAck)) this.advancedPeerAck = this.cumAck;
    this.#compact();
    // Gap blocks: chunks received out of order. Parts the previous SACK already reported are
    // skipped (no reneging is assumed), so a long block costs only its new chunks.
    const prevS = this.#prevStarts;
    const prevE = this.#prevEnds;
    const prevN = this.#prevCount;
    const cum = this.cumAck;
    let j = 0;
    for (let k = 0; k < s.gapCount; k++) {
      const S = tsnAdd(cum, s.gapStart[k]!);
      const E = tsnAdd(cum, s.gapEnd[k]!);
      let t = S;
      while (tsnDiff(t, E) <= 0) {
        while (j < prevN && tsnDiff(prevE[j]!, t) < 0) j++;
        if (j < prevN && tsnDiff(prevS[j]!, t) <= 0) {
          t = tsnAdd(prevE[j]!, 1);
          continue;
        }
        const stop = j < prevN && tsnDiff(prevS[j]!, E) <= 0 ? tsnAdd(prevS[j]!, -1) : E;
        const n = tsnDiff(stop, t);
        const base = this.#head + tsnDiff(t, cum) - 1;
        for (let i = 0; i <= n; i++) {
          const c = this.#q[base + i];
          if (!c || c.acked) continue;
          c.acked = true;
          c.rtx = false;
          if (!c.abandoned) {
            bytesAcked += c.size;
            this.outstandingBytes -= c.size;
          }
          if (c.inFlight) {
            c.inFlight = false;
            this.flightSize -= c.size;
          }
          if (c.txSeq > newestTxSeq) {
            newestTxSeq = c.txSeq;
            newest = c;
          }
          if (c.tsn === this.#rttTsn) {
            rttSample = now - this.#rttSentAt;
            this.#rttTsn = -1;
          }
        }
        t = tsnAdd(stop, 1);
      }
    }
    for (let k = 0; k < s.gapCount; k++) {
      prevS[k] = tsnAdd(cum, s.gapStart[k]!);
      prevE[k] = tsnAdd(cum, s.gapEnd[k]!);
    }
    this.#prevCount = s.gapCount;
    if (rttSample >= 0) this.#cc.onRtt(rttSample);
    else if (newest && newest.txCount === 1) this.#cc.onDelaySample(now - newest.sentAt);
    if (this.#cc.inFastRecovery && !tsnLt(this.cumAck, this.#cc.fastRecoveryExit)) this.#cc.inFastRecovery = false;
    this.#cc.onAck(bytesAcked, cumAdvanced, flightBefore, now);
    // Miss indications (§7.2.4) for the holes below the newest acknowledged transmission: a
    // chunk whose latest send precedes one now acknowledged is reported missing.
    let marked = false;
    if (newestTxSeq > 0 && s.gapCount > 0) {
      let from = 1;
      for (let k = 0; k <= s.gapCount; k++) {
        const to = k < s.gapCount ? s.gapStart[k]! - 1 : 0;
        for (let off = from; off <= to; off++) {
          const c = this.#q[this.#head + off - 1];
          if (!c || c.acked || c.abandoned || c.rtx || c.txSeq > newestTxSeq) continue;
          if (++c.miss >= 3) {
            this.#mark(c, now);
            if (c.rtx) {
              marked = true;
              this.fastRetransmissions++;
            }
          }
        }
        if (k < s.gapCount) from = s.gapEnd[k]! + 1;
      }
      if (marked && !this.#cc.inFastRecovery) this.#cc.enterFastRecovery(tsnAdd(this.nextTsn, -1));
    }
    return { outcome: 'ok', cumAdvanced, bytesAcked, marked };
  }

  #compact(): void {
    if (this.#head === this.#q.length) {
      this.#q.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#q.length) {
      this.#q = this.#q.slice(this.#head);
      this.#head = 0;
    }
  }

  /** T3-rtx expiry: every unacked chunk is marked for retransmission (§6.3.3 E3). */
  markAll(now: number): void {
    for (let i = this.#head; i < this.#q.length; i++) this.#mark(this.#q[i]!, now);
    this.#rttTsn = -1;
  }

  /** Whether chunks remain that the peer has not acknowledged (T3 must run). */
  get hasUnacked(): boolean {
    for (let i = this.#head; i < this.#q.length; i++) {
      const c = this.#q[i]!;
      if (!c.acked) return true;
    }
    return false;
  }

  /**
   * RFC 3758 §3.5 C2: moves the advanced peer ack point over abandoned chunks (only: the
   * receiver drops partial messages up to it, so a reliable message's acked fragments must not
   * be covered); returns the FORWARD-TSN entries when it is ahead of the cumulative ack.
   */
  forwardTsn(iData: boolean): { newCumTsn: number; entries: ForwardTsnEntry[] } | undefined {
    let adv = this.advancedPeerAck;
    for (;;) {
      const c = this.get(tsnAdd(adv, 1));
      if (!c || !c.abandoned) break;
      adv = tsnAdd(adv, 1);
    }
    this.advancedPeerAck = adv;
    if (!tsnLt(this.cumAck, adv)) return undefined;
    const last = new Map<number, ForwardTsnEntry>();
    const n = tsnDiff(adv, this.cumAck);
    for (let i = 1; i <= n; i++) {
      const c = this.#q[this.#head + i - 1]!;
      if (!c.abandoned) continue;
      const m = c.msg;
      if (m.unordered && !iData) continue;
      const key = m.streamId * 2 + (m.unordered ? 1 : 0);
      const e = last.get(key);
      if (!e) last.set(key, { streamId: m.streamId, seq: m.seq, unordered: m.unordered });
      else if (iData ? tsnLt(e.seq, m.seq) : ((m.seq - e.seq) & 0xffff) < 0x8000) e.seq = m.seq;
    }
    return { newCumTsn: adv, entries: [...last.values()] };
  }

  /** Whether any chunk of stream `id` is unacknowledged (an outgoing reset waits for none). */
  hasUnackedOn(id: number): boolean {
    for (let i = this.#head; i < this.#q.length; i++) {
      const c = this.#q[i]!;
      if (!c.acked && !c.abandoned && c.msg.streamId === id) return true;
    }
    return false;
  }
}
