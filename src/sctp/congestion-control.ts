/**
 * Congestion control and retransmission timer of the (single) path, RFC 9260 §6.3 and §7.
 *
 * Slow start, congestion avoidance, fast recovery and T3-rtx backoff follow RFC 9260 §7.2. One
 * documented departure, selectable with `mode`: in `'westwood'` (the default) the slow-start
 * threshold after a loss is not set below the bandwidth estimate × minimum RTT (TCP Westwood+,
 * Mascolo et al. 2001), so random loss on a long path does not collapse the window the way
 * Reno's halving does (1% loss at 50 ms RTT caps Reno near 2 Mbit/s). `'reno'` is RFC 9260 §7.2.3
 * exactly.
 */
export type CongestionMode = 'reno' | 'westwood';

export class CongestionControl {
  readonly mtu: number;
  readonly mode: CongestionMode;
  cwnd: number;
  ssthresh: number;
  /** partial_bytes_acked (§7.2.2). */
  pba = 0;
  inFastRecovery = false;
  /** Highest TSN outstanding when fast recovery began (§7.2.4). */
  fastRecoveryExit = 0;
  srtt: number | undefined;
  rttvar = 0;
  rto: number;
  minRtt = Infinity;
  /** Latest RTT sample (ms). */
  lastRtt = Infinity;
  readonly #rtoMin: number;
  readonly #rtoMax: number;
  readonly #maxCwnd: number;
  /** Westwood+ bandwidth estimate (bytes/ms), one sample per RTT, low-pass filtered. */
  bwe = 0;
  #bweStart = -1;
  #bweBytes = 0;

  constructor(opts: { mtu: number; rtoInitialMs: number; rtoMinMs: number; rtoMaxMs: number; maxCwnd: number; mode: CongestionMode }) {
    this.mtu = opts.mtu;
    this.mode = opts.mode;
    // RFC 9260 §7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380)).
    this.cwnd = Math.min(4 * opts.mtu, Math.max(2 * opts.mtu, 4380));
    this.ssthresh = opts.maxCwnd;
    this.rto = opts.rtoInitialMs;
    this.#rtoMin = opts.rtoMinMs;
    this.#rtoMax = opts.rtoMaxMs;
    this.#maxCwnd = opts.maxCwnd;
  }

  /** RFC 9260 §6.3.1 RTO calculation from one RTT measurement `r` (ms). */
  onRtt(r: number): void {
    if (r < 0) return;
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.onDelaySample(r);
    // RTO = SRTT + 4 RTTVAR, with the variance term at least RTO.min (as Linux TCP does): a
    // steady path drives RTTVAR to ~0, and a queue building by a few ms must not fire T3.
    this.rto = Math.min(this.#rtoMax, Math.max(this.#rtoMin, this.srtt + Math.max(this.#rtoMin, 4 * this.rttvar)));
  }

  /** Any RTT sample (every SACK, not only the one timed chunk per round trip): queueing detection only. */
  onDelaySample(r: number): void {
    if (r < 0) return;
    if (r < this.minRtt) this.minRtt = r;
    this.lastRtt = r;
  }

  /**
   * A SACK acknowledged `bytesAcked` new bytes; `cumAdvanced` if it moved the cumulative ack;
   * `flightBefore` is the flight size before the SACK (§7.2.1 / §7.2.2).
   */
  onAck(bytesAcked: number, cumAdvanced: boolean, flightBefore: number, now: number): void {
    this.#sampleBandwidth(bytesAcked, now);
    if (bytesAcked === 0) return;
    const unqueued = this.#unqueued();
    // RFC 9260 grows cwnd only when the cumulative ack advances and not in fast recovery; on an
    // unqueued path (westwood mode) gap-acknowledged bytes count too, as random loss keeps the
    // cumulative ack stuck for an RTT at a time.
    if ((!cumAdvanced || this.inFastRecovery) && !unqueued) return;
    const utilized = flightBefore + this.mtu >= this.cwnd;
    // Westwood mode: leave slow start once the queue grows (HyStart's delay signal), before the
    // overshoot fills and overflows the bottleneck queue.
    if (this.mode === 'westwood' && !unqueued && this.cwnd <= this.ssthresh && this.lastRtt !== Infinity && this.cwnd >= 16 * this.mtu) {
      this.ssthresh = this.cwnd;
    }
    if (this.cwnd <= this.ssthresh) {
      // Slow start: at most L = 2 MTUs per SACK (RFC 9260 §7.2.1 with RFC 3465's L for delayed SACKs).
      if (utilized) this.cwnd += Math.min(bytesAcked, 2 * this.mtu);
    } else if (unqueued) {
      // Westwood mode, no queue: half an MTU per SACK (about cwnd/4 per round trip), regaining
      // what a random loss took without overshooting the queue much an RTT later.
      if (utilized) this.cwnd += Math.min(bytesAcked, this.mtu >> 1);
    } else {
      this.pba += bytesAcked;
      if (this.pba >= this.cwnd && utilized) {
        this.pba -= this.cwnd;
        this.cwnd += this.mtu;
      }
    }
    if (this.cwnd > this.#maxCwnd) this.cwnd = this.#maxCwnd;
  }

  /**
   * Westwood mode: the path shows no queueing (latest RTT within 25% + 2 ms of the minimum), so
   * the window is below the path's capacity and keeps growing as in slow start; the loss that
   * triggered congestion avoidance was random, not a full queue.
   */
  #unqueued(): boolean {
    return this.mode === 'westwood' && this.lastRtt !== Infinity && this.lastRtt <= this.minRtt * 1.25 + 2;
  }

  #sampleBandwidth(bytes: number, now: number): void {
    if (this.#bweStart < 0) {
      this.#bweStart = now;
      this.#bweBytes = 0;
      return;
    }
    this.#bweBytes += bytes;
    const interval = Math.max(this.srtt ?? 100, 10);
    const dt = now - this.#bweStart;
    if (dt < interval) return;
    const sample = this.#bweBytes / dt;
    this.bwe = this.bwe === 0 ? sample : 0.875 * this.bwe + 0.125 * sample;
    this.#bweStart = now;
    this.#bweBytes = 0;
  }

  #lossThreshold(): number {
    // Westwood mode, no queue on the path: the loss was random; back off only a little (TCP Veno's 4/5).
    let t = Math.max(this.#unqueued() ? this.cwnd * 0.8 : this.cwnd / 2, 4 * this.mtu);
    if (this.mode === 'westwood' && this.minRtt !== Infinity) {
      const bdp = this.bwe * Math.max(this.minRtt, 1);
      if (bdp > t) t = Math.min(bdp, this.cwnd);
    }
    return Math.floor(t);
  }

  /** Entering fast recovery on the first fast retransmit (§7.2.4 (2)); `highestOutstanding` is its exit point. */
  enterFastRecovery(highestOutstanding: number): void {
    this.inFastRecovery = true;
    this.fastRecoveryExit = highestOutstanding;
    this.ssthresh = this.#lossThreshold();
    this.cwnd = this.ssthresh;
    this.pba = 0;
  }

  /** T3-rtx expiry (§6.3.3 E1, §7.2.3): collapse cwnd and back the timer off. */
  onT3(): void {
    this.ssthresh = this.#lossThreshold();
    this.cwnd = this.mtu;
    this.pba = 0;
    this.inFastRecovery = false;
    this.rto = Math.min(this.#rtoMax, this.rto * 2);
  }

  /** §7.2.1: after an idle period longer than RTO, cwnd decays (no burst into an unknown path). */
  onIdle(): void {
    this.cwnd = Math.max(this.cwnd / 2, 4 * this.mtu);
  }
}
