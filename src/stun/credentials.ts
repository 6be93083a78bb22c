import { createHash } from 'node:crypto';
import type { Rng } from '../common/rng.js';
import { TRANSACTION_ID_LENGTH } from './constants.js';

/**
 * RFC 8265 §4.2 OpaqueString profile, as far as it changes real input:
 * non-ASCII spaces map to U+0020 (§4.2.1 width/additional mapping) and the
 * string is NFC-normalized (§4.2.1 normalization rule). RFC 8489 §9.2.2 and
 * §9.1.1 apply it to passwords and realms (RFC 5389 used SASLprep, which
 * gives the same result for the strings of RFC 5769).
 */
export function opaqueString(s: string): string {
  return s.replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ').normalize('NFC');
}

/** RFC 8489 §9.1.1: the short-term credential key is OpaqueString(password) as UTF-8. */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(opaqueString(password), 'utf8');
}

/**
 * RFC 8489 §9.2.2: key = MD5(username ":" OpaqueString(realm) ":" OpaqueString(password))
 * (the MESSAGE-INTEGRITY key of the long-term mechanism; SHA-256 via PASSWORD-ALGORITHM is not used
 * by WebRTC's TURN servers).
 */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5')
    .update(`${opaqueString(username)}:${opaqueString(realm)}:${opaqueString(password)}`, 'utf8')
    .digest();
}

/** RFC 8489 §5: a 96-bit transaction ID, uniformly random (use a cryptographic `Rng` in production). */
export function newTransactionId(rng: Rng): Buffer {
  return rng.bytes(TRANSACTION_ID_LENGTH);
}
