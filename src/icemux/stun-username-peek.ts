/**
 * Cheap look at the first datagram of a new 5-tuple, before the single-port
 * server allocates anything for it: is it a STUN Binding request (RFC 8489
 * §5/§6, RFC 7983 demultiplexing) and what is the local part of its USERNAME
 * (RFC 8445 §7.2.2: `<receiver ufrag>:<sender ufrag>`)? No allocation except
 * the returned string; never throws.
 */

const HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const ATTR_USERNAME = 0x0006;
/** RFC 8489 §14.3: USERNAME is at most 513 bytes. */
const MAX_USERNAME_BYTES = 513;
/** RFC 8445 §5.3: ufrag is 4..256 ice-chars. */
const MAX_UFRAG_CHARS = 256;

export type PeekResult =
  | { readonly ok: true; readonly ufrag: string }
  | { readonly ok: false; readonly reason: 'not-stun' | 'not-binding-request' | 'no-username' | 'bad-username' };

const NOT_STUN: PeekResult = { ok: false, reason: 'not-stun' };
const NOT_BINDING: PeekResult = { ok: false, reason: 'not-binding-request' };
const NO_USERNAME: PeekResult = { ok: false, reason: 'no-username' };
const BAD_USERNAME: PeekResult = { ok: false, reason: 'bad-username' };

export function peekBindingRequestUfrag(data: Uint8Array): PeekResult {
  const n = data.length;
  if (n < HEADER_BYTES || data[0]! > 3) return NOT_STUN;
  const cookie = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
  const length = (data[2]! << 8) | data[3]!;
  if (cookie !== MAGIC_COOKIE || (length & 3) !== 0 || HEADER_BYTES + length !== n) return NOT_STUN;
  if (((data[0]! << 8) | data[1]!) !== BINDING_REQUEST) return NOT_BINDING;
  let off = HEADER_BYTES;
  while (off + 4 <= n) {
    const type = (data[off]! << 8) | data[off + 1]!;
    const len = (data[off + 2]! << 8) | data[off + 3]!;
    const start = off + 4;
    if (start + len > n) return NOT_STUN;
    if (type === ATTR_USERNAME) {
      if (len === 0 || len > MAX_USERNAME_BYTES) return BAD_USERNAME;
      let colon = -1;
      for (let i = start; i < start + len; i++) {
        if (data[i] === 0x3a) {
          colon = i;
          break;
        }
      }
      if (colon <= start || colon - start > MAX_UFRAG_CHARS) return BAD_USERNAME;
      return { ok: true, ufrag: Buffer.from(data.buffer, data.byteOffset + start, colon - start).toString('latin1') };
    }
    off = start + ((len + 3) & ~3);
  }
  return NO_USERNAME;
}
