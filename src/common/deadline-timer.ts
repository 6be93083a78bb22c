import type { Clock, TimerHandle } from './clock.js';

/**
 * The one timer a driver keeps for its sans-IO core: armed for the core's
 * next absolute deadline (`pollTimeout()`), re-armed only when that deadline
 * changes, and calling `onFire(now)` when it is reached.
 */
export class DeadlineTimer {
  readonly #clock: Clock;
  readonly #onFire: (now: number) => void;
  #handle: TimerHandle | undefined;
  #at: number | undefined;

  constructor(clock: Clock, onFire: (now: number) => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  /** Arms for the absolute time `at` (clock ms); `undefined` disarms. */
  set(at: number | undefined): void {
    if (at === this.#at && (at === undefined || this.#handle !== undefined)) return;
    this.clear();
    if (at === undefined || at === Infinity) return;
    this.#at = at;
    this.#handle = this.#clock.setTimer(() => {
      this.#handle = undefined;
      this.#at = undefined;
      this.#onFire(this.#clock.now());
    }, at - this.#clock.now());
  }

  clear(): void {
    if (this.#handle !== undefined) this.#clock.clearTimer(this.#handle);
    this.#handle = undefined;
    this.#at = undefined;
  }
}
