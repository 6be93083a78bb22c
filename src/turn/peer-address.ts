import { ipToBytes, ipToText } from '../stun/address.js';
import type { TransportAddress } from '../transport/net.js';

/**
 * Peer addresses key the permission and channel tables, and the server
 * reports peers in canonical text (what the STUN decoder writes: RFC 5952 for
 * IPv6), so IPv6 text from callers is canonicalised first. IPv4 text is used
 * as given (dotted quads have one spelling the decoder also produces).
 */
export function normalizePeer(peer: TransportAddress): TransportAddress {
  if (!peer.address.includes(':')) return peer;
  const bytes = ipToBytes(peer.address);
  const address = ipToText(bytes, 0, bytes.length === 4 ? 4 : 16);
  return address === peer.address ? peer : { address, port: peer.port };
}
