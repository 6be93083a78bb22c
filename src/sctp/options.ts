import { DEFAULT_SCTP_PORT } from './constants.js';
import { SctpError } from './errors.js';
import type { SctpAssociationOptions, SctpStats } from './types.js';

/** Defaults (RFC 9260 §16 unless noted). */
export const SCTP_DEFAULTS = {
  maxMessageSize: 262144, // RFC 8841 §6.1 default when a=max-message-size is absent: 64 KiB; WebRTC stacks use 256 KiB
  mtu: 1200,
  streams: 65535,
  rtoInitialMs: 1000,
  rtoMinMs: 200,
  rtoMaxMs: 60000,
  maxInitRetransmits: 8,
  maxAssociationRetransmits: 10,
  heartbeatIntervalMs: 30000,
  cookieLifetimeMs: 60000,
  maxReceiveWindow: 4 * 1024 * 1024,
  sendHighWaterMark: 16 * 1024 * 1024,
  delayedAckMs: 200,
  maxBurst: 4,
} as const;

export type ResolvedOptions = Required<Omit<SctpAssociationOptions, 'logger'>>;

/** Options with their defaults applied, validated (ERR_SCTP_CONFIG). */
export function resolveOptions(opts: SctpAssociationOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    localPort: opts.localPort ?? DEFAULT_SCTP_PORT,
    remotePort: opts.remotePort ?? DEFAULT_SCTP_PORT,
    rng: opts.rng,
    maxMessageSize: opts.maxMessageSize ?? SCTP_DEFAULTS.maxMessageSize,
    maxSendMessageSize: opts.maxSendMessageSize ?? opts.maxMessageSize ?? SCTP_DEFAULTS.maxMessageSize,
    mtu: opts.mtu ?? SCTP_DEFAULTS.mtu,
    maxOutboundStreams: opts.maxOutboundStreams ?? SCTP_DEFAULTS.streams,
    maxInboundStreams: opts.maxInboundStreams ?? SCTP_DEFAULTS.streams,
    zeroChecksum: opts.zeroChecksum ?? true,
    rtoInitialMs: opts.rtoInitialMs ?? SCTP_DEFAULTS.rtoInitialMs,
    rtoMinMs: opts.rtoMinMs ?? SCTP_DEFAULTS.rtoMinMs,
    rtoMaxMs: opts.rtoMaxMs ?? SCTP_DEFAULTS.rtoMaxMs,
    maxInitRetransmits: opts.maxInitRetransmits ?? SCTP_DEFAULTS.maxInitRetransmits,
    maxAssociationRetransmits: opts.maxAssociationRetransmits ?? SCTP_DEFAULTS.maxAssociationRetransmits,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? SCTP_DEFAULTS.heartbeatIntervalMs,
    cookieLifetimeMs: opts.cookieLifetimeMs ?? SCTP_DEFAULTS.cookieLifetimeMs,
    maxReceiveWindow: opts.maxReceiveWindow ?? SCTP_DEFAULTS.maxReceiveWindow,
    sendHighWaterMark: opts.sendHighWaterMark ?? SCTP_DEFAULTS.sendHighWaterMark,
    delayedAckMs: opts.delayedAckMs ?? SCTP_DEFAULTS.delayedAckMs,
    maxBurst: opts.maxBurst ?? SCTP_DEFAULTS.maxBurst,
    interleaving: opts.interleaving ?? true,
    congestionControl: opts.congestionControl ?? 'westwood',
  };
  if (!(o.mtu >= 256 && o.mtu <= 65535)) throw new SctpError('ERR_SCTP_CONFIG', `mtu ${o.mtu} out of range`);
  if (!(o.maxMessageSize >= 1 && o.maxSendMessageSize >= 1)) throw new SctpError('ERR_SCTP_CONFIG', 'maxMessageSize must be positive');
  for (const k of ['maxOutboundStreams', 'maxInboundStreams'] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 1 && o[k] <= 65535)) throw new SctpError('ERR_SCTP_CONFIG', `${k} must be 1..65535`);
  }
  if (!(o.maxReceiveWindow >= 1500 && o.maxReceiveWindow <= 64 * 1024 * 1024)) {
    throw new SctpError('ERR_SCTP_CONFIG', 'maxReceiveWindow must be 1500..64 MiB');
  }
  // Messages are delivered whole, so the window must hold the largest one with its fragment overhead.
  o.maxReceiveWindow = Math.max(o.maxReceiveWindow, Math.ceil(o.maxMessageSize * 1.1) + 262144);
  return o;
}

/** A zeroed stats object. */
export function newStats(rtoMs: number, localRwnd: number): SctpStats {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dataChunksSent: 0,
    dataChunksReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    retransmissions: 0,
    fastRetransmissions: 0,
    t3Expirations: 0,
    abandonedMessages: 0,
    duplicateTsns: 0,
    sacksSent: 0,
    sacksReceived: 0,
    srttMs: undefined,
    rtoMs,
    cwnd: 0,
    ssthresh: 0,
    peerRwnd: 0,
    localRwnd,
    flightSize: 0,
    dropped: {},
  };
}
