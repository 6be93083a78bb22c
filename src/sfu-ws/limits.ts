/**
 * Abuse limits of the signalling edge: a token bucket per client for
 * message rate, and a counter of open connections per remote address.
 */

/** A token bucket: `ratePerSec` sustained, `burst` at once. Time is passed in (ms). */
export class TokenBucket {
  #tokens: number;
  #lastMs: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    nowMs: number,
  ) {
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }

  /** Takes one token; false when the bucket is empty. */
  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSec) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Open connections per remote address, bounded: at most `maxAddresses` addresses are tracked. */
export class AddressCounter {
  readonly #counts = new Map<string, number>();

  constructor(
    readonly perAddress: number,
    readonly maxAddresses = 100_000,
  ) {}

  /** Counts one more connection from `address`; false (nothing counted) when over the limit. */
  acquire(address: string): boolean {
    const n = this.#counts.get(address) ?? 0;
    if (n >= this.perAddress) return false;
    if (n === 0 && this.#counts.size >= this.maxAddresses) return false;
    this.#counts.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = this.#counts.get(address) ?? 0;
    if (n <= 1) this.#counts.delete(address);
    else this.#counts.set(address, n - 1);
  }

  get size(): number {
    return this.#counts.size;
  }
}
