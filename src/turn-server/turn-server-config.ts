/**
 * Configuration of the TURN server core, with its defaults and their sources.
 * Every table a client can grow has a bound here.
 */
import type { TurnKeyLookup } from './auth.js';

/** RFC 8656 §7.2: default allocation lifetime (10 minutes). */
export const DEFAULT_TURN_LIFETIME_SEC = 600;
/** RFC 8656 §7.2 recommends a maximum of 3600 s (coturn's `max-allocate-lifetime`). */
export const DEFAULT_TURN_MAX_LIFETIME_SEC = 3600;
/** RFC 8656 §9: permissions last 300 s. */
export const TURN_PERMISSION_LIFETIME_MS = 300_000;
/** RFC 8656 §12: channel bindings last 600 s. */
export const TURN_CHANNEL_LIFETIME_MS = 600_000;
/** Nonce lifetime before 438 Stale Nonce (coturn's `stale-nonce` default is 600 s). */
export const DEFAULT_TURN_NONCE_LIFETIME_MS = 600_000;
/** Total allocations (coturn's `total-quota` is unlimited by default; a bound is safer). */
export const DEFAULT_TURN_MAX_ALLOCATIONS = 10_000;
/** Allocations per username (coturn's `user-quota`; a browser makes one per ICE server and component). */
export const DEFAULT_TURN_MAX_ALLOCATIONS_PER_USER = 32;
/** Permissions (peer IPs) per allocation. */
export const DEFAULT_TURN_MAX_PERMISSIONS = 128;
/** Channels per allocation (the RFC range has 4096). */
export const DEFAULT_TURN_MAX_CHANNELS = 128;
/** XOR-PEER-ADDRESS attributes handled in one CreatePermission (a loop bound). */
export const MAX_PEERS_PER_CREATE_PERMISSION = 16;
/** Per-allocation relay bandwidth, bytes per second in each direction (100 Mbit/s); 0 disables. */
export const DEFAULT_TURN_BANDWIDTH_BYTES_PER_SEC = 12_500_000;
/** Failed authentications a source IP may make at once, then per second. */
export const DEFAULT_AUTH_FAILURE_BURST = 10;
export const DEFAULT_AUTH_FAILURES_PER_SEC = 1;
/** Source IPs tracked by the failed-authentication limiter. */
export const DEFAULT_AUTH_LIMITER_SOURCES = 10_000;
/** Housekeeping runs at most this often (expiries are also checked per packet). */
export const TURN_SWEEP_INTERVAL_MS = 1_000;

export interface TurnServerCoreConfig {
  /** RFC 8489 §14.9 REALM. */
  realm: string;
  /** Static long-term users: username → password. */
  users?: Readonly<Record<string, string>>;
  /** TURN REST API shared secrets (coturn `static-auth-secret`); several allow rotation. */
  sharedSecrets?: readonly string[];
  /** Custom key lookup (MD5 long-term key), asked after users and secrets. */
  lookup?: TurnKeyLookup;
  /** 32+ random bytes keying the stateless nonces (from the injected RNG). */
  nonceSecret: Buffer;
  nonceLifetimeMs?: number;
  defaultLifetimeSec?: number;
  maxLifetimeSec?: number;
  maxAllocations?: number;
  maxAllocationsPerUser?: number;
  maxPermissionsPerAllocation?: number;
  maxChannelsPerAllocation?: number;
  /** Bytes per second per allocation and direction; 0 disables the limit. */
  bandwidthBytesPerSec?: number;
  authFailureBurst?: number;
  authFailuresPerSec?: number;
  authLimiterSources?: number;
  /** Peer ranges refused (replaces the default list); see address-policy.ts. */
  deniedPeers?: readonly string[];
  /** Peer ranges allowed even when denied (e.g. 127.0.0.0/8 in tests). */
  allowedPeers?: readonly string[];
  /** The server's own addresses, refused as peers unless allowed. */
  ownAddresses?: readonly string[];
  /** Relay families offered (default IPv4 only). */
  relayFamilies?: ReadonlyArray<4 | 6>;
  /** Address to announce in XOR-RELAYED-ADDRESS instead of the relay socket's (NAT 1:1), per family. */
  externalIps?: { readonly 4?: string; readonly 6?: string };
  /** SOFTWARE in responses; false for none. */
  software?: string | false;
}
