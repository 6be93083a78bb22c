import { createHash, createHmac } from 'node:crypto';
import { sha1Compress } from './sha1-compress.js';

// Local alias: cheaper than an imported binding under CommonJS interop (see message.ts).
const compress = sha1Compress;

/**
 * A MESSAGE-INTEGRITY key (RFC 8489 §14.5, HMAC-SHA1 per RFC 2104) with the
 * HMAC inner and outer SHA-1 states precomputed.
 *
 * Why not `crypto.createHmac` on the packet path: for the 60–150 byte
 * messages ICE exchanges, `createHmac` spends its time creating the OpenSSL
 * context and importing the key (several µs); with the pad blocks already
 * absorbed, an HMAC here is two or three SHA-1 compressions in plain
 * JavaScript with no allocation. Create one per password and reuse it
 * (`verifyIntegrity`/`encode` also accept a plain Buffer key and build a
 * throwaway one). SHA-1 as specified in FIPS 180-4 §6.1.
 */
export class StunIntegrityKey {
  /** The raw key bytes (the short-term password or the long-term MD5 key). */
  readonly key: Buffer;
  readonly #inner = new Int32Array(5);
  readonly #outer = new Int32Array(5);
  // Scratch space, owned by the key so no module-level state is shared.
  readonly #st = new Int32Array(5);
  // A Buffer like the messages, so sha1Compress sees one element kind (monomorphic loads).
  readonly #block = Buffer.alloc(64);

  constructor(key: Uint8Array) {
    this.key = Buffer.from(key);
    // RFC 2104 §2: keys longer than the block size are hashed first.
    const k = key.length > 64 ? createHash('sha1').update(key).digest() : key;
    const pad = this.#block;
    pad.fill(0);
    pad.set(k);
    for (let i = 0; i < 64; i++) pad[i]! ^= 0x36;
    this.#inner.set(SHA1_IV);
    compress(this.#inner, pad, 0);
    for (let i = 0; i < 64; i++) pad[i]! ^= 0x36 ^ 0x5c;
    this.#outer.set(SHA1_IV);
    compress(this.#outer, pad, 0);
  }

  static from(key: Uint8Array | StunIntegrityKey): StunIntegrityKey {
    return key instanceof StunIntegrityKey ? key : new StunIntegrityKey(key);
  }

  /**
   * HMAC-SHA1 of `data[start, end)` written as 20 bytes at `out[outOff]`.
   * `lengthField` (when ≥ 0) replaces the 16-bit value at `data[start + 2]`
   * in the hashed input (the STUN length adjustment of RFC 8489 §14.5);
   * `data` is patched for one compression and restored before this returns.
   */
  sign(data: Uint8Array, start: number, end: number, out: Uint8Array, outOff: number, lengthField = -1): void {
    const st = this.#digest(data, start, end, lengthField);
    for (let i = 0; i < 5; i++) {
      const v = st[i]!;
      const o = outOff + 4 * i;
      out[o] = v >>> 24;
      out[o + 1] = v >>> 16;
      out[o + 2] = v >>> 8;
      out[o + 3] = v;
    }
  }

  /** True when HMAC-SHA1 of `data[start, end)` equals the 20 bytes at `mac[macOff]` (constant time). */
  verify(data: Uint8Array, start: number, end: number, mac: Uint8Array, macOff: number, lengthField = -1): boolean {
    const st = this.#digest(data, start, end, lengthField);
    let diff = 0;
    for (let i = 0; i < 5; i++) {
      const o = macOff + 4 * i;
      diff |= st[i]! ^ ((mac[o]! << 24) | (mac[o + 1]! << 16) | (mac[o + 2]! << 8) | mac[o + 3]!);
    }
    return diff === 0;
  }

  /** HMAC-SHA256 (RFC 8489 §14.6) of `data[start, end)` via node:crypto (not on the ICE hot path). */
  sha256(data: Uint8Array, start: number, end: number): Buffer {
    return createHmac('sha256', this.key).update(data.subarray(start, end)).digest();
  }

  #digest(data: Uint8Array, start: number, end: number, lengthField: number): Int32Array {
    const st = this.#st;
    const blk = this.#block;
    st.set(this.#inner);
    let off = start;
    if (lengthField >= 0 && end - off >= 64) {
      // The length adjustment touches the first block only: patch the two
      // bytes in place for that compression and restore them at once
      // (sha1Compress cannot throw), which saves copying the block.
      const hi = data[off + 2]!;
      const lo = data[off + 3]!;
      data[off + 2] = lengthField >>> 8;
      data[off + 3] = lengthField & 0xff;
      compress(st, data, off);
      data[off + 2] = hi;
      data[off + 3] = lo;
      off += 64;
    }
    while (end - off >= 64) {
      compress(st, data, off);
      off += 64;
    }
    const rem = end - off;
    for (let i = 0; i < rem; i++) blk[i] = data[off + i]!;
    if (lengthField >= 0 && off === start && rem >= 4) {
      blk[2] = lengthField >>> 8;
      blk[3] = lengthField & 0xff;
    }
    blk[rem] = 0x80;
    if (rem >= 56) {
      for (let i = rem + 1; i < 64; i++) blk[i] = 0;
      compress(st, blk, 0);
      for (let i = 0; i < 56; i++) blk[i] = 0;
    } else {
      for (let i = rem + 1; i < 56; i++) blk[i] = 0;
    }
    // Message bit length, including the 64-byte inner pad block.
    writeBitLength(blk, (end - start + 64) * 8);
    compress(st, blk, 0);
    // Outer hash: the 20-byte inner digest in one block after the outer pad block.
    for (let i = 0; i < 5; i++) {
      const v = st[i]!;
      blk[4 * i] = v >>> 24;
      blk[4 * i + 1] = (v >>> 16) & 0xff;
      blk[4 * i + 2] = (v >>> 8) & 0xff;
      blk[4 * i + 3] = v & 0xff;
    }
    blk[20] = 0x80;
    for (let i = 21; i < 56; i++) blk[i] = 0;
    writeBitLength(blk, (64 + 20) * 8);
    const outer = this.#outer;
    st[0] = outer[0]!;
    st[1] = outer[1]!;
    st[2] = outer[2]!;
    st[3] = outer[3]!;
    st[4] = outer[4]!;
    compress(st, blk, 0);
    return st;
  }
}

/** FIPS 180-4 §5.3.1 initial hash value. */
const SHA1_IV: readonly number[] = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];

function writeBitLength(blk: Uint8Array, bits: number): void {
  // Messages here are far below 2^32 bits.
  blk[56] = 0;
  blk[57] = 0;
  blk[58] = 0;
  blk[59] = 0;
  blk[60] = bits >>> 24;
  blk[61] = (bits >>> 16) & 0xff;
  blk[62] = (bits >>> 8) & 0xff;
  blk[63] = bits & 0xff;
}
