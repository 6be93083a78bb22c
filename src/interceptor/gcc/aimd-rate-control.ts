import type { BandwidthUsage } from './trendline-estimator.js';

/**
 * The rate controller of Google Congestion Control (draft-ietf-rmcat-gcc-02
 * §5.5; libwebrtc's AimdRateControl): multiplicative increase (8 %/s) while
 * far from the last known link capacity, additive (about one packet per
 * response time) near it, and on overuse a decrease to β = 0.85 of the
 * acknowledged (received) rate. Sans-IO: every call carries `nowMs`.
 */
export const AIMD_BETA = 0.85;
/** Multiplicative increase per second, libwebrtc's 1.08. */
const INCREASE_PER_SECOND = 1.08;
const MIN_INCREASE_BPS = 1000;
const MIN_ADDITIVE_BPS_PER_SECOND = 4000;
const DEFAULT_RTT_MS = 200;
const FRAME_INTERVAL_S = 1 / 30;
const PACKET_BYTES = 1200;

type RateControlState = 'hold' | 'increase' | 'decrease';

/** libwebrtc's LinkCapacityEstimator: a slowly moving average of the rates at which overuse happened. */
class LinkCapacity {
  #estimateKbps: number | undefined;
  #deviationKbps = 0.4;

  get hasEstimate(): boolean {
    return this.#estimateKbps !== undefined;
  }
  get estimateBps(): number {
    return (this.#estimateKbps ?? 0) * 1000;
  }
  upperBoundBps(): number {
    if (this.#estimateKbps === undefined) return Infinity;
    return (this.#estimateKbps + 3 * Math.sqrt(this.#deviationKbps * this.#estimateKbps)) * 1000;
  }
  onOveruse(ackedBps: number): void {
    const sample = ackedBps / 1000;
    const alpha = 0.05;
    const est = this.#estimateKbps === undefined ? sample : (1 - alpha) * this.#estimateKbps + alpha * sample;
    this.#estimateKbps = est;
    const norm = Math.max(est, 1);
    const error = est - sample;
    this.#deviationKbps = Math.min(Math.max((1 - alpha) * this.#deviationKbps + (alpha * error * error) / norm, 0.4), 2.5);
  }
  reset(): void {
    this.#estimateKbps = undefined;
  }
}

export class AimdRateControl {
  #bitrate: number;
  readonly #min: number;
  readonly #max: number;
  #state: RateControlState = 'hold';
  #lastChangeMs: number | undefined;
  #rttMs = DEFAULT_RTT_MS;
  readonly #capacity = new LinkCapacity();

  constructor(initialBps: number, minBps: number, maxBps: number) {
    this.#min = minBps;
    this.#max = maxBps;
    this.#bitrate = Math.min(Math.max(initialBps, minBps), maxBps);
  }

  get bitrate(): number {
    return this.#bitrate;
  }

  get state(): RateControlState {
    return this.#state;
  }

  setRtt(rttMs: number): void {
    if (rttMs >= 0 && Number.isFinite(rttMs)) this.#rttMs = rttMs;
  }

  /**
   * libwebrtc's TimeToReduceFurther: after a decrease, decrease again only
   * after about one RTT, or when the received rate fell below half the target.
   */
  timeToReduceFurther(nowMs: number, ackedBps: number | undefined): boolean {
    const interval = Math.min(Math.max(this.#rttMs, 10), 200);
    if (this.#lastChangeMs === undefined || nowMs - this.#lastChangeMs >= interval) return true;
    return ackedBps !== undefined && ackedBps < 0.5 * this.#bitrate;
  }

  /** One detector verdict with the acknowledged rate (bps, when known); returns the new target. */
  update(usage: BandwidthUsage, ackedBps: number | undefined, nowMs: number): number {
    // State machine (draft-ietf-rmcat-gcc-02 §5.5, Figure 2).
    if (usage === 'overusing') this.#state = 'decrease';
    else if (usage === 'underusing') this.#state = 'hold';
    else if (this.#state === 'hold') this.#state = 'increase';

    let next = this.#bitrate;
    const acked = ackedBps ?? this.#bitrate;
    switch (this.#state) {
      case 'hold':
        break;
      case 'increase': {
        if (this.#capacity.hasEstimate && acked > this.#capacity.upperBoundBps()) this.#capacity.reset();
        // Never run ahead of what the path has shown it carries.
        const limit = 1.5 * acked + 10_000;
        if (this.#bitrate < limit) {
          const inc = this.#capacity.hasEstimate ? this.#additive(nowMs) : this.#multiplicative(nowMs);
          next = Math.min(this.#bitrate + inc, limit);
        }
        this.#lastChangeMs = nowMs;
        break;
      }
      case 'decrease': {
        let decreased = acked * AIMD_BETA;
        if (decreased > this.#bitrate && this.#capacity.hasEstimate) decreased = AIMD_BETA * this.#capacity.estimateBps;
        if (decreased < this.#bitrate) next = decreased;
        this.#capacity.onOveruse(acked);
        this.#state = 'hold';
        this.#lastChangeMs = nowMs;
        break;
      }
    }
    this.#bitrate = Math.min(Math.max(next, this.#min), this.#max);
    return this.#bitrate;
  }

  #multiplicative(nowMs: number): number {
    const dtS = this.#lastChangeMs === undefined ? 1 : Math.min(nowMs - this.#lastChangeMs, 1000) / 1000;
    return Math.max(this.#bitrate * (Math.pow(INCREASE_PER_SECOND, dtS) - 1), MIN_INCREASE_BPS);
  }

  /** About one average packet per response time (RTT + 100 ms), as libwebrtc's near-max increase. */
  #additive(nowMs: number): number {
    const dtS = this.#lastChangeMs === undefined ? 0 : (nowMs - this.#lastChangeMs) / 1000;
    const frameBits = this.#bitrate * FRAME_INTERVAL_S;
    const packets = Math.ceil(frameBits / 8 / PACKET_BYTES);
    const avgPacketBits = frameBits / Math.max(packets, 1);
    const responseS = (this.#rttMs + 100) / 1000;
    return Math.max(MIN_ADDITIVE_BPS_PER_SECOND, avgPacketBits / responseS) * dtS;
  }
}
