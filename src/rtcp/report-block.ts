import { RtcpDecodeError } from './errors.js';

/** RFC 3550 §6.4.1 reception report block (24 bytes). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, 8-bit fixed point (lost/expected * 256). */
  fractionLost: number;
  /** Cumulative number of packets lost, signed 24 bits. */
  packetsLost: number;
  /** Extended highest sequence number received. */
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR (LSR). */
  lastSenderReport: number;
  /** Delay since the last SR, in 1/65536 s (DLSR). */
  delaySinceLastSenderReport: number;
}

export const REPORT_BLOCK_SIZE = 24;

export function parseReportBlock(buf: Buffer, off: number, end: number): ReportBlock {
  if (off + REPORT_BLOCK_SIZE > end) throw new RtcpDecodeError('report block truncated');
  const lost = (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!;
  return {
    ssrc: buf.readUInt32BE(off),
    fractionLost: buf[off + 4]!,
    packetsLost: lost & 0x800000 ? lost - 0x1000000 : lost,
    highestSequence: buf.readUInt32BE(off + 8),
    jitter: buf.readUInt32BE(off + 12),
    lastSenderReport: buf.readUInt32BE(off + 16),
    delaySinceLastSenderReport: buf.readUInt32BE(off + 20),
  };
}

export function writeReportBlock(buf: Buffer, off: number, b: ReportBlock): void {
  buf.writeUInt32BE(b.ssrc >>> 0, off);
  buf[off + 4] = b.fractionLost & 0xff;
  // Clamp to the signed 24-bit range (RFC 3550 §6.4.1).
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(b.packetsLost))) & 0xffffff;
  buf[off + 5] = lost >>> 16;
  buf[off + 6] = (lost >>> 8) & 0xff;
  buf[off + 7] = lost & 0xff;
  buf.writeUInt32BE(b.highestSequence >>> 0, off + 8);
  buf.writeUInt32BE(b.jitter >>> 0, off + 12);
  buf.writeUInt32BE(b.lastSenderReport >>> 0, off + 16);
  buf.writeUInt32BE(b.delaySinceLastSenderReport >>> 0, off + 20);
}
