import type { ExternalHostSocket, IceMuxAgent } from '../agent/agent-ports.js';
import type { Clock } from '../common/clock.js';
import type { Net, TransportAddress } from '../transport/net.js';

/** What a single-port server needs from an ICE agent (owned by the agent: agent-ports.ts). */
export type { IceMuxAgent };

/**
 * The agent-config hook (`IceAgentConfig.mux`): gives an agent its host
 * bases on a shared port instead of sockets of its own.
 */
export interface IceMux {
  hostSocketsFor(agent: IceMuxAgent): ExternalHostSocket[];
}

export type MuxProtocol = 'udp' | 'tcp';

export type TupleRemovedReason = 'evicted' | 'connection-closed' | 'transport-closed' | 'server-closed';
export type TransportClosedReason = 'agent-closed' | 'closed' | 'server-closed';

export interface MuxTupleEvent {
  readonly transportId: number;
  readonly tupleId: number;
  readonly protocol: MuxProtocol;
  readonly remote: TransportAddress;
}

export interface MuxTupleRemovedEvent extends MuxTupleEvent {
  readonly reason: TupleRemovedReason;
}

export interface MuxUfragEvent {
  readonly transportId: number;
  readonly ufrag: string;
  /** The ufrag it replaces (ICE restart); undefined when first set. */
  readonly previous: string | undefined;
}

export interface MuxTransportClosedEvent {
  readonly transportId: number;
  readonly ufrag: string;
  readonly reason: TransportClosedReason;
}

export interface IceMuxServerOptions {
  /** UDP address to bind (e.g. 0.0.0.0 is not allowed in tests: use 127.0.0.1); omit for no UDP. */
  udp?: { address: string; port: number };
  /** TCP address to listen on for passive ICE-TCP (RFC 6544); omit for no TCP. */
  tcp?: { address: string; port: number; backlog?: number };
  /** Per-transport bound on UDP 5-tuples; when full the oldest non-selected one is evicted. */
  maxUdpTuplesPerTransport?: number;
  /** Per-transport bound on TCP connections; when full the oldest non-selected one is closed. */
  maxTcpTuplesPerTransport?: number;
  /** An accepted TCP connection must deliver a routable first frame within this time. */
  tcpFirstFrameTimeoutMs?: number;
  /**
   * Verify MESSAGE-INTEGRITY of a new tuple's first request with the
   * transport's password before allocating the tuple (default true), so
   * a peer who only knows the ufrag from signalling cannot push tuples out.
   */
  verifyIntegrity?: boolean;
  net?: Net;
  clock?: Clock;
}

/** Per-transport UDP 5-tuple bound: generous for multi-homed clients, small enough to bound memory. */
export const DEFAULT_MAX_UDP_TUPLES_PER_TRANSPORT = 32;
/** Per-transport TCP connection bound. */
export const DEFAULT_MAX_TCP_TUPLES_PER_TRANSPORT = 8;
/** First-frame deadline for accepted TCP connections. */
export const DEFAULT_TCP_FIRST_FRAME_TIMEOUT_MS = 10_000;
/** TCP listen backlog: thousands of clients may arrive at once (Node's default is 511). */
export const DEFAULT_MUX_TCP_BACKLOG = 4096;
