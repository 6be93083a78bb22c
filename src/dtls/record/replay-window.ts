/** RFC 6347 §4.1.2.6: the minimum window is 32; 64 is preferred (and the default). */
export const DEFAULT_REPLAY_WINDOW = 64;

/**
 * RFC 6347 §4.1.2.6 anti-replay sliding window over 48-bit sequence
 * numbers. A circular bitmap indexed by `sequence % size`: advancing the
 * right edge clears the slots that leave the window. `check` before
 * authenticating a record, `accept` only after it authenticated.
 */
export class ReplayWindow {
  readonly #bits: Uint32Array;
  readonly #size: number;
  #max = -1;

  constructor(size = DEFAULT_REPLAY_WINDOW) {
    this.#size = Math.max(32, Math.ceil(size / 32) * 32);
    this.#bits = new Uint32Array(this.#size / 32);
  }

  /** Highest sequence number accepted so far (-1 before any). */
  get max(): number {
    return this.#max;
  }

  /** True when `sequence` is new and not left of the window. */
  check(sequence: number): boolean {
    if (sequence > this.#max) return true;
    if (this.#max - sequence >= this.#size) return false;
    const slot = sequence % this.#size;
    return (this.#bits[slot >>> 5]! & (1 << (slot & 31))) === 0;
  }

  /** Marks `sequence` as received, sliding the window right when it is the newest. */
  accept(sequence: number): void {
    if (sequence > this.#max) {
      const advance = sequence - this.#max;
      if (advance >= this.#size) {
        this.#bits.fill(0);
      } else {
        for (let s = this.#max + 1; s <= sequence; s++) {
          const slot = s % this.#size;
          this.#bits[slot >>> 5]! &= ~(1 << (slot & 31));
        }
      }
      this.#max = sequence;
    }
    const slot = sequence % this.#size;
    this.#bits[slot >>> 5]! |= 1 << (slot & 31);
  }
}
