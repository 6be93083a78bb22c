import type { Clock, TimerHandle } from './clock.js';

interface FakeTimer {
  readonly seq: number;
  at: number;
  fn: () => void;
  cancelled: boolean;
}

/** Resolves after pending promise jobs (and their follow-ups) have run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Virtual time for deterministic tests: timers fire only when the test
 * advances the clock, in deadline order (ties in creation order), with
 * promise jobs flushed between timers so async drivers make progress.
 */
export class FakeClock implements Clock {
  #now: number;
  readonly #wallBase: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  constructor(options: { startMs?: number; wallBaseMs?: number } = {}) {
    this.#now = options.startMs ?? 0;
    this.#wallBase = options.wallBaseMs ?? Date.UTC(2026, 0, 1);
  }

  now(): number {
    return this.#now;
  }

  wallMs(): number {
    return this.#wallBase + this.#now;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const t: FakeTimer = { seq: this.#seq++, at: this.#now + Math.max(0, delayMs), fn, cancelled: false };
    this.#timers.push(t);
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    const t = handle as FakeTimer;
    t.cancelled = true;
  }

  /** Number of timers still armed. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  #nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    for (const t of this.#timers) {
      if (t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  /** Advances virtual time by `ms`, firing every timer that falls due. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const t = this.#nextDue(target);
      if (!t) break;
      t.cancelled = true;
      this.#now = Math.max(this.#now, t.at);
      t.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /**
   * Advances in `stepMs` steps until `predicate()` holds or `maxMs` of virtual
   * time has passed. Returns whether the predicate held.
   */
  async runUntil(predicate: () => boolean, maxMs: number, stepMs = 10): Promise<boolean> {
    const end = this.#now + maxMs;
    while (!predicate()) {
      if (this.#now >= end) return false;
      await this.advance(Math.min(stepMs, end - this.#now));
    }
    return true;
  }
}
