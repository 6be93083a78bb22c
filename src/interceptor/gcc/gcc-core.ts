import type { TransportCcFeedback } from '../../rtcp/transport-cc.js';
import { AckedBitrate } from './acked-bitrate.js';
import { AimdRateControl } from './aimd-rate-control.js';
import { InterArrival } from './inter-arrival.js';
import { LossBasedControl } from './loss-based-control.js';
import { SentPacketLog, type PacketAck } from './sent-packet-log.js';
import { TrendlineEstimator, type BandwidthUsage } from './trendline-estimator.js';

/** libwebrtc's default start rate (300 kbit/s). */
export const DEFAULT_GCC_INITIAL_BITRATE = 300_000;
/** Pion's gcc minimum (5 kbit/s) is below any useful codec rate; 30 kbit/s keeps audio alive. */
export const DEFAULT_GCC_MIN_BITRATE = 30_000;
/** Pion's gcc maximum. */
export const DEFAULT_GCC_MAX_BITRATE = 50_000_000;

export interface GccOptions {
  initialBitrate?: number;
  minBitrate?: number;
  maxBitrate?: number;
}

/** One bandwidth estimate with the figures behind it (Pion's gcc Stats). */
export interface BandwidthEstimate {
  /** What the sender should send at most, bits per second: min(delay-based, loss-based). */
  readonly targetBitrate: number;
  readonly delayBasedBitrate: number;
  readonly lossBasedBitrate: number;
  /** The rate the receiver got our packets at (bps), once known. */
  readonly ackedBitrate: number | undefined;
  /** Loss fraction of the last interval (0..1). */
  readonly lossFraction: number;
  readonly usage: BandwidthUsage;
  /** Delay trend compared with the threshold, and the threshold (ms). */
  readonly delayTrend: number;
  readonly delayThreshold: number;
  /** Round-trip time from the last feedback (ms). */
  readonly rttMs: number | undefined;
}

/**
 * Google Congestion Control, sender side (draft-ietf-rmcat-gcc-02, as in
 * libwebrtc's GoogCcNetworkController and Pion's gcc.SendSideBWE), sans-IO:
 * told when each packet left ({@link onPacketSent}) and fed transport-cc
 * feedback ({@link onFeedback}) with the current time, it returns the new
 * estimate. No clock, timer or socket inside.
 */
export class GccCore {
  readonly #sent = new SentPacketLog();
  readonly #interArrival = new InterArrival();
  readonly #trendline = new TrendlineEstimator();
  readonly #acked = new AckedBitrate();
  readonly #rate: AimdRateControl;
  readonly #loss: LossBasedControl;
  #rttMs: number | undefined;
  #estimate: BandwidthEstimate;

  constructor(options: GccOptions = {}) {
    const min = options.minBitrate ?? DEFAULT_GCC_MIN_BITRATE;
    const max = options.maxBitrate ?? DEFAULT_GCC_MAX_BITRATE;
    const initial = Math.min(Math.max(options.initialBitrate ?? DEFAULT_GCC_INITIAL_BITRATE, min), max);
    this.#rate = new AimdRateControl(initial, min, max);
    this.#loss = new LossBasedControl(initial, min, max);
    this.#estimate = this.#snapshot(initial, undefined);
  }

  get targetBitrate(): number {
    return this.#estimate.targetBitrate;
  }

  get estimate(): BandwidthEstimate {
    return this.#estimate;
  }

  /** A packet carrying transport-wide sequence number `seq` left at `nowMs`. */
  onPacketSent(seq: number, size: number, nowMs: number): void {
    this.#sent.onSent(seq, size, nowMs);
  }

  /** One transport-cc feedback message, received at `nowMs`; returns the estimate after it. */
  onFeedback(feedback: TransportCcFeedback, nowMs: number): BandwidthEstimate {
    return this.onAcks(this.#sent.onFeedback(feedback), nowMs);
  }

  /** The acknowledgements of one feedback message (exposed for simulations and tests). */
  onAcks(acks: readonly PacketAck[], nowMs: number): BandwidthEstimate {
    if (acks.length === 0) return this.#estimate;
    const received = acks.filter((a): a is PacketAck & { arrivalMs: number } => a.arrivalMs !== undefined);
    this.#updateRtt(received, nowMs);
    received.sort((a, b) => a.arrivalMs - b.arrivalMs || a.departureMs - b.departureMs);
    for (const a of received) {
      const d = this.#interArrival.add(a.departureMs, a.arrivalMs, nowMs, a.size);
      if (d) this.#trendline.update(d.arrivalDeltaMs, d.sendDeltaMs, a.arrivalMs);
      this.#acked.add(a.arrivalMs, a.size);
    }
    const acked = this.#acked.bitrate();
    const usage = this.#trendline.state;
    if (usage !== 'overusing' || this.#rate.timeToReduceFurther(nowMs, acked)) this.#rate.update(usage, acked, nowMs);
    const delayBps = this.#rate.bitrate;
    const lossBps = this.#loss.update(acks.length - received.length, acks.length, delayBps, this.#rttMs ?? 0, nowMs);
    this.#estimate = this.#snapshot(Math.min(delayBps, lossBps), acked);
    return this.#estimate;
  }

  /** RTT from feedback: time since sending, minus how long the receiver held the packet before reporting. */
  #updateRtt(received: readonly (PacketAck & { arrivalMs: number })[], nowMs: number): void {
    if (received.length === 0) return;
    let lastArrival = -Infinity;
    for (const a of received) lastArrival = Math.max(lastArrival, a.arrivalMs);
    let min = Infinity;
    for (const a of received) min = Math.min(min, nowMs - a.departureMs - (lastArrival - a.arrivalMs));
    if (Number.isFinite(min) && min >= 0) {
      this.#rttMs = min;
      this.#rate.setRtt(min);
    }
  }

  #snapshot(target: number, acked: number | undefined): BandwidthEstimate {
    return {
      targetBitrate: Math.round(target),
      delayBasedBitrate: Math.round(this.#rate.bitrate),
      lossBasedBitrate: Math.round(this.#loss.bitrate),
      ackedBitrate: acked === undefined ? undefined : Math.round(acked),
      lossFraction: this.#loss.lossFraction,
      usage: this.#trendline.state,
      delayTrend: this.#trendline.modifiedTrend,
      delayThreshold: this.#trendline.thresholdMs,
      rttMs: this.#rttMs,
    };
  }
}
