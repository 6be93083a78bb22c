import { MAX_TRIGGERED_QUEUE } from './agent-config.js';
import type { CandidatePair } from './candidate-pair.js';

/**
 * The check list of one data stream and component (RFC 8445 §6.1.2): pairs
 * ordered by priority, their states, the triggered-check queue (§6.1.4.1)
 * and the valid list (succeeded pairs, §7.2.5.3.2).
 */
export class CheckList {
  readonly #pairs = new Map<string, CandidatePair>();
  /** Sorted by descending priority; rebuilt lazily. */
  #ordered: CandidatePair[] = [];
  #dirty = false;
  readonly #triggered: CandidatePair[] = [];

  get size(): number {
    return this.#pairs.size;
  }

  get(id: string): CandidatePair | undefined {
    return this.#pairs.get(id);
  }

  /** Pairs in descending priority order (RFC 8445 §6.1.2.3). */
  ordered(): readonly CandidatePair[] {
    if (this.#dirty) {
      this.#ordered = [...this.#pairs.values()].sort((a, b) => (a.priority > b.priority ? -1 : a.priority < b.priority ? 1 : 0));
      this.#dirty = false;
    }
    return this.#ordered;
  }

  /**
   * Adds a pair. Its initial state (RFC 8445 §6.1.2.6, with trickle per
   * RFC 8838 §11): Waiting when no other pair of the same foundation is
   * Waiting or In-Progress, otherwise Frozen.
   */
  add(pair: CandidatePair): CandidatePair {
    const existing = this.#pairs.get(pair.id);
    if (existing) return existing;
    pair.state = this.#foundationActive(pair.foundation) ? 'frozen' : 'waiting';
    this.#pairs.set(pair.id, pair);
    this.#dirty = true;
    return pair;
  }

  remove(pair: CandidatePair): void {
    if (!this.#pairs.delete(pair.id)) return;
    this.#dirty = true;
    const i = this.#triggered.indexOf(pair);
    if (i >= 0) this.#triggered.splice(i, 1);
    pair.triggeredUseCandidate = false;
  }

  clear(): void {
    this.#pairs.clear();
    this.#ordered = [];
    this.#dirty = false;
    this.#triggered.length = 0;
  }

  /** Call after pair priorities change (role switch). */
  resort(): void {
    this.#dirty = true;
  }

  #foundationActive(foundation: string): boolean {
    for (const p of this.#pairs.values()) {
      if (p.foundation === foundation && (p.state === 'waiting' || p.state === 'in-progress')) return true;
    }
    return false;
  }

  /** RFC 8445 §7.2.5.3.3: a success unfreezes the Frozen pairs of the same foundation. */
  unfreezeFoundation(foundation: string): void {
    for (const p of this.#pairs.values()) {
      if (p.foundation === foundation && p.state === 'frozen') p.state = 'waiting';
    }
  }

  /**
   * RFC 8445 §6.1.4.2: the highest-priority Waiting pair; if none, the
   * highest-priority Frozen pair whose foundation has no Waiting or
   * In-Progress pair is unfrozen and returned.
   */
  nextOrdinary(): CandidatePair | undefined {
    const ordered = this.ordered();
    for (const p of ordered) if (p.state === 'waiting') return p;
    for (const p of ordered) {
      if (p.state === 'frozen' && !this.#foundationActive(p.foundation)) {
        p.state = 'waiting';
        return p;
      }
    }
    return undefined;
  }

  /** True when an ordinary check could be sent now or later. */
  hasPendingWork(): boolean {
    if (this.#triggered.length > 0) return true;
    for (const p of this.#pairs.values()) if (p.state === 'waiting' || p.state === 'frozen') return true;
    return false;
  }

  /** RFC 8445 §7.3.1.4: queue a triggered check (FIFO, bounded; a pair is queued once). */
  enqueueTriggered(pair: CandidatePair, useCandidate = false): void {
    if (useCandidate) pair.triggeredUseCandidate = true;
    if (this.#triggered.includes(pair)) return;
    if (this.#triggered.length >= MAX_TRIGGERED_QUEUE) {
      const dropped = this.#triggered.shift();
      if (dropped) dropped.triggeredUseCandidate = false;
    }
    this.#triggered.push(pair);
  }

  get triggeredCount(): number {
    return this.#triggered.length;
  }

  /** Next triggered check and whether it must carry USE-CANDIDATE. */
  shiftTriggered(): { pair: CandidatePair; useCandidate: boolean } | undefined {
    const pair = this.#triggered.shift();
    if (!pair) return undefined;
    const useCandidate = pair.triggeredUseCandidate;
    pair.triggeredUseCandidate = false;
    return { pair, useCandidate };
  }

  /** The valid list's best pair (highest priority Succeeded pair). */
  bestValid(filter?: (p: CandidatePair) => boolean): CandidatePair | undefined {
    for (const p of this.ordered()) if (p.state === 'succeeded' && (!filter || filter(p))) return p;
    return undefined;
  }

  /** RFC 8445 §6.1.2.7/§8.1.2: every pair has failed (and nothing is queued). */
  allFailed(): boolean {
    if (this.#pairs.size === 0 || this.#triggered.length > 0) return false;
    for (const p of this.#pairs.values()) if (p.state !== 'failed') return false;
    return true;
  }

  values(): IterableIterator<CandidatePair> {
    return this.#pairs.values();
  }

  countInState(state: CandidatePair['state']): number {
    let n = 0;
    for (const p of this.#pairs.values()) if (p.state === state) n++;
    return n;
  }
}
