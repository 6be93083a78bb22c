import { InvalidArgumentError } from '../common/errors.js';
import { RtcpDecodeError } from './errors.js';
import { RTCP_HEADER_SIZE, RtcpPacketType, writeRtcpHeader, type RtcpPacketBase } from './header.js';
import { REPORT_BLOCK_SIZE, parseReportBlock, writeReportBlock, type ReportBlock } from './report-block.js';

const MAX_REPORTS = 31;

function checkReports(reports: readonly ReportBlock[]): void {
  if (reports.length > MAX_REPORTS) throw new InvalidArgumentError(`at most ${MAX_REPORTS} report blocks per packet`);
}

function padded(b: Buffer): number {
  return (b.length + 3) & ~3;
}

/** RFC 3550 §6.4.1 sender report. */
export class SenderReport implements RtcpPacketBase {
  readonly kind = 'sr' as const;
  readonly packetType = RtcpPacketType.SenderReport;
  ssrc: number;
  /** 64-bit NTP timestamp (seconds since 1900 in the high 32 bits). */
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
  /** Profile-specific extension bytes after the report blocks (kept raw). */
  profileExtension: Buffer;

  constructor(init: {
    ssrc: number;
    ntpTimestamp?: bigint;
    rtpTimestamp?: number;
    packetCount?: number;
    octetCount?: number;
    reports?: ReportBlock[];
    profileExtension?: Buffer;
  }) {
    this.ssrc = init.ssrc;
    this.ntpTimestamp = init.ntpTimestamp ?? 0n;
    this.rtpTimestamp = init.rtpTimestamp ?? 0;
    this.packetCount = init.packetCount ?? 0;
    this.octetCount = init.octetCount ?? 0;
    this.reports = init.reports ?? [];
    this.profileExtension = init.profileExtension ?? Buffer.alloc(0);
  }

  static parse(buf: Buffer, off: number, end: number, count: number): SenderReport {
    let i = off + RTCP_HEADER_SIZE;
    if (i + 24 > end) throw new RtcpDecodeError('sender report truncated');
    const sr = new SenderReport({
      ssrc: buf.readUInt32BE(i),
      ntpTimestamp: buf.readBigUInt64BE(i + 4),
      rtpTimestamp: buf.readUInt32BE(i + 12),
      packetCount: buf.readUInt32BE(i + 16),
      octetCount: buf.readUInt32BE(i + 20),
    });
    i += 24;
    for (let r = 0; r < count; r++, i += REPORT_BLOCK_SIZE) sr.reports.push(parseReportBlock(buf, i, end));
    sr.profileExtension = buf.subarray(i, end);
    return sr;
  }

  /** The LSR value a receiver echoes: the middle 32 bits of the NTP timestamp (RFC 3550 §6.4.1). */
  get compactNtp(): number {
    return Number((this.ntpTimestamp >> 16n) & 0xffffffffn);
  }

  get serializedSize(): number {
    return RTCP_HEADER_SIZE + 24 + this.reports.length * REPORT_BLOCK_SIZE + padded(this.profileExtension);
  }

  serializeTo(buf: Buffer, off: number): number {
    checkReports(this.reports);
    const size = this.serializedSize;
    writeRtcpHeader(buf, off, this.reports.length, this.packetType, size);
    let i = off + RTCP_HEADER_SIZE;
    buf.writeUInt32BE(this.ssrc >>> 0, i);
    buf.writeBigUInt64BE(BigInt.asUintN(64, this.ntpTimestamp), i + 4);
    buf.writeUInt32BE(this.rtpTimestamp >>> 0, i + 12);
    buf.writeUInt32BE(this.packetCount >>> 0, i + 16);
    buf.writeUInt32BE(this.octetCount >>> 0, i + 20);
    i += 24;
    for (const r of this.reports) {
      writeReportBlock(buf, i, r);
      i += REPORT_BLOCK_SIZE;
    }
    this.profileExtension.copy(buf, i);
    buf.fill(0, i + this.profileExtension.length, off + size);
    return size;
  }
}

/** RFC 3550 §6.4.2 receiver report. */
export class ReceiverReport implements RtcpPacketBase {
  readonly kind = 'rr' as const;
  readonly packetType = RtcpPacketType.ReceiverReport;
  ssrc: number;
  reports: ReportBlock[];
  profileExtension: Buffer;

  constructor(init: { ssrc: number; reports?: ReportBlock[]; profileExtension?: Buffer }) {
    this.ssrc = init.ssrc;
    this.reports = init.reports ?? [];
    this.profileExtension = init.profileExtension ?? Buffer.alloc(0);
  }

  static parse(buf: Buffer, off: number, end: number, count: number): ReceiverReport {
    let i = off + RTCP_HEADER_SIZE;
    if (i + 4 > end) throw new RtcpDecodeError('receiver report truncated');
    const rr = new ReceiverReport({ ssrc: buf.readUInt32BE(i) });
    i += 4;
    for (let r = 0; r < count; r++, i += REPORT_BLOCK_SIZE) rr.reports.push(parseReportBlock(buf, i, end));
    rr.profileExtension = buf.subarray(i, end);
    return rr;
  }

  get serializedSize(): number {
    return RTCP_HEADER_SIZE + 4 + this.reports.length * REPORT_BLOCK_SIZE + padded(this.profileExtension);
  }

  serializeTo(buf: Buffer, off: number): number {
    checkReports(this.reports);
    const size = this.serializedSize;
    writeRtcpHeader(buf, off, this.reports.length, this.packetType, size);
    let i = off + RTCP_HEADER_SIZE;
    buf.writeUInt32BE(this.ssrc >>> 0, i);
    i += 4;
    for (const r of this.reports) {
      writeReportBlock(buf, i, r);
      i += REPORT_BLOCK_SIZE;
    }
    this.profileExtension.copy(buf, i);
    buf.fill(0, i + this.profileExtension.length, off + size);
    return size;
  }
}
