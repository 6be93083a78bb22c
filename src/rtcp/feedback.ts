import { InvalidArgumentError } from '../common/errors.js';
import { RtcpDecodeError } from './errors.js';
import { RTCP_HEADER_SIZE, RtcpFeedbackFormat, RtcpPacketType, writeRtcpHeader, type RtcpPacketBase } from './header.js';

/** RFC 4585 §6.1: header, SSRC of packet sender, SSRC of media source. */
const FB_FIXED = RTCP_HEADER_SIZE + 8;

/** Writes the common feedback header (RFC 4585 §6.1): RTCP header, sender SSRC, media SSRC. */
export function writeFbHeader(buf: Buffer, off: number, p: { fmt: number; packetType: number; senderSsrc: number }, size: number, mediaSsrc: number): void {
  writeRtcpHeader(buf, off, p.fmt, p.packetType, size);
  buf.writeUInt32BE(p.senderSsrc >>> 0, off + 4);
  buf.writeUInt32BE(mediaSsrc >>> 0, off + 8);
}

function readFbSsrcs(buf: Buffer, off: number, end: number, what: string): [number, number] {
  if (off + FB_FIXED > end) throw new RtcpDecodeError(`${what} truncated`);
  return [buf.readUInt32BE(off + 4), buf.readUInt32BE(off + 8)];
}

/** One NACK FCI: a lost packet id and a bitmask of the 16 following losses (RFC 4585 §6.2.1). */
export interface NackPair {
  packetId: number;
  lostBitmask: number;
}

/** RFC 4585 §6.2.1 generic NACK (RTPFB, FMT 1). */
export class GenericNack implements RtcpPacketBase {
  readonly kind = 'nack' as const;
  readonly packetType = RtcpPacketType.TransportFeedback;
  readonly fmt = RtcpFeedbackFormat.GenericNack;
  senderSsrc: number;
  mediaSsrc: number;
  pairs: NackPair[];

  constructor(init: { senderSsrc: number; mediaSsrc: number; pairs?: NackPair[] }) {
    this.senderSsrc = init.senderSsrc;
    this.mediaSsrc = init.mediaSsrc;
    this.pairs = init.pairs ?? [];
  }

  /**
   * Packs lost sequence numbers into PID/BLP pairs. Input may be unsorted and
   * cross the 16-bit wrap: numbers are ordered relative to the first one.
   */
  static fromLostSequenceNumbers(senderSsrc: number, mediaSsrc: number, lost: readonly number[]): GenericNack {
    const pairs: NackPair[] = [];
    if (lost.length > 0) {
      const base = lost[0]! & 0xffff;
      // Order by signed distance from the first entry so a wrap sorts correctly.
      const rel = [...new Set(lost.map((s) => s & 0xffff))]
        .map((s) => {
          const d = (s - base) & 0xffff;
          return d >= 0x8000 ? d - 0x10000 : d;
        })
        .sort((a, b) => a - b);
      let cur: NackPair | undefined;
      let curRel = 0;
      for (const r of rel) {
        if (cur !== undefined && r - curRel <= 16) {
          cur.lostBitmask |= 1 << (r - curRel - 1);
        } else {
          cur = { packetId: (base + r) & 0xffff, lostBitmask: 0 };
          curRel = r;
          pairs.push(cur);
        }
      }
    }
    return new GenericNack({ senderSsrc, mediaSsrc, pairs });
  }

  /** Every sequence number the pairs report lost, in wire order. */
  lostSequenceNumbers(): number[] {
    const out: number[] = [];
    for (const p of this.pairs) {
      out.push(p.packetId);
      for (let b = 0; b < 16; b++) if (p.lostBitmask & (1 << b)) out.push((p.packetId + b + 1) & 0xffff);
    }
    return out;
  }

  static parse(buf: Buffer, off: number, end: number): GenericNack {
    const [senderSsrc, mediaSsrc] = readFbSsrcs(buf, off, end, 'NACK');
    const pairs: NackPair[] = [];
    for (let i = off + FB_FIXED; i + 4 <= end; i += 4) {
      pairs.push({ packetId: buf.readUInt16BE(i), lostBitmask: buf.readUInt16BE(i + 2) });
    }
    return new GenericNack({ senderSsrc, mediaSsrc, pairs });
  }

  get serializedSize(): number {
    return FB_FIXED + this.pairs.length * 4;
  }

  serializeTo(buf: Buffer, off: number): number {
    const size = this.serializedSize;
    writeFbHeader(buf, off, this, size, this.mediaSsrc);
    let i = off + FB_FIXED;
    for (const p of this.pairs) {
      buf.writeUInt16BE(p.packetId & 0xffff, i);
      buf.writeUInt16BE(p.lostBitmask & 0xffff, i + 2);
      i += 4;
    }
    return size;
  }
}

/** RFC 4585 §6.3.1 picture loss indication (PSFB, FMT 1). */
export class PictureLossIndication implements RtcpPacketBase {
  readonly kind = 'pli' as const;
  readonly packetType = RtcpPacketType.PayloadFeedback;
  readonly fmt = RtcpFeedbackFormat.PictureLossIndication;
  senderSsrc: number;
  mediaSsrc: number;

  constructor(init: { senderSsrc: number; mediaSsrc: number }) {
    this.senderSsrc = init.senderSsrc;
    this.mediaSsrc = init.mediaSsrc;
  }

  static parse(buf: Buffer, off: number, end: number): PictureLossIndication {
    const [senderSsrc, mediaSsrc] = readFbSsrcs(buf, off, end, 'PLI');
    return new PictureLossIndication({ senderSsrc, mediaSsrc });
  }

  get serializedSize(): number {
    return FB_FIXED;
  }

  serializeTo(buf: Buffer, off: number): number {
    writeFbHeader(buf, off, this, FB_FIXED, this.mediaSsrc);
    return FB_FIXED;
  }
}

export interface FirEntry {
  ssrc: number;
  /** Command sequence number, 8 bits (RFC 5104 §4.3.1.1). */
  sequenceNumber: number;
}

/** RFC 5104 §4.3.1 full intra request (PSFB, FMT 4). */
export class FullIntraRequest implements RtcpPacketBase {
  readonly kind = 'fir' as const;
  readonly packetType = RtcpPacketType.PayloadFeedback;
  readonly fmt = RtcpFeedbackFormat.FullIntraRequest;
  senderSsrc: number;
  /** RFC 5104 §4.3.1.2: the media source SSRC field is not used and set to 0. */
  mediaSsrc: number;
  entries: FirEntry[];

  constructor(init: { senderSsrc: number; mediaSsrc?: number; entries?: FirEntry[] }) {
    this.senderSsrc = init.senderSsrc;
    this.mediaSsrc = init.mediaSsrc ?? 0;
    this.entries = init.entries ?? [];
  }

  static parse(buf: Buffer, off: number, end: number): FullIntraRequest {
    const [senderSsrc, mediaSsrc] = readFbSsrcs(buf, off, end, 'FIR');
    const entries: FirEntry[] = [];
    for (let i = off + FB_FIXED; i + 8 <= end; i += 8) entries.push({ ssrc: buf.readUInt32BE(i), sequenceNumber: buf[i + 4]! });
    return new FullIntraRequest({ senderSsrc, mediaSsrc, entries });
  }

  get serializedSize(): number {
    return FB_FIXED + this.entries.length * 8;
  }

  serializeTo(buf: Buffer, off: number): number {
    const size = this.serializedSize;
    writeFbHeader(buf, off, this, size, this.mediaSsrc);
    let i = off + FB_FIXED;
    for (const e of this.entries) {
      buf.writeUInt32BE(e.ssrc >>> 0, i);
      buf.writeUInt32BE(((e.sequenceNumber & 0xff) << 24) >>> 0, i + 4);
      i += 8;
    }
    return size;
  }
}

const REMB_ID = 0x52454d42; // 'REMB'
const REMB_MANTISSA_MAX = 0x3ffff;

/** Receiver estimated max bitrate, draft-alvestrand-rmcat-remb-03 §2.2 (PSFB, FMT 15, 'REMB'). */
export class ReceiverEstimatedMaxBitrate implements RtcpPacketBase {
  readonly kind = 'remb' as const;
  readonly packetType = RtcpPacketType.PayloadFeedback;
  readonly fmt = RtcpFeedbackFormat.ApplicationLayer;
  senderSsrc: number;
  /** Bits per second (mantissa · 2^exp on the wire; rounded down to what fits). */
  bitrate: number;
  ssrcs: number[];

  constructor(init: { senderSsrc: number; bitrate: number; ssrcs?: number[] }) {
    this.senderSsrc = init.senderSsrc;
    this.bitrate = init.bitrate;
    this.ssrcs = init.ssrcs ?? [];
  }

  /** True when an ALFB (PSFB FMT 15) body carries the 'REMB' identifier. */
  static matches(buf: Buffer, off: number, end: number): boolean {
    return off + FB_FIXED + 4 <= end && buf.readUInt32BE(off + FB_FIXED) === REMB_ID;
  }

  static parse(buf: Buffer, off: number, end: number): ReceiverEstimatedMaxBitrate {
    const [senderSsrc] = readFbSsrcs(buf, off, end, 'REMB');
    const i = off + FB_FIXED;
    if (i + 8 > end) throw new RtcpDecodeError('REMB truncated');
    const num = buf[i + 4]!;
    const exp = buf[i + 5]! >>> 2;
    const mantissa = ((buf[i + 5]! & 0x03) << 16) | buf.readUInt16BE(i + 6);
    if (i + 8 + num * 4 > end) throw new RtcpDecodeError('REMB SSRC list truncated');
    const ssrcs: number[] = [];
    for (let s = 0; s < num; s++) ssrcs.push(buf.readUInt32BE(i + 8 + s * 4));
    return new ReceiverEstimatedMaxBitrate({ senderSsrc, bitrate: mantissa * 2 ** exp, ssrcs });
  }

  get serializedSize(): number {
    return FB_FIXED + 8 + this.ssrcs.length * 4;
  }

  serializeTo(buf: Buffer, off: number): number {
    if (this.ssrcs.length > 255) throw new InvalidArgumentError('REMB carries at most 255 SSRCs');
    if (!(this.bitrate >= 0) || !Number.isFinite(this.bitrate)) throw new InvalidArgumentError(`bad REMB bitrate ${this.bitrate}`);
    const size = this.serializedSize;
    writeFbHeader(buf, off, this, size, 0);
    let exp = 0;
    let mantissa = Math.floor(this.bitrate);
    while (mantissa > REMB_MANTISSA_MAX && exp < 63) {
      exp++;
      mantissa = Math.floor(this.bitrate / 2 ** exp);
    }
    mantissa = Math.min(mantissa, REMB_MANTISSA_MAX);
    const i = off + FB_FIXED;
    buf.writeUInt32BE(REMB_ID, i);
    buf[i + 4] = this.ssrcs.length;
    buf[i + 5] = (exp << 2) | (mantissa >>> 16);
    buf.writeUInt16BE(mantissa & 0xffff, i + 6);
    for (let s = 0; s < this.ssrcs.length; s++) buf.writeUInt32BE(this.ssrcs[s]! >>> 0, i + 8 + s * 4);
    return size;
  }
}
