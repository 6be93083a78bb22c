import * as crypto from 'node:crypto';
import { ownedCopy } from '../common/owned-bytes.js';

/** SHA-1 block size: the HMAC key pads (RFC 2104 §2). */
export const HMAC_SHA1_PREFIX = 64;
const DIGEST = 20;

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
// `crypto.hash` (Node ≥ 20.12): one-shot digest without a Hash object.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/**
 * HMAC-SHA1 (RFC 2104) for SRTP tags: H(K⊕opad || H(K⊕ipad || m)).
 *
 * The inner hash runs in OpenSSL as one `crypto.hash` call over a buffer the
 * caller lays out with 64 spare bytes in front of the message (filled here
 * with K⊕ipad). The outer hash covers K⊕opad (one block, the same for every
 * packet: its SHA-1 state is precomputed) and the 20-byte inner digest (one
 * more block), so it is a single SHA-1 compression done here in JS.
 *
 * Why: per-call overhead, not hashing, dominates for 1.2 kB packets (a
 * one-shot hash of 84 bytes costs nearly as much as one of 1284). Measured
 * on the loaded CI machine, CPU time per 1216-byte MAC, medians of
 * interleaved batches: `createHmac` per packet 9.1 µs; two one-shot
 * `crypto.hash` calls 7.7 µs; one call plus the JS outer block 6.6 µs.
 * Copying precomputed Hash states (`Hash.copy()`) was slower than
 * createHmac.
 * Falls back to createHmac where `crypto.hash` is missing.
 */
export class HmacSha1 {
  readonly #key: Buffer;
  readonly #ipad: Buffer;
  /** SHA-1 state after the K⊕opad block. */
  readonly #outerState = new Int32Array(5);
  readonly #w = new Int32Array(80);
  readonly #mac = Buffer.alloc(DIGEST);

  constructor(key: Buffer) {
    this.#key = key.length > HMAC_SHA1_PREFIX ? crypto.createHash('sha1').update(key).digest() : ownedCopy(key);
    this.#ipad = Buffer.alloc(HMAC_SHA1_PREFIX, 0x36);
    const opad = Buffer.alloc(HMAC_SHA1_PREFIX, 0x5c);
    for (let i = 0; i < this.#key.length; i++) {
      this.#ipad[i]! ^= this.#key[i]!;
      opad[i]! ^= this.#key[i]!;
    }
    const st = this.#outerState;
    st[0] = 0x67452301;
    st[1] = 0xefcdab89 | 0;
    st[2] = 0x98badcfe | 0;
    st[3] = 0x10325476;
    st[4] = 0xc3d2e1f0 | 0;
    const w = this.#w;
    for (let i = 0; i < 16; i++) w[i] = opad.readInt32BE(i * 4);
    sha1Compress(st, w);
  }

  /**
   * The 20-byte MAC of `buf[start + 64 .. end)`, in a buffer reused by the
   * next call. Overwrites `buf[start .. start + 64)` (the caller's spare
   * prefix) with the inner pad.
   */
  macPrefixed(buf: Buffer, start: number, end: number): Buffer {
    if (oneShot === undefined) {
      return crypto.createHmac('sha1', this.#key).update(buf.subarray(start + HMAC_SHA1_PREFIX, end)).digest();
    }
    this.#ipad.copy(buf, start);
    const inner = oneShot('sha1', buf.subarray(start, end), 'buffer');
    // Outer block: inner digest, 0x80, zeros, message length (64 + 20 bytes) in bits.
    const w = this.#w;
    for (let i = 0; i < 5; i++) w[i] = inner.readInt32BE(i * 4);
    w[5] = 0x80000000 | 0;
    for (let i = 6; i < 15; i++) w[i] = 0;
    w[15] = (HMAC_SHA1_PREFIX + DIGEST) * 8;
    const st = this.#outerState;
    const h = this.#h;
    h.set(st);
    sha1Compress(h, w);
    const mac = this.#mac;
    for (let i = 0; i < 5; i++) mac.writeInt32BE(h[i]!, i * 4);
    return mac;
  }

  readonly #h = new Int32Array(5);
}

/** FIPS 180-4 §6.1.2: one SHA-1 compression of the block in w[0..16) into `h` (w is clobbered). */
function sha1Compress(h: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  for (let t = 0; t < 80; t++) {
    let f: number;
    let k: number;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}
