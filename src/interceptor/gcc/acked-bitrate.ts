/**
 * The rate at which the receiver got our packets, from the arrival times in
 * transport-cc feedback, over a sliding {@link ACKED_WINDOW_MS} window
 * (libwebrtc's AcknowledgedBitrateEstimator uses a Bayesian estimate over
 * 150-500 ms windows; a plain window gives the same figure in steady state).
 * Bounded: the window holds at most {@link MAX_WINDOW_PACKETS} packets.
 */
export const ACKED_WINDOW_MS = 500;
const MAX_WINDOW_PACKETS = 8192;

export class AckedBitrate {
  readonly #arrivals: number[] = [];
  readonly #sizes: number[] = [];
  #head = 0;
  #bytes = 0;

  /** One received packet (arrival in the receiver's ms, in arrival order). */
  add(arrivalMs: number, size: number): void {
    if (this.#arrivals.length - this.#head >= MAX_WINDOW_PACKETS) this.#evictOne();
    this.#arrivals.push(arrivalMs);
    this.#sizes.push(size);
    this.#bytes += size;
    while (this.#head < this.#arrivals.length && this.#arrivals[this.#head]! < arrivalMs - ACKED_WINDOW_MS) this.#evictOne();
    if (this.#head > 1024) {
      this.#arrivals.splice(0, this.#head);
      this.#sizes.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Bits per second over the window, or undefined until the window has filled once. */
  bitrate(): number | undefined {
    const n = this.#arrivals.length - this.#head;
    if (n < 2) return undefined;
    const span = this.#arrivals[this.#arrivals.length - 1]! - this.#arrivals[this.#head]!;
    if (span < ACKED_WINDOW_MS / 2) return undefined;
    return (this.#bytes * 8 * 1000) / Math.max(span, ACKED_WINDOW_MS / 2);
  }

  #evictOne(): void {
    this.#bytes -= this.#sizes[this.#head]!;
    this.#head++;
  }
}
