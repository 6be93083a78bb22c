import type { Rng } from '../common/rng.js';
import type { ScopedLogger } from '../common/log.js';

/** Configuration of an {@link SctpAssociationCore}. Every field but `rng` has a documented default. */
export interface SctpAssociationOptions {
  /** Local SCTP port; RFC 8841 default 5000. */
  localPort?: number;
  /** Remote SCTP port (`a=sctp-port` of the peer); default 5000. */
  remotePort?: number;
  /** Randomness for verification tags, initial TSNs, the cookie secret and heartbeat nonces. */
  rng: Rng;
  /** Largest message the receiver reassembles (our `a=max-message-size`); default 262144. */
  maxMessageSize?: number;
  /**
   * Largest message `send` accepts (the peer's `a=max-message-size`; 0 there means no limit, pass
   * the high-water mark then); default `maxMessageSize`.
   */
  maxSendMessageSize?: number;
  /** Largest SCTP packet sent (the DTLS path MTU budget); default 1200. */
  mtu?: number;
  /** Outbound streams requested in INIT (OS); default 65535. */
  maxOutboundStreams?: number;
  /** Inbound streams accepted (MIS); default 65535. */
  maxInboundStreams?: number;
  /**
   * Announce RFC 9653 zero-checksum acceptance (error detection by DTLS) and accept packets with
   * a zero checksum; packets are sent with a zero checksum only when the peer announced it too.
   * Default true: this core is meant for SCTP over DTLS (RFC 8261).
   */
  zeroChecksum?: boolean;
  /** RTO.Initial (RFC 9260 §16); default 1000 ms. */
  rtoInitialMs?: number;
  /** RTO.Min; default 200 ms (RFC 9260 suggests 1 s; WebRTC stacks use less). */
  rtoMinMs?: number;
  /** RTO.Max; default 60000 ms (RFC 9260 §16). */
  rtoMaxMs?: number;
  /** Max.Init.Retransmits (RFC 9260 §16); default 8. */
  maxInitRetransmits?: number;
  /** Association.Max.Retrans (RFC 9260 §16); default 10. Exceeding it closes with reason 'timeout'. */
  maxAssociationRetransmits?: number;
  /** HB.interval (RFC 9260 §16); default 30000 ms. 0 disables heartbeats. */
  heartbeatIntervalMs?: number;
  /** Valid.Cookie.Life (RFC 9260 §16); default 60000 ms. */
  cookieLifetimeMs?: number;
  /**
   * Largest receive window advertised (a_rwnd), which also bounds reassembly and undelivered
   * message memory; default 4 MiB, raised to 1.1 × maxMessageSize + 256 KiB if smaller
   * (messages are delivered whole). At most 64 MiB.
   */
  maxReceiveWindow?: number;
  /** Bytes `send` may buffer over all streams before it throws ERR_SCTP_BUFFER_FULL; default 16 MiB. */
  sendHighWaterMark?: number;
  /** Delayed SACK timeout (RFC 9260 §6.2: at most 500 ms); default 200 ms. */
  delayedAckMs?: number;
  /** Max.Burst (RFC 9260 §16): new-data packets sent at once beyond what a SACK frees; default 4. */
  maxBurst?: number;
  /** Offer I-DATA (RFC 8260) and use it when the peer offers it too; default true. */
  interleaving?: boolean;
  /**
   * Loss response of the congestion controller: 'reno' is RFC 9260 §7.2 exactly; 'westwood'
   * (default) keeps ssthresh at least at the measured bandwidth × min RTT after a loss (TCP
   * Westwood+), which keeps long paths with random loss usable. See congestion-control.ts.
   */
  congestionControl?: 'reno' | 'westwood';
  /** Logger prefix (an association id) for trace lines. */
  logger?: ScopedLogger;
}

/** Per-message send options (RFC 3758 partial reliability; both unset = reliable). */
export type SctpSendOptions = {
  unordered?: boolean;
  /** Give up after this many retransmissions (0 = sent once). */
  maxRetransmits?: number;
  /** Give up when the message is not acknowledged this long after `send`. */
  maxPacketLifeTimeMs?: number;
};

export type SctpEvent =
  | { type: 'connected'; outboundStreams: number; inboundStreams: number }
  | { type: 'message'; streamId: number; ppid: number; data: Uint8Array }
  /** The peer reset these incoming streams (the remote closed them). */
  | { type: 'stream-reset'; streamIds: number[] }
  /** Our outgoing reset of these streams was performed by the peer. */
  | { type: 'outgoing-reset-done'; streamIds: number[] }
  /** The stream's buffered amount fell to or below its threshold. */
  | { type: 'buffered-amount-low'; streamId: number }
  | { type: 'closed'; reason: 'shutdown' | 'abort' | 'timeout' | 'local'; error?: Error };

export type SctpState =
  | 'closed'
  | 'cookie-wait'
  | 'cookie-echoed'
  | 'established'
  | 'shutdown-pending'
  | 'shutdown-sent'
  | 'shutdown-received'
  | 'shutdown-ack-sent';

/** Counters and congestion state of an association (a snapshot object, updated in place). */
export interface SctpStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  dataChunksSent: number;
  dataChunksReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** DATA chunks sent again (fast retransmit and T3-rtx). */
  retransmissions: number;
  fastRetransmissions: number;
  t3Expirations: number;
  /** Messages given up under partial reliability. */
  abandonedMessages: number;
  /** Duplicate DATA chunks received. */
  duplicateTsns: number;
  sacksSent: number;
  sacksReceived: number;
  /** Smoothed RTT (ms); undefined before the first measurement. */
  srttMs: number | undefined;
  rtoMs: number;
  cwnd: number;
  ssthresh: number;
  /** Peer's advertised receive window minus what is in flight. */
  peerRwnd: number;
  /** Receive window we advertise now. */
  localRwnd: number;
  flightSize: number;
  /** Dropped network input by reason (`bad-checksum`, `bad-vtag`, `tsn-out-of-window`, ...). */
  dropped: Record<string, number>;
}
