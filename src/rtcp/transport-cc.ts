import { InvalidArgumentError } from '../common/errors.js';
import { RtcpDecodeError } from './errors.js';
import { writeFbHeader } from './feedback.js';
import { RTCP_HEADER_SIZE, RtcpFeedbackFormat, RtcpPacketType, type RtcpPacketBase } from './header.js';

/** draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1 packet status symbols. */
export const TwccStatus = {
  NotReceived: 0,
  /** Received, 1-byte unsigned delta. */
  SmallDelta: 1,
  /** Received, 2-byte signed delta. */
  LargeDelta: 2,
  /** Reserved in -01; read as received without a delta. */
  NoDelta: 3,
} as const;
export type TwccStatus = (typeof TwccStatus)[keyof typeof TwccStatus];

/** §3.1.5: receive deltas are in multiples of 250 µs. */
export const TWCC_DELTA_TICK_US = 250;
/** §3.1: reference time unit, 64 ms. */
export const TWCC_REFERENCE_TICK_US = 64_000;
const FIXED = RTCP_HEADER_SIZE + 16;
const MAX_RUN = 0x1fff;

export interface TwccPacketResult {
  sequenceNumber: number;
  /** Arrival time in µs on the feedback sender's clock (reference time base), or undefined when lost. */
  arrivalTimeUs: number | undefined;
}

/** Transport-wide congestion control feedback (RTPFB, FMT 15), draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1. */
export class TransportCcFeedback implements RtcpPacketBase {
  readonly kind = 'twcc' as const;
  readonly packetType = RtcpPacketType.TransportFeedback;
  readonly fmt = RtcpFeedbackFormat.TransportCc;
  senderSsrc: number;
  mediaSsrc: number;
  baseSequenceNumber: number;
  /** Signed 24 bits, in 64 ms units. */
  referenceTime: number;
  /** 8-bit feedback packet count. */
  feedbackPacketCount: number;
  #statuses: TwccStatus[] | undefined;
  #deltas: number[] | undefined;
  /**
   * A parsed packet's chunks and deltas, expanded into `statuses` and
   * `deltas` only when read: one run-length chunk (2 bytes) stands for up to
   * 8,191 statuses, so expanding every received feedback would let a peer buy
   * 65,535 array slots per 22 bytes. Parsing itself is O(chunks).
   */
  #wire: { bytes: Buffer; count: number; deltasAt: number } | undefined;

  /** One status symbol per packet from baseSequenceNumber on. */
  get statuses(): TwccStatus[] {
    if (this.#statuses === undefined) this.#expand();
    return this.#statuses!;
  }

  set statuses(value: TwccStatus[]) {
    if (this.#statuses === undefined) this.#expand();
    this.#statuses = value;
  }

  /** One receive delta (250 µs ticks) per SmallDelta/LargeDelta status, in order. */
  get deltas(): number[] {
    if (this.#deltas === undefined) this.#expand();
    return this.#deltas!;
  }

  set deltas(value: number[]) {
    if (this.#deltas === undefined) this.#expand();
    this.#deltas = value;
  }

  /** Packet statuses the feedback covers (without expanding a parsed packet). */
  get packetStatusCount(): number {
    return this.#wire?.count ?? this.statuses.length;
  }

  constructor(init: {
    senderSsrc: number;
    mediaSsrc: number;
    baseSequenceNumber: number;
    referenceTime: number;
    feedbackPacketCount: number;
    statuses?: TwccStatus[];
    deltas?: number[];
  }) {
    this.senderSsrc = init.senderSsrc;
    this.mediaSsrc = init.mediaSsrc;
    this.baseSequenceNumber = init.baseSequenceNumber;
    this.referenceTime = init.referenceTime;
    this.feedbackPacketCount = init.feedbackPacketCount;
    this.#statuses = init.statuses ?? [];
    this.#deltas = init.deltas ?? [];
  }

  /**
   * Builds feedback from arrival times (µs, any monotonic receive clock) of
   * consecutive transport sequence numbers starting at `baseSequenceNumber`;
   * `undefined` marks a lost packet. Deltas are rounded to 250 µs without
   * drift. Throws InvalidArgumentError when a gap exceeds ±8.19 s (split the
   * feedback) or there are more than 65535 packets.
   */
  static fromArrivals(init: {
    senderSsrc: number;
    mediaSsrc: number;
    baseSequenceNumber: number;
    feedbackPacketCount: number;
    arrivals: ReadonlyArray<number | undefined>;
  }): TransportCcFeedback {
    if (init.arrivals.length > 0xffff) throw new InvalidArgumentError('at most 65535 packets per feedback');
    const first = init.arrivals.find((a) => a !== undefined);
    const referenceTime = first === undefined ? 0 : Math.floor(first / TWCC_REFERENCE_TICK_US);
    const statuses: TwccStatus[] = [];
    const deltas: number[] = [];
    let prevUs = referenceTime * TWCC_REFERENCE_TICK_US;
    for (const a of init.arrivals) {
      if (a === undefined) {
        statuses.push(TwccStatus.NotReceived);
        continue;
      }
      const ticks = Math.round((a - prevUs) / TWCC_DELTA_TICK_US) + 0; // + 0 turns -0 into 0
      if (ticks < -0x8000 || ticks > 0x7fff) throw new InvalidArgumentError(`receive delta ${ticks} ticks does not fit 16 bits`);
      statuses.push(ticks >= 0 && ticks <= 0xff ? TwccStatus.SmallDelta : TwccStatus.LargeDelta);
      deltas.push(ticks);
      prevUs += ticks * TWCC_DELTA_TICK_US;
    }
    return new TransportCcFeedback({ ...init, referenceTime: referenceTime & 0xffffff, statuses, deltas });
  }

  /** Per-packet results: sequence number and reconstructed arrival time. */
  packetResults(): TwccPacketResult[] {
    const out: TwccPacketResult[] = [];
    let t = this.referenceTime * TWCC_REFERENCE_TICK_US;
    let d = 0;
    for (let i = 0; i < this.statuses.length; i++) {
      const s = this.statuses[i]!;
      const sequenceNumber = (this.baseSequenceNumber + i) & 0xffff;
      if (s === TwccStatus.SmallDelta || s === TwccStatus.LargeDelta) {
        t += (this.deltas[d++] ?? 0) * TWCC_DELTA_TICK_US;
        out.push({ sequenceNumber, arrivalTimeUs: t });
      } else {
        out.push({ sequenceNumber, arrivalTimeUs: undefined });
      }
    }
    return out;
  }

  static parse(buf: Buffer, off: number, end: number): TransportCcFeedback {
    if (off + FIXED > end) throw new RtcpDecodeError('transport-cc feedback truncated');
    const count = buf.readUInt16BE(off + 14);
    const ref = (buf[off + 16]! << 16) | (buf[off + 17]! << 8) | buf[off + 18]!;
    const fb = new TransportCcFeedback({
      senderSsrc: buf.readUInt32BE(off + 4),
      mediaSsrc: buf.readUInt32BE(off + 8),
      baseSequenceNumber: buf.readUInt16BE(off + 12),
      referenceTime: ref & 0x800000 ? ref - 0x1000000 : ref,
      feedbackPacketCount: buf[off + 19]!,
    });
    // Validate the chunks and the delta bytes they call for, without expanding a run.
    let i = off + FIXED;
    let seen = 0;
    let small = 0;
    let large = 0;
    while (seen < count) {
      if (i + 2 > end) throw new RtcpDecodeError('transport-cc packet chunks truncated');
      const chunk = buf.readUInt16BE(i);
      i += 2;
      if ((chunk & 0x8000) === 0) {
        // §3.1.3 run length chunk: T=0, S (2 bits), run length (13 bits).
        const symbol = (chunk >>> 13) & 0x03;
        const run = Math.min(chunk & MAX_RUN, count - seen);
        seen += run;
        if (symbol === TwccStatus.SmallDelta) small += run;
        else if (symbol === TwccStatus.LargeDelta) large += run;
      } else if ((chunk & 0x4000) === 0) {
        // §3.1.4 status vector chunk, 14 one-bit symbols.
        for (let b = 13; b >= 0 && seen < count; b--, seen++) small += (chunk >>> b) & 1;
      } else {
        // §3.1.4 status vector chunk, 7 two-bit symbols.
        for (let b = 12; b >= 0 && seen < count; b -= 2, seen++) {
          const symbol = (chunk >>> b) & 3;
          if (symbol === TwccStatus.SmallDelta) small++;
          else if (symbol === TwccStatus.LargeDelta) large++;
        }
      }
    }
    if (i + small + 2 * large > end) throw new RtcpDecodeError('transport-cc receive deltas truncated');
    fb.#statuses = undefined;
    fb.#deltas = undefined;
    fb.#wire = { bytes: Buffer.from(buf.subarray(off + FIXED, i + small + 2 * large)), count, deltasAt: i - off - FIXED };
    return fb;
  }

  /** Expands a parsed packet's chunks and deltas (validated by parse). */
  #expand(): void {
    const wire = this.#wire;
    this.#wire = undefined;
    const statuses: TwccStatus[] = [];
    const deltas: number[] = [];
    this.#statuses = statuses;
    this.#deltas = deltas;
    if (!wire) return;
    const { bytes, count } = wire;
    let i = 0;
    while (statuses.length < count) {
      const chunk = bytes.readUInt16BE(i);
      i += 2;
      if ((chunk & 0x8000) === 0) {
        const symbol = ((chunk >>> 13) & 0x03) as TwccStatus;
        const run = Math.min(chunk & MAX_RUN, count - statuses.length);
        for (let r = 0; r < run; r++) statuses.push(symbol);
      } else if ((chunk & 0x4000) === 0) {
        for (let b = 13; b >= 0 && statuses.length < count; b--) statuses.push(((chunk >>> b) & 1) as TwccStatus);
      } else {
        for (let b = 12; b >= 0 && statuses.length < count; b -= 2) statuses.push(((chunk >>> b) & 3) as TwccStatus);
      }
    }
    i = wire.deltasAt;
    for (const st of statuses) {
      if (st === TwccStatus.SmallDelta) deltas.push(bytes[i++]!);
      else if (st === TwccStatus.LargeDelta) {
        deltas.push(bytes.readInt16BE(i));
        i += 2;
      }
    }
  }

  /** Chunks for the statuses: run-length for runs of 7+, else the densest status vector that fits. */
  #chunks(): number[] {
    const s = this.statuses;
    const n = s.length;
    const chunks: number[] = [];
    let i = 0;
    while (i < n) {
      const sym = s[i]!;
      let run = 1;
      while (i + run < n && s[i + run] === sym && run < MAX_RUN) run++;
      if (run >= 7) {
        chunks.push((sym << 13) | run);
        i += run;
        continue;
      }
      let oneBit = true;
      for (let k = i; k < Math.min(n, i + 14); k++) {
        if (s[k]! > TwccStatus.SmallDelta) {
          oneBit = false;
          break;
        }
      }
      let chunk: number;
      if (oneBit) {
        chunk = 0x8000;
        for (let k = 0; k < 14 && i + k < n; k++) chunk |= s[i + k]! << (13 - k);
        i += 14;
      } else {
        chunk = 0xc000;
        for (let k = 0; k < 7 && i + k < n; k++) chunk |= s[i + k]! << (12 - 2 * k);
        i += 7;
      }
      chunks.push(chunk);
    }
    return chunks;
  }

  #deltaBytes(): number {
    let n = 0;
    for (const st of this.statuses) n += st === TwccStatus.SmallDelta ? 1 : st === TwccStatus.LargeDelta ? 2 : 0;
    return n;
  }

  get serializedSize(): number {
    return (FIXED + this.#chunks().length * 2 + this.#deltaBytes() + 3) & ~3;
  }

  serializeTo(buf: Buffer, off: number): number {
    if (this.statuses.length > 0xffff) throw new InvalidArgumentError('at most 65535 packet statuses');
    const chunks = this.#chunks();
    const size = (FIXED + chunks.length * 2 + this.#deltaBytes() + 3) & ~3;
    writeFbHeader(buf, off, this, size, this.mediaSsrc);
    buf.writeUInt16BE(this.baseSequenceNumber & 0xffff, off + 12);
    buf.writeUInt16BE(this.statuses.length, off + 14);
    const ref = this.referenceTime & 0xffffff;
    buf[off + 16] = ref >>> 16;
    buf[off + 17] = (ref >>> 8) & 0xff;
    buf[off + 18] = ref & 0xff;
    buf[off + 19] = this.feedbackPacketCount & 0xff;
    let i = off + FIXED;
    for (const c of chunks) {
      buf.writeUInt16BE(c, i);
      i += 2;
    }
    let d = 0;
    for (const st of this.statuses) {
      if (st === TwccStatus.SmallDelta) {
        buf[i++] = (this.deltas[d++] ?? 0) & 0xff;
      } else if (st === TwccStatus.LargeDelta) {
        buf.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, this.deltas[d++] ?? 0)), i);
        i += 2;
      }
    }
    buf.fill(0, i, off + size);
    return size;
  }
}
