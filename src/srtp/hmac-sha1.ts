import * as crypto from 'node:crypto';

/** SHA-1 block size: the HMAC key pads (RFC 2104 §2). */
export const HMAC_SHA1_PREFIX = 64;
const DIGEST = 20;

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
// `crypto.hash` (Node ≥ 20.12): one-shot digest without a Hash object.
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/**
 * HMAC-SHA1 (RFC 2104) for SRTP tags, computed as two one-shot SHA-1
 * digests over buffers the caller lays out with 64 spare bytes in front of
 * the message: H(K⊕opad || H(K⊕ipad || m)).
 *
 * Why: a `createHmac` object per packet costs more than the hashing of a
 * 1.2 kB packet. Measured on the CI machine (CPU time, 1220-byte message):
 * createHmac ≈ 5.3-5.9 µs, one-shot `crypto.hash` pair over an ipad-prefixed
 * buffer ≈ 4.3-4.7 µs; copying precomputed ipad/opad Hash states
 * (`Hash.copy()`) was slower than either. The prefix costs a 64-byte copy,
 * and SRTP allocates its output buffer anyway, so the room is free.
 * Falls back to createHmac where `crypto.hash` is missing.
 */
export class HmacSha1 {
  readonly #key: Buffer;
  readonly #ipad: Buffer;
  /** opad (64 bytes) followed by room for the inner digest. */
  readonly #outer: Buffer;

  constructor(key: Buffer) {
    this.#key = key.length > HMAC_SHA1_PREFIX ? crypto.createHash('sha1').update(key).digest() : Buffer.from(key);
    this.#ipad = Buffer.alloc(HMAC_SHA1_PREFIX, 0x36);
    this.#outer = Buffer.alloc(HMAC_SHA1_PREFIX + DIGEST, 0x5c);
    for (let i = 0; i < this.#key.length; i++) {
      this.#ipad[i]! ^= this.#key[i]!;
      this.#outer[i]! ^= this.#key[i]!;
    }
  }

  /**
   * The 20-byte MAC of `buf[start + 64 .. end)`. Overwrites `buf[start ..
   * start + 64)` (the caller's spare prefix) with the inner pad.
   */
  macPrefixed(buf: Buffer, start: number, end: number): Buffer {
    if (oneShot === undefined) {
      return crypto.createHmac('sha1', this.#key).update(buf.subarray(start + HMAC_SHA1_PREFIX, end)).digest();
    }
    this.#ipad.copy(buf, start);
    const inner = oneShot('sha1', buf.subarray(start, end), 'buffer');
    const outer = this.#outer;
    inner.copy(outer, HMAC_SHA1_PREFIX);
    return oneShot('sha1', outer, 'buffer');
  }
}
