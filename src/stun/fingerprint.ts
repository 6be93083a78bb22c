import * as zlib from 'node:zlib';
import { FINGERPRINT_XOR } from './constants.js';

/**
 * CRC-32 (ISO-HDLC, the one zlib computes) for FINGERPRINT, RFC 8489 §14.7.
 * `zlib.crc32` (Node ≥ 20.15) runs natively; older runtimes use a table.
 */
type Crc32Fn = (data: Uint8Array) => number;

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const CRC_TABLE: Int32Array = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Table-driven CRC-32 (fallback, also used by tests to cross-check). */
export function crc32Table(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export const crc32: Crc32Fn = nativeCrc32 ? (data) => nativeCrc32(data) >>> 0 : crc32Table;

/** RFC 8489 §14.7: the FINGERPRINT value for `data` (the message up to the attribute). */
export function fingerprintValue(data: Uint8Array): number {
  return (crc32(data) ^ FINGERPRINT_XOR) >>> 0;
}
