import type { CandidateTransport, CandidateType } from './candidate-type.js';

export interface CandidateFoundationParams {
  type: CandidateType;
  /** IP address of the base (host address for host/srflx/prflx, relayed address for relay). */
  baseAddress: string;
  transport: CandidateTransport;
  /** STUN/TURN server address the candidate was obtained from (srflx/relay). */
  server?: string;
}

/**
 * RFC 8445 §5.1.1.3: candidates with the same type, base IP address, STUN/TURN
 * server IP address and transport protocol share a foundation; others differ.
 * Rendered as the decimal FNV-1a 32-bit hash of those fields: short, stable
 * across runs and processes, and made of ice-chars (RFC 8839 allows 1..32).
 */
export function candidateFoundation(p: CandidateFoundationParams): string {
  const input = `${p.type}\u0000${p.baseAddress.toLowerCase()}\u0000${p.transport}\u0000${(p.server ?? '').toLowerCase()}`;
  return String(fnv1a32(input));
}

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
