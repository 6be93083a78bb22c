import { FINGERPRINT_XOR } from './constants.js';

/**
 * CRC-32 (ISO-HDLC, as zlib computes it) for FINGERPRINT, RFC 8489 §14.7.
 *
 * Slicing-by-8 in JavaScript over a range of the message: for STUN-sized
 * inputs this measured 2–4× faster than `zlib.crc32` plus the `subarray` it
 * needs (the native call costs more than the hashing).
 */

const FP_XOR = FINGERPRINT_XOR;

/** T[k * 256 + n]: CRC of byte n followed by k zero bytes (reflected polynomial 0xEDB88320). */
const T: Int32Array = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const p = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (p >>> 8) ^ t[p & 0xff]!;
    }
  }
  return t;
})();

/** Continues a CRC-32 register `c` (start with -1, finish with `~c >>> 0`) over `b[start, end)`. */
export function crc32Update(c: number, b: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    c =
      T[1792 + (lo & 0xff)]! ^
      T[1536 + ((lo >>> 8) & 0xff)]! ^
      T[1280 + ((lo >>> 16) & 0xff)]! ^
      T[1024 + (lo >>> 24)]! ^
      T[768 + b[i + 4]!]! ^
      T[512 + b[i + 5]!]! ^
      T[256 + b[i + 6]!]! ^
      T[b[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** CRC-32 of `data[start, end)`. */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  return ~crc32Update(-1, data, start, end) >>> 0;
}

/** Bytewise reference implementation (tests cross-check the fast one against it). */
export function crc32Table(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = T[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** RFC 8489 §14.7: the FINGERPRINT value for `data` (the message up to the attribute). */
export function fingerprintValue(data: Uint8Array): number {
  return (crc32(data) ^ FP_XOR) >>> 0;
}
