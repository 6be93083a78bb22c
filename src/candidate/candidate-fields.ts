import { isIP } from 'node:net';
import type { CandidateTransport, CandidateType, TcpType } from './candidate-type.js';
import { isCandidateTransport, isCandidateType, isTcpType } from './candidate-type.js';

/** The fields of a {@link Candidate} (RFC 8839 §5.1 `candidate-attribute`). */
export interface CandidateInit {
  /** 1..32 characters without whitespace (RFC 8839: ice-chars). */
  foundation: string;
  /** 1..256 (RTP = 1, RTCP = 2). */
  component: number;
  transport: CandidateTransport;
  /** 0..2^32-1 */
  priority: number;
  /** IPv4, IPv6, or a hostname (`<uuid>.local` for mDNS-obfuscated host candidates). */
  address: string;
  port: number;
  type: CandidateType;
  relatedAddress?: string;
  relatedPort?: number;
  /** RFC 6544: TCP candidates only. */
  tcpType?: TcpType;
  /** Extensions seen in browsers' lines (libwebrtc). */
  generation?: number;
  ufrag?: string;
  networkId?: number;
  networkCost?: number;
  /** Other extension pairs (name, value), kept in their order. */
  extensions?: ReadonlyArray<readonly [string, string]>;
}

/** Extension names with a dedicated field; never stored in `extensions`. */
export const KNOWN_EXTENSION_NAMES: ReadonlySet<string> = new Set([
  'raddr',
  'rport',
  'tcptype',
  'generation',
  'ufrag',
  'network-id',
  'network-cost',
]);

export const MAX_FOUNDATION_LENGTH = 32;
/** RFC 1035 §2.3.4: names are at most 253 characters in text form. */
const MAX_HOSTNAME_LENGTH = 253;
const MAX_UINT32 = 0xffff_ffff;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const NO_SPACE_TOKEN = /^[\x21-\x7e]+$/;

/** True for a `<name>.local` host (RFC 6762 mDNS; draft-ietf-mmusic-mdns-ice-candidates). */
export function isMdnsHostname(address: string): boolean {
  const a = address.toLowerCase();
  return a.endsWith('.local') || a.endsWith('.local.');
}

/** Lower-cases IPv6 literals (hex digits are case-insensitive) so keys compare equal. */
export function normalizeAddress(address: string): string {
  return isIP(address) === 6 ? address.toLowerCase() : address;
}

/** Validates a connection address; returns a problem description or undefined. */
export function checkAddress(address: string, what: string): string | undefined {
  if (typeof address !== 'string' || address.length === 0) return `${what} is missing`;
  if (isIP(address) !== 0) return undefined;
  if (address.length > MAX_HOSTNAME_LENGTH || !HOSTNAME.test(address)) {
    return `${what} '${truncate(address)}' is neither an IP address nor a hostname`;
  }
  return undefined;
}

function checkUint(v: unknown, min: number, max: number, what: string): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return `${what} must be an integer in ${min}..${max}, got ${String(v)}`;
  }
  return undefined;
}

/** Validates every field; returns the first problem found, or undefined. */
export function checkCandidateInit(init: CandidateInit): string | undefined {
  if (typeof init.foundation !== 'string' || init.foundation.length === 0) return 'foundation is missing';
  if (init.foundation.length > MAX_FOUNDATION_LENGTH || !NO_SPACE_TOKEN.test(init.foundation)) {
    return `foundation '${truncate(init.foundation)}' must be 1..32 visible characters`;
  }
  const problem =
    checkUint(init.component, 1, 256, 'component') ??
    (isCandidateTransport(init.transport) ? undefined : `unsupported transport '${String(init.transport)}'`) ??
    checkUint(init.priority, 0, MAX_UINT32, 'priority') ??
    checkAddress(init.address, 'address') ??
    checkUint(init.port, 0, 65535, 'port') ??
    (isCandidateType(init.type) ? undefined : `unknown candidate type '${String(init.type)}'`) ??
    (init.relatedAddress === undefined ? undefined : checkAddress(init.relatedAddress, 'related address')) ??
    (init.relatedPort === undefined ? undefined : checkUint(init.relatedPort, 0, 65535, 'related port')) ??
    (init.generation === undefined ? undefined : checkUint(init.generation, 0, MAX_UINT32, 'generation')) ??
    (init.networkId === undefined ? undefined : checkUint(init.networkId, 0, MAX_UINT32, 'network-id')) ??
    (init.networkCost === undefined ? undefined : checkUint(init.networkCost, 0, MAX_UINT32, 'network-cost'));
  if (problem !== undefined) return problem;
  if (init.tcpType !== undefined) {
    if (!isTcpType(init.tcpType)) return `unknown tcptype '${String(init.tcpType)}'`;
    // RFC 6544 §4.5: tcptype describes TCP candidates only.
    if (init.transport !== 'tcp') return 'tcptype is only valid on tcp candidates';
  }
  if (init.ufrag !== undefined && !NO_SPACE_TOKEN.test(init.ufrag)) {
    return `ufrag '${truncate(init.ufrag)}' must be visible characters without spaces`;
  }
  for (const ext of init.extensions ?? []) {
    const [name, value] = ext;
    if (typeof name !== 'string' || !NO_SPACE_TOKEN.test(name)) return `extension name '${truncate(String(name))}' is invalid`;
    if (KNOWN_EXTENSION_NAMES.has(name.toLowerCase()) || name.toLowerCase() === 'typ') {
      return `extension '${name}' has a dedicated field`;
    }
    if (typeof value !== 'string' || !NO_SPACE_TOKEN.test(value)) return `extension '${name}' needs a value without spaces`;
  }
  return undefined;
}

export function truncate(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
