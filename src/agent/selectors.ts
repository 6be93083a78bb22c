import type { IceCoreConfig } from './agent-config.js';
import { recheckDue, type CandidatePair } from './candidate-pair.js';
import type { CheckList } from './checklist.js';

/** What a selector may see and do inside the core. */
export interface SelectorContext {
  readonly checklist: CheckList;
  readonly config: IceCoreConfig;
  /** When connectivity checks started (acceptance waits count from here). */
  readonly checkingStartedMs: number;
  readonly selected: CandidatePair | undefined;
  /** Local gathering finished: no new local candidate will be paired. */
  readonly localGatheringComplete: boolean;
  /** The peer signalled end-of-candidates: no new remote candidate will be paired. */
  readonly remotes: { readonly endOfCandidates: boolean };
  /** Makes `pair` the selected pair. */
  select(pair: CandidatePair, now: number): void;
  /** Controlling side: send a check with USE-CANDIDATE on `pair` (as a triggered check). */
  nominate(pair: CandidatePair, now: number): void;
}

/**
 * Controlling, controlled and lite behaviours as swappable strategies
 * (Pion's selection.go), so the core holds no role branching.
 */
export interface PairSelector {
  readonly kind: 'controlling' | 'controlled' | 'lite';
  /** Lite agents never send checks (RFC 8445 §2.5). */
  readonly sendsChecks: boolean;
  /** Aggressive nomination: every check carries USE-CANDIDATE. */
  readonly useCandidateOnEveryCheck: boolean;
  /** A check this agent sent on `pair` succeeded. */
  onCheckSucceeded(ctx: SelectorContext, pair: CandidatePair, useCandidate: boolean, now: number): void;
  /** An authenticated Binding request arrived on `pair`. */
  onRequest(ctx: SelectorContext, pair: CandidatePair, useCandidate: boolean, now: number): void;
  /** Periodic work (nomination); returns the next instant it wants to run, or Infinity. */
  onTick(ctx: SelectorContext, now: number): number;
}

function acceptanceWait(config: IceCoreConfig, pair: CandidatePair): number {
  const w = config.acceptanceMinWaitMs;
  return Math.max(w[pair.local.candidate.type], w[pair.remote.type]);
}

/**
 * How long an unanswered check on a better pair keeps that pair in the race,
 * on top of twice the round trip the valid pair measured: a path that works
 * answers within about one round trip of the working one; the second round
 * trip and this slack cover the peer's own check opening a filtering NAT.
 */
export const BETTER_PAIR_GRACE_MS = 50;

/**
 * The least time a better pair stays in the race, whatever the measured round
 * trip: on a sub-millisecond path, a loaded host's scheduling delay (or the
 * peer's late check opening its NAT) easily exceeds 2 × RTT + 50 ms, and a
 * relay would win over a direct path that works.
 */
export const MIN_BETTER_PAIR_WAIT_MS = 200;

/**
 * THE NOMINATION RULE (controlling agent, regular nomination). Pion waits a
 * fixed time per candidate type before nominating (srflx 500 ms, relay 2 s),
 * so a call that can only go through a NAT or a relay always pays that wait.
 * Here the best valid pair is nominated as soon as no better pair can still
 * succeed, and the acceptance wait is only an upper bound. No better pair can
 * still succeed when
 *   1. no better pair can still appear: local gathering is complete and the
 *      peer signalled end-of-candidates (without them, the wait applies); and
 *   2. every pair of higher priority either failed, or had its first check
 *      sent at least 2 × RTT(best) + {@link BETTER_PAIR_GRACE_MS} (and at least
 *      {@link MIN_BETTER_PAIR_WAIT_MS}) ago with no answer. A better pair not yet checked is checked at once (a triggered
 *      check), so the race is decided in about two round trips, not by the
 *      pacing of ordinary checks.
 * Returns the instant the best pair may be nominated (≤ now: at once).
 */
export function nominationDue(ctx: SelectorContext, best: CandidatePair, now: number): number {
  const capped = ctx.checkingStartedMs + acceptanceWait(ctx.config, best);
  if (capped <= now || !ctx.localGatheringComplete || !ctx.remotes.endOfCandidates) return capped;
  const grace = Math.max(MIN_BETTER_PAIR_WAIT_MS, 2 * (best.rttMs ?? 0) + BETTER_PAIR_GRACE_MS);
  let due = -Infinity;
  for (const p of ctx.checklist.values()) {
    if (p.priority <= best.priority || p.state === 'failed') continue;
    if (p.state === 'succeeded') return capped; // valid but being nominated or held back by the caller's filter
    if (p.firstCheckSentMs === Infinity) {
      ctx.checklist.enqueueTriggered(p);
      due = Math.max(due, now + 1);
      continue;
    }
    due = Math.max(due, p.firstCheckSentMs + grace);
  }
  return Math.min(capped, due);
}

/** Selects `pair` if nothing is selected yet or it has a higher priority than the current one. */
function selectIfBetter(ctx: SelectorContext, pair: CandidatePair, now: number): void {
  const current = ctx.selected;
  if (
    !current ||
    current.state === 'failed' ||
    // A pair kept across an ICE restart yields to any pair of the new check list.
    ctx.checklist.get(current.id) !== current ||
    (current !== pair && pair.priority > current.priority)
  ) {
    ctx.select(pair, now);
  }
}

/**
 * RFC 8445 §8.1.1 regular nomination: the controlling agent picks the best
 * valid pair once its acceptance wait (Pion's *AcceptanceMinWait; 0 for host
 * pairs, so no artificial delay) has passed, and repeats the check with
 * USE-CANDIDATE; the pair is selected when that check succeeds.
 */
export class ControllingSelector implements PairSelector {
  readonly kind = 'controlling' as const;
  readonly sendsChecks = true;
  readonly useCandidateOnEveryCheck: boolean;

  constructor(aggressive: boolean) {
    this.useCandidateOnEveryCheck = aggressive;
  }

  onCheckSucceeded(ctx: SelectorContext, pair: CandidatePair, useCandidate: boolean, now: number): void {
    if (useCandidate) {
      pair.nominated = true;
      if (this.useCandidateOnEveryCheck) selectIfBetter(ctx, pair, now);
      else if (!ctx.selected || ctx.selected !== pair) ctx.select(pair, now);
      return;
    }
    this.onTick(ctx, now);
  }

  /**
   * A check from the peer on a pair whose nomination is still unanswered: the
   * peer is reachable right now, so nominate again at once instead of waiting
   * out the retransmission backoff of the first attempt.
   */
  onRequest(ctx: SelectorContext, pair: CandidatePair, _useCandidate: boolean, now: number): void {
    if (this.useCandidateOnEveryCheck || !pair.nominationSent || pair.nominated) return;
    if (!recheckDue(pair, now)) return;
    ctx.nominate(pair, now);
  }

  onTick(ctx: SelectorContext, now: number): number {
    if (this.useCandidateOnEveryCheck) return Infinity;
    if (ctx.selected && ctx.selected.state !== 'failed' && ctx.selected.nominated && this.#nominatedThisGeneration(ctx)) {
      return Infinity;
    }
    // A nomination is in flight: wait for it.
    for (const p of ctx.checklist.values()) if (p.nominationSent && !p.nominated && p.state !== 'failed') return Infinity;
    const best = ctx.checklist.bestValid((p) => !p.nominationSent || p.nominated);
    if (!best) return Infinity;
    const due = nominationDue(ctx, best, now);
    if (now < due) return due;
    best.nominationSent = true;
    ctx.nominate(best, now);
    return Infinity;
  }

  /** The selected pair belongs to the current check list (not a pair kept across an ICE restart). */
  #nominatedThisGeneration(ctx: SelectorContext): boolean {
    const s = ctx.selected;
    return s !== undefined && ctx.checklist.get(s.id) === s;
  }
}

/**
 * RFC 8445 §7.3.1.5 / §8.1.1: the controlled agent selects the pair the
 * controlling agent nominated, once the pair is valid.
 */
export class ControlledSelector implements PairSelector {
  readonly kind = 'controlled' as const;
  readonly sendsChecks = true;
  readonly useCandidateOnEveryCheck = false;

  onCheckSucceeded(ctx: SelectorContext, pair: CandidatePair, _useCandidate: boolean, now: number): void {
    if (pair.nominateOnSuccess) {
      pair.nominateOnSuccess = false;
      pair.nominated = true;
      selectIfBetter(ctx, pair, now);
    }
  }

  onRequest(ctx: SelectorContext, pair: CandidatePair, useCandidate: boolean, now: number): void {
    if (!useCandidate) return;
    if (pair.state === 'succeeded') {
      pair.nominated = true;
      selectIfBetter(ctx, pair, now);
    } else {
      // "If the state of the pair is not Succeeded, the nomination is remembered and
      // applied once the triggered check succeeds."
      pair.nominateOnSuccess = true;
    }
  }

  onTick(): number {
    return Infinity;
  }
}

/**
 * ICE-lite (RFC 8445 §2.5): never checks, always controlled; a pair is
 * valid once an authenticated check arrived on it and selected on USE-CANDIDATE.
 */
export class LiteSelector implements PairSelector {
  readonly kind = 'lite' as const;
  readonly sendsChecks = false;
  readonly useCandidateOnEveryCheck = false;

  onCheckSucceeded(): void {
    // Lite agents send no checks.
  }

  onRequest(ctx: SelectorContext, pair: CandidatePair, useCandidate: boolean, now: number): void {
    pair.state = 'succeeded';
    if (!useCandidate) return;
    pair.nominated = true;
    selectIfBetter(ctx, pair, now);
  }

  onTick(): number {
    return Infinity;
  }
}
