import type { Rng } from '../common/rng.js';

/**
 * A fresh `<uuid>.local` name (draft-ietf-mmusic-mdns-ice-candidates §3.1.1:
 * a version 4 UUID, RFC 9562 §5.4, so the name reveals nothing and does not collide).
 */
export function generateMdnsName(rng: Rng): string {
  const b = rng.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10xx
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}.local`;
}
