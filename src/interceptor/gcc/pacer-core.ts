/**
 * A leaky-bucket pacer (libwebrtc's PacingController in its interval-budget
 * form; Pion's LeakyBucketPacer): packets leave at `pacingFactor` × the
 * target rate in steps of {@link PACER_INTERVAL_MS}, so a key frame does not
 * hit the bottleneck as one burst. Sans-IO: the driver calls `enqueue` and
 * `poll(now)` and arms one timer for `nextDeadline`. An empty queue with
 * budget left sends at once (no added latency below the rate).
 */
export const PACER_INTERVAL_MS = 5;
/** libwebrtc's pacing factor: bursts up to 2.5 × the target drain quickly but not at line rate. */
export const DEFAULT_PACING_FACTOR = 2.5;
/** Longest the queue may hold at the pacing rate before the rate rises to drain it (libwebrtc: 2 s). */
export const MAX_QUEUE_TIME_MS = 2000;
/** Packets queued at most; later ones are dropped (and counted by the driver). */
export const MAX_PACER_QUEUE = 4096;
/** Budget kept across idle time at most: one interval's worth of the burst window (ms of rate). */
const MAX_BUDGET_MS = 40;

export class PacerCore<T> {
  readonly #queue: { item: T; size: number }[] = [];
  #head = 0;
  #queuedBytes = 0;
  #rateBps: number;
  readonly #factor: number;
  #budgetBytes = 0;
  #lastMs: number | undefined;

  constructor(targetBps: number, pacingFactor = DEFAULT_PACING_FACTOR) {
    this.#rateBps = targetBps * pacingFactor;
    this.#factor = pacingFactor;
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  setTargetBitrate(bps: number): void {
    this.#rateBps = bps * this.#factor;
  }

  /**
   * Queues one packet. Returns 'now' when it may leave at once (queue empty,
   * budget left: the caller sends it and nothing is queued), 'queued', or
   * 'dropped' when the queue is full.
   */
  enqueue(item: T, size: number, nowMs: number): 'now' | 'queued' | 'dropped' {
    this.#refill(nowMs);
    if (this.queued === 0 && this.#budgetBytes > 0) {
      this.#budgetBytes -= size;
      return 'now';
    }
    if (this.queued >= MAX_PACER_QUEUE) return 'dropped';
    this.#queue.push({ item, size });
    this.#queuedBytes += size;
    return 'queued';
  }

  /** The packets due by `nowMs`, in order. */
  poll(nowMs: number): T[] {
    this.#refill(nowMs);
    const out: T[] = [];
    while (this.queued > 0 && this.#budgetBytes > 0) {
      const e = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as never;
      this.#queuedBytes -= e.size;
      this.#budgetBytes -= e.size;
      out.push(e.item);
    }
    if (this.#head > 256 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** When `poll` has work next, or undefined with an empty queue. */
  nextDeadline(nowMs: number): number | undefined {
    if (this.queued === 0) return undefined;
    const rate = this.#effectiveRate() / 8000;
    if (this.#budgetBytes > 0 || rate <= 0) return nowMs;
    return nowMs + Math.max(PACER_INTERVAL_MS, Math.min(-this.#budgetBytes / rate, 1000));
  }

  /** Drops everything queued (close). */
  clear(): T[] {
    const rest = this.#queue.slice(this.#head).map((e) => e.item);
    this.#queue.length = 0;
    this.#head = 0;
    this.#queuedBytes = 0;
    return rest;
  }

  /** The pacing rate, raised when the queue would take longer than MAX_QUEUE_TIME_MS to drain. */
  #effectiveRate(): number {
    const drain = (this.#queuedBytes * 8 * 1000) / MAX_QUEUE_TIME_MS;
    return Math.max(this.#rateBps, drain);
  }

  #refill(nowMs: number): void {
    const rate = this.#effectiveRate() / 8000; // bytes per ms
    if (this.#lastMs === undefined) {
      this.#lastMs = nowMs;
      this.#budgetBytes = rate * PACER_INTERVAL_MS;
      return;
    }
    const dt = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    this.#budgetBytes = Math.min(this.#budgetBytes + rate * dt, rate * MAX_BUDGET_MS);
  }
}
