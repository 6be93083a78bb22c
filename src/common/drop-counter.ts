import type { ScopedLogger } from './log.js';

/**
 * Counts network input that was dropped, by reason. Drivers catch every
 * decode error at their one inbound try/catch, count it here and trace it;
 * nothing from the network throws past a socket handler.
 */
export class DropCounter {
  /** Created on the first drop: most connections never drop anything, and each keeps one. */
  #counts: Map<string, number> | undefined;
  #total = 0;

  constructor(private readonly log?: ScopedLogger) {}

  drop(reason: string, detail?: unknown): void {
    const counts = (this.#counts ??= new Map());
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
    this.#total++;
    if (this.log?.traceEnabled) this.log.trace(`dropped (${reason})`, detail ?? '');
  }

  get total(): number {
    return this.#total;
  }

  count(reason: string): number {
    return this.#counts?.get(reason) ?? 0;
  }

  /** Snapshot as a plain object, `{ [reason]: count }`. */
  toJSON(): Record<string, number> {
    return this.#counts ? Object.fromEntries(this.#counts) : {};
  }
}
