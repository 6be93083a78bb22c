/**
 * The delay-based half of Google Congestion Control
 * (draft-ietf-rmcat-gcc-02 §5; libwebrtc's TrendlineEstimator): the one-way
 * delay variation between packet groups is accumulated and smoothed, and the
 * slope of a least-squares line through the last {@link TRENDLINE_WINDOW}
 * points tells whether the bottleneck queue is growing. The overuse detector
 * compares that trend with an adaptive threshold (§5.4) so the estimator
 * neither starves against loss-based flows nor reacts to jitter. Constants
 * are libwebrtc's (trendline_estimator.cc).
 */
export const TRENDLINE_WINDOW = 20;
export const TRENDLINE_SMOOTHING = 0.9;
export const TRENDLINE_THRESHOLD_GAIN = 4;
/** Deltas after which the trend gets its full weight. */
const MIN_NUM_DELTAS = 60;
const DELTA_COUNTER_MAX = 1000;
/** ms the trend must stay above the threshold before overuse is signalled. */
const OVERUSING_TIME_THRESHOLD_MS = 10;
/** Trends further than this above the threshold do not move it (spikes). */
const MAX_ADAPT_OFFSET_MS = 15;
const K_UP = 0.0087;
const K_DOWN = 0.039;
const INITIAL_THRESHOLD_MS = 12.5;
const MIN_THRESHOLD_MS = 6;
const MAX_THRESHOLD_MS = 600;
const MAX_THRESHOLD_TIME_DELTA_MS = 100;

export type BandwidthUsage = 'normal' | 'overusing' | 'underusing';

export class TrendlineEstimator {
  #numDeltas = 0;
  #firstArrivalMs = -1;
  #accumulatedDelay = 0;
  #smoothedDelay = 0;
  readonly #x: number[] = [];
  readonly #y: number[] = [];
  #prevTrend = 0;
  #prevModifiedTrend = 0;
  #timeOverUsing = -1;
  #overuseCounter = 0;
  #threshold = INITIAL_THRESHOLD_MS;
  #lastThresholdUpdateMs = -1;
  #state: BandwidthUsage = 'normal';

  get state(): BandwidthUsage {
    return this.#state;
  }

  /** The last trend as compared with the threshold (ms), for stats. */
  get modifiedTrend(): number {
    return this.#prevModifiedTrend;
  }

  get thresholdMs(): number {
    return this.#threshold;
  }

  /** One group delta: how much later (ms) the group arrived than it was sent, relative to the previous group. */
  update(recvDeltaMs: number, sendDeltaMs: number, arrivalMs: number): BandwidthUsage {
    const delta = recvDeltaMs - sendDeltaMs;
    this.#numDeltas = Math.min(this.#numDeltas + 1, DELTA_COUNTER_MAX);
    if (this.#firstArrivalMs < 0) this.#firstArrivalMs = arrivalMs;
    this.#accumulatedDelay += delta;
    this.#smoothedDelay = TRENDLINE_SMOOTHING * this.#smoothedDelay + (1 - TRENDLINE_SMOOTHING) * this.#accumulatedDelay;
    this.#x.push(arrivalMs - this.#firstArrivalMs);
    this.#y.push(this.#smoothedDelay);
    if (this.#x.length > TRENDLINE_WINDOW) {
      this.#x.shift();
      this.#y.shift();
    }
    let trend = this.#prevTrend;
    if (this.#x.length === TRENDLINE_WINDOW) trend = linearFitSlope(this.#x, this.#y) ?? trend;
    this.#detect(trend, sendDeltaMs, arrivalMs);
    return this.#state;
  }

  #detect(trend: number, tsDeltaMs: number, nowMs: number): void {
    if (this.#numDeltas < 2) {
      this.#state = 'normal';
      return;
    }
    const modified = Math.min(this.#numDeltas, MIN_NUM_DELTAS) * trend * TRENDLINE_THRESHOLD_GAIN;
    this.#prevModifiedTrend = modified;
    if (modified > this.#threshold) {
      this.#timeOverUsing = this.#timeOverUsing < 0 ? tsDeltaMs / 2 : this.#timeOverUsing + tsDeltaMs;
      this.#overuseCounter++;
      if (this.#timeOverUsing > OVERUSING_TIME_THRESHOLD_MS && this.#overuseCounter > 1 && trend >= this.#prevTrend) {
        this.#timeOverUsing = 0;
        this.#overuseCounter = 0;
        this.#state = 'overusing';
      }
    } else if (modified < -this.#threshold) {
      this.#timeOverUsing = -1;
      this.#overuseCounter = 0;
      this.#state = 'underusing';
    } else {
      this.#timeOverUsing = -1;
      this.#overuseCounter = 0;
      this.#state = 'normal';
    }
    this.#prevTrend = trend;
    this.#updateThreshold(modified, nowMs);
  }

  /** draft-ietf-rmcat-gcc-02 §5.4: the threshold follows |trend| slowly up and faster down. */
  #updateThreshold(modified: number, nowMs: number): void {
    if (this.#lastThresholdUpdateMs < 0) this.#lastThresholdUpdateMs = nowMs;
    const abs = Math.abs(modified);
    if (abs > this.#threshold + MAX_ADAPT_OFFSET_MS) {
      this.#lastThresholdUpdateMs = nowMs;
      return;
    }
    const k = abs < this.#threshold ? K_DOWN : K_UP;
    const dt = Math.min(nowMs - this.#lastThresholdUpdateMs, MAX_THRESHOLD_TIME_DELTA_MS);
    this.#threshold += k * (abs - this.#threshold) * dt;
    this.#threshold = Math.min(Math.max(this.#threshold, MIN_THRESHOLD_MS), MAX_THRESHOLD_MS);
    this.#lastThresholdUpdateMs = nowMs;
  }
}

/** Least-squares slope of y over x, or undefined when every x is the same. */
export function linearFitSlope(x: readonly number[], y: readonly number[]): number | undefined {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    num += dx * (y[i]! - my);
    den += dx * dx;
  }
  return den === 0 ? undefined : num / den;
}
