/**
 * The loss-based half of Google Congestion Control (draft-ietf-rmcat-gcc-02
 * §6; libwebrtc's SendSideBandwidthEstimation): under 2 % loss the rate may
 * grow 8 % a second, over 10 % it drops by half the loss fraction, at most
 * once per RTT + 300 ms; in between it holds. The delay-based estimate caps
 * it, so with little loss the delay-based side decides.
 */
export const LOW_LOSS = 0.02;
export const HIGH_LOSS = 0.1;
/** Packets a loss fraction is computed over at least (libwebrtc's kLimitNumPackets). */
const MIN_PACKETS = 20;
const DECREASE_INTERVAL_MS = 300;

export class LossBasedControl {
  #bitrate: number;
  readonly #min: number;
  readonly #max: number;
  #lost = 0;
  #total = 0;
  #lastLoss = 0;
  #lastUpdateMs: number | undefined;
  #lastDecreaseMs = -Infinity;

  constructor(initialBps: number, minBps: number, maxBps: number) {
    this.#bitrate = initialBps;
    this.#min = minBps;
    this.#max = maxBps;
  }

  get bitrate(): number {
    return this.#bitrate;
  }

  /** Loss fraction of the last completed interval (0..1). */
  get lossFraction(): number {
    return this.#lastLoss;
  }

  /** Counts one feedback message's packets; `delayBps` caps the rate. Returns the new loss-based rate. */
  update(lost: number, total: number, delayBps: number, rttMs: number, nowMs: number): number {
    this.#lost += lost;
    this.#total += total;
    if (this.#total >= MIN_PACKETS) {
      this.#lastLoss = this.#lost / this.#total;
      this.#lost = this.#total = 0;
      const dtS = this.#lastUpdateMs === undefined ? 0 : Math.min(nowMs - this.#lastUpdateMs, 1000) / 1000;
      this.#lastUpdateMs = nowMs;
      if (this.#lastLoss <= LOW_LOSS) {
        this.#bitrate = this.#bitrate * Math.pow(1.08, dtS) + 1000 * dtS;
      } else if (this.#lastLoss > HIGH_LOSS && nowMs - this.#lastDecreaseMs >= DECREASE_INTERVAL_MS + rttMs) {
        this.#bitrate = this.#bitrate * (1 - 0.5 * this.#lastLoss);
        this.#lastDecreaseMs = nowMs;
      }
    }
    this.#bitrate = Math.min(Math.max(Math.min(this.#bitrate, delayBps), this.#min), this.#max);
    return this.#bitrate;
  }
}
