import { seqDiff } from '../rtp/sequence.js';

/**
 * Reception statistics of one inbound RTP stream (RFC 3550 §6.4.1 and
 * Appendix A.3/A.8): extended highest sequence number, cumulative and
 * fractional loss, interarrival jitter, and the LSR/DLSR of the last SR,
 * for receiver report blocks.
 */
export interface ReportBlockData {
  ssrc: number;
  fractionLost: number;
  packetsLost: number;
  highestSequence: number;
  jitter: number;
  lastSenderReport: number;
  delaySinceLastSenderReport: number;
}

export class ReceiverStats {
  readonly ssrc: number;
  readonly #clockRate: number;
  #baseSeq = -1;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #lastTransit: number | undefined;
  #lastSrNtpMiddle = 0;
  #lastSrAtMs: number | undefined;
  packets = 0;
  bytes = 0;
  lastPacketAtMs: number | undefined;

  constructor(ssrc: number, clockRate: number) {
    this.ssrc = ssrc;
    this.#clockRate = clockRate;
  }

  /** Records a packet: its sequence number, RTP timestamp, size and arrival time. */
  onPacket(seq: number, rtpTimestamp: number, size: number, nowMs: number): void {
    this.packets++;
    this.bytes += size;
    this.lastPacketAtMs = nowMs;
    if (this.#baseSeq < 0) {
      this.#baseSeq = this.#maxSeq = seq;
    } else {
      const d = seqDiff(seq, this.#maxSeq);
      if (d > 0) {
        if (seq < this.#maxSeq) this.#cycles += 0x10000;
        this.#maxSeq = seq;
      }
    }
    this.#received++;
    // RFC 3550 §A.8: interarrival jitter in timestamp units.
    const arrival = (nowMs * this.#clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (this.#lastTransit !== undefined) {
      let d = Math.abs(transit - this.#lastTransit);
      if (d > 0x80000000) d = Math.abs(d - 0x100000000);
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#lastTransit = transit;
  }

  /** Records a sender report: the middle 32 bits of its NTP time, for LSR. */
  onSenderReport(ntpMiddle32: number, nowMs: number): void {
    this.#lastSrNtpMiddle = ntpMiddle32 >>> 0;
    this.#lastSrAtMs = nowMs;
  }

  get extendedHighestSequence(): number {
    return this.#cycles + this.#maxSeq;
  }

  get cumulativeLost(): number {
    if (this.#baseSeq < 0) return 0;
    const expected = this.extendedHighestSequence - this.#baseSeq + 1;
    return expected - this.#received;
  }

  get jitter(): number {
    return this.#jitter;
  }

  /** A report block for now; updates the interval counters (RFC 3550 §A.3). */
  reportBlock(nowMs: number): ReportBlockData | undefined {
    if (this.#baseSeq < 0) return undefined;
    const expected = this.extendedHighestSequence - this.#baseSeq + 1;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, expected - this.#received));
    const dlsr = this.#lastSrAtMs === undefined ? 0 : Math.floor(((nowMs - this.#lastSrAtMs) / 1000) * 65536);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      packetsLost: lost,
      highestSequence: this.extendedHighestSequence >>> 0,
      jitter: Math.floor(this.#jitter) >>> 0,
      lastSenderReport: this.#lastSrNtpMiddle,
      delaySinceLastSenderReport: dlsr >>> 0,
    };
  }
}
