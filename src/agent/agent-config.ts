import type { Clock } from '../common/clock.js';
import { InvalidArgumentError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { Net } from '../transport/net.js';
import type { IceServer } from '../stun/index.js';
import type { RelayFactory } from '../turn/index.js';
import type { AgentMdnsResolver, AgentMux, HostSocketsProvider } from './agent-ports.js';

export type IceRole = 'controlling' | 'controlled';
export type IceConnectionState = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed';
export type IceGatheringState = 'new' | 'gathering' | 'complete';
export type NetworkType = 'udp4' | 'udp6' | 'tcp4' | 'tcp6';
export type IceNomination = 'regular' | 'aggressive';

/**
 * Rewrites the addresses of gathered candidates (Pion's address rewrite
 * rules; NAT 1:1 is shorthand over them). A rule targets candidates of
 * `targetType` (default host) inside its scope and either replaces their
 * address or appends new candidates of type `asCandidateType`.
 */
export interface AddressRewriteRule {
  /** Addresses to announce. */
  external: string[];
  /** Announced port when different from the bound one (port mapping). */
  externalPort?: number;
  /** Type of the announced candidates; default host. */
  asCandidateType?: 'host' | 'srflx' | 'relay';
  /** Type of the gathered candidates the rule applies to; default host. */
  targetType?: 'host' | 'srflx' | 'relay';
  /** 'replace' (default for host-typed output) or 'append'. */
  mode?: 'replace' | 'append';
  /** Scope: interface name. */
  iface?: string;
  /** Scope: local addresses inside this CIDR. */
  cidr?: string;
  /** Scope: exactly this local address. */
  localAddress?: string;
}

export interface IceAgentConfig {
  /** stun:/turn: servers (W3C RTCIceServer shape). */
  iceServers?: IceServer[];
  portMin?: number;
  portMax?: number;
  addressRewriteRules?: AddressRewriteRule[];
  nat1To1IPs?: string[];
  nat1To1CandidateType?: 'host' | 'srflx';
  interfaceFilter?: (name: string) => boolean;
  ipFilter?: (ip: string) => boolean;
  networkTypes?: NetworkType[];
  includeLoopback?: boolean;
  lite?: boolean;
  checkIntervalMs?: number;
  keepaliveIntervalMs?: number;
  disconnectedTimeoutMs?: number;
  failedTimeoutMs?: number;
  maxBindingRequests?: number;
  hostAcceptanceMinWaitMs?: number;
  srflxAcceptanceMinWaitMs?: number;
  prflxAcceptanceMinWaitMs?: number;
  relayAcceptanceMinWaitMs?: number;
  nomination?: IceNomination;
  localUfrag?: string;
  localPwd?: string;
  tieBreaker?: bigint;
  stunGatherTimeoutMs?: number;
  maxRemoteCandidates?: number;
  /** The remote agent is ICE-lite (a=ice-lite): this agent must be controlling; longer liveness defaults apply. */
  remoteLite?: boolean;
  /** Consent freshness (RFC 7675) expiry; default 30 s. */
  consentExpiryMs?: number;
  clock?: Clock;
  rng?: Rng;
  net?: Net;
  /** W3C iceTransportPolicy: 'relay' gathers and pairs relayed candidates only (default 'all'). */
  iceTransportPolicy?: 'all' | 'relay';
  /** TURN hook; the agent uses it for turn: URLs. */
  relayFactory?: RelayFactory;
  /**
   * Host bases supplied by the caller instead of sockets the agent binds
   * (a single-port UDP/TCP server demultiplexing agents by ufrag, ICE-TCP).
   */
  hostSockets?: HostSocketsProvider;
  /**
   * A single-port ICE server (IceMuxServer) to gather host candidates from
   * instead of binding sockets of its own; ignored when hostSockets is set.
   */
  mux?: AgentMux;
  /** Multicast DNS for `.local` host candidates (draft-ietf-mmusic-mdns-ice-candidates). */
  mdns?: IceMdnsConfig;
}

export interface IceMdnsConfig {
  /** Resolve remote `.local` candidates (default true); an unresolvable one is skipped without stalling checks. */
  resolve?: boolean;
  /** Announce local host candidates under generated `<uuid>.local` names (default false), as browsers do. */
  publish?: boolean;
  /** The resolver/responder to use (not closed by the agent); default a MulticastDns the agent opens on first use and closes. */
  resolver?: AgentMdnsResolver;
  /** Per-name resolution timeout; default DEFAULT_MDNS_QUERY_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Pion: defaultCheckInterval = 200 ms. */
export const DEFAULT_CHECK_INTERVAL_MS = 200;
/** Pion: defaultKeepaliveInterval = 2 s. */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 2000;
/** Pion: defaultDisconnectedTimeout = 5 s. */
export const DEFAULT_DISCONNECTED_TIMEOUT_MS = 5000;
/** Pion: defaultFailedTimeout = 25 s. */
export const DEFAULT_FAILED_TIMEOUT_MS = 25000;
/** Pion: defaultMaxBindingRequests = 7 (RFC 8489 §6.2.1 Rc). */
export const DEFAULT_MAX_BINDING_REQUESTS = 7;
/** Pion: defaultHostAcceptanceMinWait = 0. */
export const DEFAULT_HOST_ACCEPTANCE_MIN_WAIT_MS = 0;
/** Pion: defaultSrflxAcceptanceMinWait = 500 ms. */
export const DEFAULT_SRFLX_ACCEPTANCE_MIN_WAIT_MS = 500;
/** Pion: defaultPrflxAcceptanceMinWait = 1000 ms. */
export const DEFAULT_PRFLX_ACCEPTANCE_MIN_WAIT_MS = 1000;
/** Pion: defaultRelayAcceptanceMinWait = 2000 ms. */
export const DEFAULT_RELAY_ACCEPTANCE_MIN_WAIT_MS = 2000;
/** Pion: defaultSTUNGatherTimeout = 5 s. */
export const DEFAULT_STUN_GATHER_TIMEOUT_MS = 5000;
/** Bound on remote candidates (signalled + peer-reflexive), so a flood cannot grow memory. */
export const DEFAULT_MAX_REMOTE_CANDIDATES = 256;
/** Bound on the triggered-check queue (RFC 8445 §6.1.4.1 leaves its size open). */
export const MAX_TRIGGERED_QUEUE = 64;
/** Bound on local peer-reflexive candidates learned from responses. */
export const MAX_LOCAL_PRFLX = 32;
/** RFC 7675 §5.1: consent expires 30 s after the last authenticated response. */
export const DEFAULT_CONSENT_EXPIRY_MS = 30000;
/** RFC 7675 §5.1: consent checks every 5 s ± 20 % (4–6 s), randomized. */
export const CONSENT_MIN_INTERVAL_MS = 4000;
export const CONSENT_MAX_INTERVAL_MS = 6000;
/**
 * Liveness when either side is ICE-lite: a lite peer never sends its own
 * checks or keepalives, so the only inbound traffic may be consent
 * responses every 4–6 s; 5 s would flap. These longer defaults apply
 * unless the timeouts are set explicitly.
 */
export const LITE_DISCONNECTED_TIMEOUT_MS = 15000;
export const LITE_FAILED_TIMEOUT_MS = 30000;
/** RFC 8445 §5.3: ufrag ≥ 24 bits (4 ice-chars), password ≥ 128 bits (22 ice-chars). */
export const LOCAL_UFRAG_LENGTH = 16;
export const LOCAL_PWD_LENGTH = 32;
/** RFC 8445 §14.2: Ta, the pacing of checks (50 ms); the first check of a trickled pair waits no longer. */
export const CHECK_PACING_MS = 50;
/** RFC 8445 §14.3: RTO for checks is at least 500 ms. */
export const CHECK_RTO_MS = 500;

/** Everything the core needs, with defaults applied. */
export interface IceCoreConfig {
  lite: boolean;
  remoteLite: boolean;
  nomination: IceNomination;
  checkIntervalMs: number;
  keepaliveIntervalMs: number;
  disconnectedTimeoutMs: number;
  failedTimeoutMs: number;
  maxBindingRequests: number;
  acceptanceMinWaitMs: Record<'host' | 'srflx' | 'prflx' | 'relay', number>;
  maxRemoteCandidates: number;
  consentExpiryMs: number;
  stunGatherTimeoutMs: number;
}

export function resolveCoreConfig(c: IceAgentConfig): IceCoreConfig {
  const liteMode = c.lite === true || c.remoteLite === true;
  const nonNegative = (v: number | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
    return v;
  };
  return {
    lite: c.lite === true,
    remoteLite: c.remoteLite === true,
    nomination: c.nomination ?? 'regular',
    checkIntervalMs: Math.max(1, nonNegative(c.checkIntervalMs, DEFAULT_CHECK_INTERVAL_MS, 'checkIntervalMs')),
    keepaliveIntervalMs: nonNegative(c.keepaliveIntervalMs, DEFAULT_KEEPALIVE_INTERVAL_MS, 'keepaliveIntervalMs'),
    disconnectedTimeoutMs: nonNegative(
      c.disconnectedTimeoutMs,
      liteMode ? LITE_DISCONNECTED_TIMEOUT_MS : DEFAULT_DISCONNECTED_TIMEOUT_MS,
      'disconnectedTimeoutMs',
    ),
    failedTimeoutMs: nonNegative(
      c.failedTimeoutMs,
      liteMode ? LITE_FAILED_TIMEOUT_MS : DEFAULT_FAILED_TIMEOUT_MS,
      'failedTimeoutMs',
    ),
    maxBindingRequests: Math.max(1, nonNegative(c.maxBindingRequests, DEFAULT_MAX_BINDING_REQUESTS, 'maxBindingRequests')),
    acceptanceMinWaitMs: {
      host: nonNegative(c.hostAcceptanceMinWaitMs, DEFAULT_HOST_ACCEPTANCE_MIN_WAIT_MS, 'hostAcceptanceMinWaitMs'),
      srflx: nonNegative(c.srflxAcceptanceMinWaitMs, DEFAULT_SRFLX_ACCEPTANCE_MIN_WAIT_MS, 'srflxAcceptanceMinWaitMs'),
      prflx: nonNegative(c.prflxAcceptanceMinWaitMs, DEFAULT_PRFLX_ACCEPTANCE_MIN_WAIT_MS, 'prflxAcceptanceMinWaitMs'),
      relay: nonNegative(c.relayAcceptanceMinWaitMs, DEFAULT_RELAY_ACCEPTANCE_MIN_WAIT_MS, 'relayAcceptanceMinWaitMs'),
    },
    maxRemoteCandidates: Math.max(1, nonNegative(c.maxRemoteCandidates, DEFAULT_MAX_REMOTE_CANDIDATES, 'maxRemoteCandidates')),
    consentExpiryMs: nonNegative(c.consentExpiryMs, DEFAULT_CONSENT_EXPIRY_MS, 'consentExpiryMs'),
    stunGatherTimeoutMs: nonNegative(c.stunGatherTimeoutMs, DEFAULT_STUN_GATHER_TIMEOUT_MS, 'stunGatherTimeoutMs'),
  };
}
