import type { Rng } from '../common/rng.js';
import { CONSENT_MAX_INTERVAL_MS, CONSENT_MIN_INTERVAL_MS } from './agent-config.js';

/**
 * Consent freshness (RFC 7675) for the selected pair, done literally:
 * a Binding request every 4–6 s (randomized, counted from the previous
 * request, §5.1), each its own STUN transaction with retransmissions; consent
 * is lost when no *authenticated response* arrived for `expiryMs` (30 s).
 * Other inbound traffic does not renew consent (§5.1: "only a response ...
 * counts").
 */
export class ConsentTracker {
  #lastResponseMs = 0;
  #nextRequestMs = Infinity;
  #active = false;

  constructor(
    private readonly expiryMs: number,
    private readonly rng: Rng,
  ) {}

  get active(): boolean {
    return this.#active;
  }

  get lastResponseMs(): number {
    return this.#lastResponseMs;
  }

  /** Starts on a freshly selected pair: the check that selected it was the last authenticated response. */
  start(now: number): void {
    this.#active = true;
    this.#lastResponseMs = now;
    this.#nextRequestMs = now + this.#interval();
  }

  stop(): void {
    this.#active = false;
    this.#nextRequestMs = Infinity;
  }

  /** RFC 7675 §5.1: "randomized interval ... between 4 and 6 s". */
  #interval(): number {
    return CONSENT_MIN_INTERVAL_MS + this.rng.float() * (CONSENT_MAX_INTERVAL_MS - CONSENT_MIN_INTERVAL_MS);
  }

  requestDue(now: number): boolean {
    return this.#active && now >= this.#nextRequestMs;
  }

  /** Schedules the next request, counted from this one. */
  requestSent(now: number): void {
    this.#nextRequestMs = now + this.#interval();
  }

  responseReceived(now: number): void {
    if (now > this.#lastResponseMs) this.#lastResponseMs = now;
  }

  expired(now: number): boolean {
    return this.#active && now - this.#lastResponseMs >= this.expiryMs;
  }

  /** Next instant this tracker needs attention. */
  deadline(): number {
    if (!this.#active) return Infinity;
    return Math.min(this.#nextRequestMs, this.#lastResponseMs + this.expiryMs);
  }
}
