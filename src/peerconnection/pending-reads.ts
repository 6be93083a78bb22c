import { ClosedError } from '../common/errors.js';

/**
 * Callers of an async read (`readRTP`, `readRTCP`) waiting for the next
 * item, oldest first; on close they are rejected with one ClosedError.
 */
export class PendingReads<T> {
  #waiters: { resolve: (item: T) => void; reject: (e: Error) => void }[] = [];

  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** A promise for the next item handed to {@link resolveNext}. */
  wait(): Promise<T> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Gives `item` to the oldest waiting caller; false when nobody waits. */
  resolveNext(item: T): boolean {
    const w = this.#waiters.shift();
    if (!w) return false;
    w.resolve(item);
    return true;
  }

  /** Rejects every waiting caller; the error (with its stack) is built only when someone waits. */
  rejectAll(what: string): void {
    const waiters = this.#waiters.splice(0);
    if (waiters.length === 0) return;
    const err = new ClosedError(what);
    for (const w of waiters) w.reject(err);
  }
}
