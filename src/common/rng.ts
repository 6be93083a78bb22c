import { randomFillSync } from 'node:crypto';

/**
 * Randomness, injected so tests can be deterministic. The default is
 * cryptographic: ICE credentials, STUN transaction IDs, tie-breakers, DTLS
 * randoms and SRTP keys must never come from a predictable source.
 */
export interface Rng {
  /** `n` random bytes in a fresh buffer. */
  bytes(n: number): Buffer;
  /** Uniform integer in [0, 2^32). */
  uint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
}

/** Uniform integer in [min, max] (inclusive) drawn from `rng`. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng.float() * (max - min + 1));
}

/** RFC 8445 §5.3 ice-char alphabet: ALPHA / DIGIT / "+" / "/". */
const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A string of `length` ice-chars; 6 bits of entropy per character. */
export function randomIceString(rng: Rng, length: number): string {
  const raw = rng.bytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ICE_CHARS[raw[i]! & 63];
  return out;
}

const POOL_SIZE = 4096;

/** Cryptographic RNG over `crypto.randomFillSync`, with a small pool. */
export class CryptoRng implements Rng {
  readonly #pool = Buffer.allocUnsafe(POOL_SIZE);
  #offset = POOL_SIZE;

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    if (n > POOL_SIZE / 4) return randomFillSync(out);
    if (this.#offset + n > POOL_SIZE) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    this.#pool.copy(out, 0, this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  float(): number {
    return this.uint32() / 0x1_0000_0000;
  }
}

/**
 * Deterministic RNG (xoshiro128**) for tests and simulations only.
 * Never use it for anything a remote peer could exploit.
 */
export class SeededRng implements Rng {
  #s: Uint32Array;

  constructor(seed: number) {
    // splitmix32 expands the seed into the 128-bit state.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s = new Uint32Array([next(), next(), next(), next()]);
  }

  uint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  float(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.uint32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Shared default instance. */
export const cryptoRng: Rng = new CryptoRng();
