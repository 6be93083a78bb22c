import { InvalidArgumentError } from '../common/errors.js';
import type { CandidateTransport, CandidateType, TcpType } from './candidate-type.js';

/**
 * RFC 8445 §5.1.2.2: recommended type preferences. RFC 6544 §4.2: TCP
 * candidates SHOULD use the same type preferences as UDP ones.
 */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = Object.freeze({
  host: 126,
  prflx: 110,
  srflx: 100,
  relay: 0,
});

/** RFC 8445 §5.1.2.1: the local preference when a host has a single address. */
export const MAX_LOCAL_PREFERENCE = 65535;

/** RFC 6544 §4.2: other-pref is 0..8191 (8191 when there is a single address). */
export const MAX_TCP_OTHER_PREFERENCE = 8191;

/**
 * RFC 6544 §4.2: direction-pref (0..7). Host, relayed (and UDP-tunneled)
 * candidates: active 6, passive 4, so 2. Server-reflexive, peer-reflexive
 * (and NAT-assisted) candidates: so 6, active 4, passive 2.
 */
export function tcpDirectionPreference(type: CandidateType, tcpType: TcpType | undefined): number {
  if (tcpType === undefined) return 0;
  if (type === 'host' || type === 'relay') {
    return tcpType === 'active' ? 6 : tcpType === 'passive' ? 4 : 2;
  }
  return tcpType === 'so' ? 6 : tcpType === 'active' ? 4 : 2;
}

export interface CandidatePriorityParams {
  type: CandidateType;
  /** 0..65535, see {@link localPreference}. */
  localPreference: number;
  /** 1..256 (RTP = 1, RTCP = 2). */
  component: number;
  transport?: CandidateTransport;
  tcpType?: TcpType;
  /** Overrides {@link TYPE_PREFERENCE} (0..126), e.g. to rank TCP below UDP as libwebrtc does. */
  typePreference?: number;
}

/**
 * RFC 8445 §5.1.2.1:
 *   priority = (2^24)*(type preference) + (2^8)*(local preference) + (2^0)*(256 - component ID)
 *
 * For TCP, RFC 6544 §4.2 replaces the local preference with
 *   (2^13)*direction-pref + other-pref
 * where other-pref keeps the interface/address ranking of `localPreference`
 * (scaled from 0..65535 down to 0..8191, which {@link localPreference} keeps unique).
 */
export function candidatePriority(p: CandidatePriorityParams): number {
  const typePref = p.typePreference ?? TYPE_PREFERENCE[p.type];
  if (!Number.isInteger(typePref) || typePref < 0 || typePref > 126) {
    throw new InvalidArgumentError(`type preference must be an integer in 0..126, got ${typePref}`);
  }
  if (!Number.isInteger(p.localPreference) || p.localPreference < 0 || p.localPreference > MAX_LOCAL_PREFERENCE) {
    throw new InvalidArgumentError(`local preference must be an integer in 0..65535, got ${p.localPreference}`);
  }
  if (!Number.isInteger(p.component) || p.component < 1 || p.component > 256) {
    throw new InvalidArgumentError(`component must be an integer in 1..256, got ${p.component}`);
  }
  let local = p.localPreference;
  if (p.transport === 'tcp') {
    const otherPref = local >>> 3;
    local = (1 << 13) * tcpDirectionPreference(p.type, p.tcpType) + otherPref;
  }
  // (2^24)*126 + (2^8)*65535 + 255 < 2^31, so plain arithmetic stays exact.
  return typePref * 0x1000000 + local * 0x100 + (256 - p.component);
}

export interface LocalPreferenceParams {
  /** Rank of the network interface, 0 = best (e.g. the order of `Net.interfaces()`); 0..15. */
  interfaceRank: number;
  family: 4 | 6;
  /** Rank of the address among the interface's addresses of the same family, 0 = best; 0..63. */
  addressRank?: number;
  /**
   * For relayed candidates: the transport to the TURN server. As in libwebrtc,
   * UDP beats TCP beats TLS (each adds a hop's worth of head-of-line blocking).
   */
  relayTransport?: 'udp' | 'tcp' | 'tls';
}

const RELAY_TRANSPORT_PENALTY = { udp: 0, tcp: 1, tls: 2 } as const;

/**
 * RFC 8445 §5.1.2.1: the local preference (0..65535) ranks candidates of the
 * same type; it MUST be unique per component for candidates of the same type
 * and SHOULD be 65535 when there is only one address.
 *
 * Layout (high to low significance): relay transport, interface rank, address
 * family (IPv6 first, RFC 8421 §4 / RFC 6724), address rank. Every step is a
 * multiple of 8 so the RFC 6544 other-pref (localPreference >> 3) stays unique.
 */
export function localPreference(p: LocalPreferenceParams): number {
  const iface = clampRank(p.interfaceRank, 15, 'interfaceRank');
  const addr = clampRank(p.addressRank ?? 0, 63, 'addressRank');
  const relay = p.relayTransport === undefined ? 0 : RELAY_TRANSPORT_PENALTY[p.relayTransport];
  const familyPenalty = p.family === 6 ? 0 : 1;
  return MAX_LOCAL_PREFERENCE - (relay * 16384 + iface * 1024 + familyPenalty * 512 + addr * 8);
}

function clampRank(v: number, max: number, name: string): number {
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${v}`);
  return Math.min(v, max);
}
