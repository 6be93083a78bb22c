import { encodeForwardTsn, type SackView } from './chunks.js';
import { CongestionControl, type CongestionMode } from './congestion-control.js';
import { COMMON_HEADER_SIZE, DataFlag } from './constants.js';
import { SctpError } from './errors.js';
import { Outstanding, type OutChunk, type SackOutcome } from './outstanding.js';
import { SendQueue, type OutMessage } from './send-queue.js';
import type { SctpSendOptions } from './types.js';
import { pad4 } from './wire.js';

/** Largest congestion window (bytes): in-flight memory is bounded by it. */
const MAX_CWND = 16 * 1024 * 1024;

export interface DataSenderOptions {
  mtu: number;
  maxBurst: number;
  sendHighWaterMark: number;
  maxSendMessageSize: number;
  rtoInitialMs: number;
  rtoMinMs: number;
  rtoMaxMs: number;
  congestionControl: CongestionMode;
}

/**
 * The sending half of an association: the send queue, the retransmission queue, congestion
 * control and the T3-rtx deadline; fills a packet's remaining room with retransmissions first,
 * then new fragments, within cwnd, the peer's window and the burst budget (Max.Burst packets
 * plus what the last SACK freed, RFC 9260 §6.1 and §16).
 */
export class DataSender {
  readonly queue = new SendQueue();
  readonly cc: CongestionControl;
  readonly out: Outstanding;
  readonly #o: DataSenderOptions;
  /** The peer's last advertised receive window. */
  peerARwnd = 0;
  t3At: number | undefined;
  /** A FORWARD-TSN should go out with the next packet. */
  ftsnPending = false;
  retransmissions = 0;
  #burst: number;
  #refilledAt = -Infinity;
  #frAllowance = false;
  #iData = false;
  #forwardTsn = false;
  #outStreams = 0;

  constructor(o: DataSenderOptions) {
    this.#o = o;
    this.cc = new CongestionControl({
      mtu: o.mtu - COMMON_HEADER_SIZE,
      rtoInitialMs: o.rtoInitialMs,
      rtoMinMs: o.rtoMinMs,
      rtoMaxMs: o.rtoMaxMs,
      maxCwnd: MAX_CWND,
      mode: o.congestionControl,
    });
    this.out = new Outstanding(this.cc, (m) => this.queue.dropUnsent(m));
    this.#burst = o.maxBurst;
  }

  /** At establishment: negotiated features, the peer's window, our initial TSN. */
  start(p: { initialTsn: number; peerRwnd: number; iData: boolean; forwardTsn: boolean; outStreams: number }): void {
    this.out.init(p.initialTsn);
    this.peerARwnd = p.peerRwnd;
    this.cc.ssthresh = Math.max(p.peerRwnd, 4 * this.cc.mtu);
    this.#iData = p.iData;
    this.#forwardTsn = p.forwardTsn;
    this.#outStreams = p.outStreams;
  }

  /** Queues a message (copied); throws the typed errors of `send`. */
  enqueue(streamId: number, ppid: number, data: Uint8Array, opts: SctpSendOptions | undefined, now: number): void {
    if (data.length === 0) throw new SctpError('ERR_SCTP_INVALID_ARGUMENT', 'SCTP cannot carry an empty message');
    const o = this.#o;
    if (data.length > o.maxSendMessageSize) {
      throw new SctpError('ERR_SCTP_MESSAGE_TOO_BIG', `message of ${data.length} bytes exceeds ${o.maxSendMessageSize}`);
    }
    if (this.queue.totalBuffered + data.length > o.sendHighWaterMark) {
      throw new SctpError('ERR_SCTP_BUFFER_FULL', `send buffer over its ${o.sendHighWaterMark}-byte high-water mark`);
    }
    if (this.queue.peekStream(streamId)?.resetting) {
      throw new SctpError('ERR_SCTP_INVALID_STATE', `stream ${streamId} is being reset`);
    }
    const m: OutMessage = {
      streamId,
      ppid: ppid >>> 0,
      data: new Uint8Array(data), // a copy (Buffer#slice would be a view)
      unordered: opts?.unordered === true,
      maxRetransmits: opts?.maxRetransmits ?? -1,
      expiresAt: opts?.maxPacketLifeTimeMs !== undefined ? now + opts.maxPacketLifeTimeMs : Infinity,
      seq: 0,
      offset: 0,
      nextFsn: 0,
      firstTsn: 0,
      lastTsn: 0,
      sent: false,
      abandoned: false,
    };
    this.queue.enqueue(m);
    // An application send refills the burst budget only when no SACK clock runs (nothing in
    // flight) or once per millisecond: a loop of sends in one turn would otherwise release
    // Max.Burst packets per call, a window-sized burst that overflows the receiver's socket buffer.
    if (this.out.flightSize === 0 || now >= this.#refilledAt + 1) this.refillBurst(now);
  }

  /** An application call or timer (not a SACK) may send at least Max.Burst packets. */
  refillBurst(now: number): void {
    this.#refilledAt = now;
    if (this.#burst < this.#o.maxBurst) this.#burst = this.#o.maxBurst;
  }

  /** A SACK; returns its outcome and whether it acknowledged new data. */
  onSack(sack: SackView, now: number): { outcome: SackOutcome; acked: boolean } {
    const r = this.out.processSack(sack, now);
    if (r.outcome !== 'ok') return { outcome: r.outcome, acked: false };
    this.peerARwnd = sack.aRwnd;
    if (r.marked) this.#frAllowance = true;
    this.#burst = this.#o.maxBurst + Math.ceil(r.bytesAcked / this.cc.mtu);
    if (!this.out.hasUnacked) this.t3At = undefined;
    else if (r.cumAdvanced || this.t3At === undefined) this.t3At = now + this.cc.rto;
    if (this.#forwardTsn && this.out.forwardTsn(this.#iData)) this.ftsnPending = true;
    return { outcome: 'ok', acked: r.bytesAcked > 0 };
  }

  /** T3-rtx expired with data outstanding (RFC 9260 §6.3.3): the caller counted the error. */
  onT3(now: number): void {
    this.cc.onT3();
    this.out.expire(now);
    this.out.markAll(now);
    if (this.#forwardTsn && this.out.forwardTsn(this.#iData)) this.ftsnPending = true;
    this.t3At = this.out.hasUnacked ? now + this.cc.rto : undefined;
  }

  /** Nothing queued and nothing outstanding (SHUTDOWN may proceed). */
  get idle(): boolean {
    return this.queue.empty && this.out.count === 0;
  }

  peerRwnd(): number {
    return Math.max(0, this.peerARwnd - this.out.outstandingBytes);
  }

  /** The FORWARD-TSN chunk to send now, if one is pending and fits `room` (or `force`). */
  takeForwardTsn(room: number, force: boolean): Uint8Array | undefined {
    if (!this.ftsnPending) return undefined;
    this.ftsnPending = false;
    const f = this.out.forwardTsn(this.#iData);
    if (!f) return undefined;
    const bytes = encodeForwardTsn(f.newCumTsn, f.entries.slice(0, 128), this.#iData);
    if (bytes.length <= room || force) return bytes;
    this.ftsnPending = true;
    return undefined;
  }

  /**
   * Adds DATA chunks to `data` while the packet (now `size` bytes) has room; returns the new
   * size and whether new (not retransmitted) data went out.
   */
  fill(data: OutChunk[], size: number, mtu: number, now: number): { size: number; fresh: boolean } {
    const out = this.out;
    const cc = this.cc;
    // Retransmissions first, within cwnd; the first packet after a fast retransmit mark goes regardless (§7.2.4 (3)).
    for (let c = out.peekRtx(); c !== undefined; c = out.peekRtx()) {
      if (size + c.size > mtu) break;
      if (!this.#frAllowance && out.flightSize + c.size > cc.cwnd && out.flightSize > 0) break;
      out.shiftRtx();
      if (now >= c.msg.expiresAt) {
        out.abandon(c.msg);
        this.ftsnPending = this.#forwardTsn;
        continue;
      }
      out.onTransmit(c, now);
      data.push(c);
      size += c.size;
      this.retransmissions++;
    }
    if (data.length > 0) this.#frAllowance = false;
    let fresh = false;
    if (!out.hasRtx && this.#burst > 0) {
      const before = data.length;
      size = this.#fillNew(data, size, mtu, now);
      fresh = data.length > before;
    }
    if (data.length > 0 && this.t3At === undefined) this.t3At = now + cc.rto;
    return { size, fresh };
  }

  #fillNew(data: OutChunk[], size: number, mtu: number, now: number): number {
    const out = this.out;
    const iData = this.#iData;
    const hdr = iData ? 20 : 16;
    const maxPayload = mtu - COMMON_HEADER_SIZE - hdr;
    let added = false;
    for (;;) {
      if (out.flightSize >= this.cc.cwnd) break;
      const m = this.queue.nextMessage(iData);
      if (!m) break;
      if (m.streamId >= this.#outStreams || (!m.sent && now >= m.expiresAt)) {
        if (!m.sent) {
          this.queue.dropUnsent(m);
          out.abandonedMessages++;
        } else {
          out.abandon(m);
          this.ftsnPending = this.#forwardTsn;
        }
        continue;
      }
      const len = Math.min(m.data.length - m.offset, maxPayload);
      const csize = pad4(hdr + len);
      if (size + csize > mtu) break;
      if (this.peerARwnd - out.outstandingBytes < csize && out.outstandingBytes > 0) break;
      const tsn = out.nextTsn;
      let flags = m.unordered ? DataFlag.Unordered : 0;
      if (m.offset === 0) {
        flags |= DataFlag.Begin;
        this.#assignSeq(m);
        m.firstTsn = tsn;
        m.sent = true;
      }
      if (m.offset + len === m.data.length) flags |= DataFlag.End;
      const c: OutChunk = {
        tsn,
        msg: m,
        offset: m.offset,
        len,
        flags,
        fsn: m.nextFsn++,
        size: csize,
        sentAt: now,
        txCount: 0,
        txSeq: 0,
        acked: false,
        abandoned: false,
        inFlight: false,
        rtx: false,
        miss: 0,
      };
      m.offset += len;
      m.lastTsn = tsn;
      this.queue.consumed(m, len);
      this.queue.advance(m, iData);
      out.add(c, now);
      data.push(c);
      size += csize;
      added = true;
    }
    if (added) this.#burst--;
    return size;
  }

  /** SSN (DATA) or MID (I-DATA; unordered messages have their own MID sequence, RFC 8260 §2.1). */
  #assignSeq(m: OutMessage): void {
    const s = this.queue.stream(m.streamId);
    if (!this.#iData) {
      m.seq = m.unordered ? 0 : s.nextSsn;
      if (!m.unordered) s.nextSsn = (s.nextSsn + 1) & 0xffff;
    } else if (m.unordered) {
      m.seq = s.nextUMid;
      s.nextUMid = (s.nextUMid + 1) >>> 0;
    } else {
      m.seq = s.nextMid;
      s.nextMid = (s.nextMid + 1) >>> 0;
    }
  }
}
