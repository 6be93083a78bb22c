/**
 * What senders and receivers need from the secure transport below them:
 * protect-and-send for plain RTP/RTCP, and the time. Implemented by the
 * DTLS-SRTP transport once keys exist; before that writes are dropped.
 */
export interface MediaPipe {
  /** Protects and sends one plain RTP packet; returns false when dropped. */
  writeRtp(packet: Buffer): boolean;
  /** Protects and sends one plain (compound) RTCP packet. */
  writeRtcp(packet: Buffer): boolean;
  /** Monotonic ms. */
  now(): number;
  /** Wall-clock ms since the epoch (for NTP timestamps). */
  wallMs(): number;
}
