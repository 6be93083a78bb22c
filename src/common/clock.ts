import { performance } from 'node:perf_hooks';

/** Opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time and timers, injected into every driver so tests can run protocol
 * seconds in virtual milliseconds (see `FakeClock`). Sans-IO cores never
 * hold a Clock: they are handed `now` with every input.
 */
export interface Clock {
  /** Monotonic time in milliseconds (fractional allowed). */
  now(): number;
  /** Wall-clock time in milliseconds since the Unix epoch (for NTP timestamps). */
  wallMs(): number;
  /** Calls `fn` once after `delayMs`. */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node timers. */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    // Node runs a timeout no sooner than 1 ms after it is set, so work that is due now (the
    // next connectivity check, a flight to send) would wait a whole millisecond per step:
    // it runs on the event loop's next turn instead, after pending I/O.
    if (delayMs <= 0) return new ImmediateTimer(fn);
    return setTimeout(fn, delayMs);
  }

  clearTimer(handle: TimerHandle): void {
    if (handle instanceof ImmediateTimer) handle.clear();
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}

/** A timer due now: a `setImmediate` that can be cleared like the others. */
class ImmediateTimer {
  readonly #immediate: ReturnType<typeof setImmediate>;

  constructor(fn: () => void) {
    this.#immediate = setImmediate(fn);
  }

  clear(): void {
    clearImmediate(this.#immediate);
  }
}

/** Shared default instance; stateless, so sharing it is safe. */
export const systemClock: Clock = new SystemClock();
