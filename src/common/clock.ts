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
    return setTimeout(fn, Math.max(0, delayMs));
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}

/** Shared default instance; stateless, so sharing it is safe. */
export const systemClock: Clock = new SystemClock();
