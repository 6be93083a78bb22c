import type { ReportBlock } from '../rtcp/report-block.js';

/** What the remote's reception reports say about one outbound stream (W3C remote-inbound-rtp). */
export interface RemoteReceptionStats {
  /** Fraction lost since the previous report, 0..1. */
  fractionLost: number;
  /** Cumulative packets lost (may be negative with duplicates, RFC 3550 §6.4.1). */
  packetsLost: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  reportsReceived: number;
  /** Seconds; undefined until a report refers to one of our sender reports. */
  roundTripTime: number | undefined;
  totalRoundTripTime: number;
  roundTripTimeMeasurements: number;
  /** Wall-clock ms of the last report. */
  lastReportAtMs: number;
}

/**
 * What one outbound RTP stream has sent, for sender reports (RFC 3550
 * §6.4.1): packet and octet counts and the RTP timestamp that corresponds
 * to a wall-clock NTP time.
 */
export class SenderStats {
  packets = 0;
  /** Payload octets (RFC 3550: excluding header and padding). */
  octets = 0;
  bytes = 0;
  #lastRtpTimestamp = 0;
  #lastSentAtMs: number | undefined;
  retransmitted = 0;
  nacksReceived = 0;
  plisReceived = 0;
  firsReceived = 0;
  /** From the remote's reception reports; undefined until one arrives. */
  remote: RemoteReceptionStats | undefined;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
  ) {}

  onPacket(rtpTimestamp: number, payloadSize: number, size: number, nowMs: number): void {
    this.packets++;
    this.octets += payloadSize;
    this.bytes += size;
    this.#lastRtpTimestamp = rtpTimestamp >>> 0;
    this.#lastSentAtMs = nowMs;
  }

  /**
   * A reception report block about this stream (in an SR or RR). RFC 3550
   * §6.4.1: round-trip time = arrival − LSR − DLSR, in 1/65536 s of the
   * middle 32 bits of NTP time; skipped while LSR is 0 (no SR seen yet) or
   * when the difference is negative (clock steps).
   */
  onReceptionReport(block: ReportBlock, nowWallMs: number): void {
    const r = (this.remote ??= {
      fractionLost: 0,
      packetsLost: 0,
      jitter: 0,
      reportsReceived: 0,
      roundTripTime: undefined,
      totalRoundTripTime: 0,
      roundTripTimeMeasurements: 0,
      lastReportAtMs: nowWallMs,
    });
    r.fractionLost = block.fractionLost / 256;
    r.packetsLost = block.packetsLost;
    r.jitter = block.jitter;
    r.reportsReceived++;
    r.lastReportAtMs = nowWallMs;
    if (block.lastSenderReport === 0) return;
    const [sec, frac] = ntpTime(nowWallMs);
    const units = (ntpMiddle32(sec, frac) - block.lastSenderReport - block.delaySinceLastSenderReport) | 0;
    if (units < 0) return;
    r.roundTripTime = units / 65536;
    r.totalRoundTripTime += r.roundTripTime;
    r.roundTripTimeMeasurements++;
  }

  get hasSent(): boolean {
    return this.#lastSentAtMs !== undefined;
  }

  /** The RTP timestamp for `nowMs`, extrapolated from the last packet sent. */
  rtpTimestampAt(nowMs: number): number {
    if (this.#lastSentAtMs === undefined) return 0;
    return (this.#lastRtpTimestamp + Math.round(((nowMs - this.#lastSentAtMs) * this.clockRate) / 1000)) >>> 0;
  }
}

/** NTP time (RFC 5905) for a wall-clock time in ms since the Unix epoch, as [seconds, fraction]. */
export function ntpTime(wallMs: number): [number, number] {
  const NTP_UNIX_OFFSET_S = 2208988800;
  const seconds = Math.floor(wallMs / 1000) + NTP_UNIX_OFFSET_S;
  const fraction = Math.floor(((wallMs % 1000) / 1000) * 0x100000000);
  return [seconds >>> 0, fraction >>> 0];
}

/** The middle 32 bits of an NTP timestamp (LSR in report blocks). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}
