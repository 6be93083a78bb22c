import type { Clock } from '../index.js';

/** Window over which bitrates are measured. */
export const BITRATE_WINDOW_MS = 1000;
/** Share of a subscriber's estimate a layer may use (headroom for audio and overhead). */
export const ESTIMATE_HEADROOM = 0.85;

/**
 * Bitrate per simulcast layer (and in total), over fixed one-second windows:
 * the rate reported is that of the last complete window. Layers are ranked
 * by their measured rate, so rid names ('q', 'h', 'f', 'low', '0', …) need
 * no convention.
 */
export class LayerMeter {
  readonly #clock: Clock;
  readonly #bytes: number[] = [];
  readonly #rate: number[] = [];
  #windowStart: number;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#windowStart = clock.now();
  }

  /** Counts a packet; true when this closed a window (rates changed). */
  add(layer: number, bytes: number, nowMs: number): boolean {
    const rolled = nowMs - this.#windowStart >= BITRATE_WINDOW_MS;
    if (rolled) this.#roll(nowMs);
    this.#bytes[layer] = (this.#bytes[layer] ?? 0) + bytes;
    return rolled;
  }

  /** Bits per second of `layer` in the last complete window. */
  bitrate(layer: number): number {
    this.#maybeRoll();
    return this.#rate[layer] ?? 0;
  }

  /** Bits per second of all layers. */
  total(): number {
    this.#maybeRoll();
    let sum = 0;
    for (const r of this.#rate) sum += r ?? 0;
    return sum;
  }

  /**
   * The best layer that fits `estimateBps` (the highest-rate one without an
   * estimate; the lowest when nothing fits). Ranks layers by measured rate,
   * or by index while nothing is measured yet.
   */
  pick(layers: number, estimateBps: number | undefined): number {
    this.#maybeRoll();
    const order = Array.from({ length: layers }, (_, i) => i).sort((a, b) => (this.#rate[a] ?? 0) - (this.#rate[b] ?? 0) || a - b);
    if (estimateBps === undefined) return order[order.length - 1]!;
    let best = order[0]!;
    for (const i of order) if ((this.#rate[i] ?? 0) <= estimateBps * ESTIMATE_HEADROOM) best = i;
    return best;
  }

  #maybeRoll(): void {
    const now = this.#clock.now();
    if (now - this.#windowStart >= BITRATE_WINDOW_MS) this.#roll(now);
  }

  #roll(nowMs: number): void {
    const elapsed = nowMs - this.#windowStart;
    // A window with no packets at all (more than two windows idle) reports zero.
    const stale = elapsed >= 2 * BITRATE_WINDOW_MS;
    for (let i = 0; i < Math.max(this.#bytes.length, this.#rate.length); i++) {
      this.#rate[i] = stale ? 0 : Math.round(((this.#bytes[i] ?? 0) * 8 * 1000) / elapsed);
      this.#bytes[i] = 0;
    }
    this.#windowStart = nowMs;
  }
}
