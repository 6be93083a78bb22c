import type { ScopedLogger } from './log.js';

/**
 * Counts network input that was dropped, by reason. Drivers catch every
 * decode error at their one inbound try/catch, count it here and trace it;
 * nothing from the network throws past a socket handler.
 */
export class DropCounter {
  readonly #counts = new Map<string, number>();
  #total = 0;

  constructor(private readonly log?: ScopedLogger) {}

  drop(reason: string, detail?: unknown): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    this.#total++;
    if (this.log?.traceEnabled) this.log.trace(`dropped (${reason})`, detail ?? '');
  }

  get total(): number {
    return this.#total;
  }

  count(reason: string): number {
    return this.#counts.get(reason) ?? 0;
  }

  /** Snapshot as a plain object, `{ [reason]: count }`. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
