import type { Clock, TimerHandle } from '../common/clock.js';

interface Entry {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | undefined;
}

/**
 * Every scheduled delivery of a virtual network, in one binary heap ordered
 * by (time, insertion), behind a single clock timer armed for the earliest.
 * Thousands of packets in flight cost O(log n) each instead of one clock
 * timer each. A firing runs every entry due by then that was queued before
 * it started; entries queued meanwhile (zero-delay hand-overs) wait for the
 * next firing, so promise jobs run in between, as with separate timers.
 */
export class DeliveryQueue {
  readonly #clock: Clock;
  readonly #onError: (err: unknown) => void;
  #heap: Entry[] = [];
  #seq = 0;
  #live = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #closed = false;

  constructor(clock: Clock, onError: (err: unknown) => void) {
    this.#clock = clock;
    this.#onError = onError;
  }

  /** Scheduled entries not yet run or cancelled. */
  get size(): number {
    return this.#live;
  }

  /** Runs `fn` after `delayMs`; the returned function cancels it. */
  schedule(delayMs: number, fn: () => void): () => void {
    if (this.#closed) return noop;
    const e: Entry = { at: this.#clock.now() + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#push(e);
    this.#live++;
    if (e.at < this.#timerAt) this.#arm(e.at);
    return () => {
      if (e.fn === undefined) return;
      e.fn = undefined;
      this.#live--;
    };
  }

  /** Drops everything and disarms the timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#heap = [];
    this.#live = 0;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(() => this.#fire(), at - this.#clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    const lastSeq = this.#seq;
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.at > now || top.seq >= lastSeq || this.#closed) break;
      this.#pop();
      const fn = top.fn;
      if (!fn) continue;
      top.fn = undefined;
      this.#live--;
      try {
        fn();
      } catch (err) {
        this.#onError(err);
      }
    }
    // Drop cancelled entries at the top so the timer is armed for a live one.
    while (this.#heap[0] && this.#heap[0].fn === undefined) this.#pop();
    const next = this.#heap[0];
    if (next && !this.#closed) this.#arm(next.at);
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function noop(): void {}
