/** RFC 8445 §5.1.1: the four candidate types, as written in SDP (`typ host`). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** Transport protocol of a candidate (RFC 8839 `transport`, RFC 6544 for TCP). */
export type CandidateTransport = 'udp' | 'tcp';

/** RFC 6544 §4.5: the `tcptype` of a TCP candidate (active, passive, simultaneous-open). */
export type TcpType = 'active' | 'passive' | 'so';

export const CANDIDATE_TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];
export const TCP_TYPES: readonly TcpType[] = ['active', 'passive', 'so'];

export function isCandidateType(s: string): s is CandidateType {
  return s === 'host' || s === 'srflx' || s === 'prflx' || s === 'relay';
}

export function isTcpType(s: string): s is TcpType {
  return s === 'active' || s === 'passive' || s === 'so';
}

export function isCandidateTransport(s: string): s is CandidateTransport {
  return s === 'udp' || s === 'tcp';
}
