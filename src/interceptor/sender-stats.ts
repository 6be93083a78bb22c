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
