import { InvalidArgumentError } from '../common/errors.js';

/** RFC 3711 §3.3.2: "the minimum window size is 64"; Pion and libsrtp default to it. */
export const DEFAULT_REPLAY_WINDOW = 64;
/** Largest window accepted: 2^15 packets (4 KiB of bitmap per SSRC). */
export const MAX_REPLAY_WINDOW = 32768;

/**
 * Sliding-window replay list of RFC 3711 §3.3.2 over packet indices (48-bit
 * SRTP index or 31-bit SRTCP index), as a ring bitmap of `size` bits. The
 * check and the update are separate so that only authenticated packets move
 * the window (RFC 3711 §3.3: update "only ... if the authentication check
 * succeeded").
 */
export class ReplayWindow {
  readonly size: number;
  readonly #bits: Uint32Array;
  #highest = -1;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < DEFAULT_REPLAY_WINDOW || size > MAX_REPLAY_WINDOW) {
      throw new InvalidArgumentError(
        `replay window must be an integer in [${DEFAULT_REPLAY_WINDOW}, ${MAX_REPLAY_WINDOW}], got ${size}`,
      );
    }
    // Round up to whole 32-bit words.
    this.size = Math.ceil(size / 32) * 32;
    this.#bits = new Uint32Array(this.size / 32);
  }

  /** Highest accepted index, or -1 before the first. */
  get highest(): number {
    return this.#highest;
  }

  /** True when `index` is new: above the window, or inside it and unseen. */
  check(index: number): boolean {
    const highest = this.#highest;
    if (index > highest) return true;
    if (highest - index >= this.size) return false;
    const pos = index % this.size;
    return (this.#bits[pos >>> 5]! & (1 << (pos & 31))) === 0;
  }

  /** Marks `index` as received (call after authentication succeeded). */
  accept(index: number): void {
    const size = this.size;
    const bits = this.#bits;
    const highest = this.#highest;
    if (index > highest) {
      const advance = index - highest;
      if (highest < 0 || advance >= size) {
        bits.fill(0);
      } else {
        for (let i = highest + 1; i < index; i++) {
          const p = i % size;
          bits[p >>> 5]! &= ~(1 << (p & 31));
        }
      }
      this.#highest = index;
    }
    const pos = index % size;
    bits[pos >>> 5]! |= 1 << (pos & 31);
  }
}
