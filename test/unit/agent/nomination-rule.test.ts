import { describe, expect, it } from 'vitest';
import { Candidate } from '../../../src/candidate/index.js';
import { resolveCoreConfig } from '../../../src/agent/agent-config.js';
import { CandidatePair } from '../../../src/agent/candidate-pair.js';
import { CheckList } from '../../../src/agent/checklist.js';
import { BETTER_PAIR_GRACE_MS, nominationDue, type SelectorContext } from '../../../src/agent/selectors.js';

function cand(type: 'host' | 'srflx' | 'relay', address: string, priority: number): Candidate {
  return new Candidate({ foundation: `${type}${address}`, component: 1, transport: 'udp', priority, address, port: 5000, type });
}

const localHost = { candidate: cand('host', '10.0.0.1', 2130706431), baseId: 1, base: { address: '10.0.0.1', port: 5000 } };

function world(options: { gathered?: boolean; eoc?: boolean } = {}) {
  const checklist = new CheckList();
  const ctx: SelectorContext = {
    checklist,
    config: resolveCoreConfig({}),
    checkingStartedMs: 0,
    selected: undefined,
    localGatheringComplete: options.gathered ?? true,
    remotes: { endOfCandidates: options.eoc ?? true },
    select: () => undefined,
    nominate: () => undefined,
  };
  const add = (remote: Candidate): CandidatePair => {
    const p = new CandidatePair(localHost, remote, `f:${remote.foundation}`);
    p.updatePriority(true);
    checklist.add(p);
    return p;
  };
  // The peer's host (unreachable: it sits behind its NAT) and its server-reflexive address.
  const better = add(cand('host', '10.9.0.2', 2130706431));
  const best = add(cand('srflx', '203.0.113.9', 1694498815));
  best.state = 'succeeded';
  best.rttMs = 80;
  return { ctx, better, best, checklist };
}

/**
 * The nomination rule (selectors.ts): the best valid pair is nominated as soon
 * as no better pair can still succeed; Pion's acceptance wait is the bound.
 */
describe('nominationDue', () => {
  it('waits for a better pair in flight for 2 x RTT + grace from its first check, not for the 500 ms srflx wait', () => {
    const { ctx, better, best } = world();
    better.state = 'in-progress';
    better.firstCheckSentMs = 10;
    expect(nominationDue(ctx, best, 100)).toBe(10 + 2 * 80 + BETTER_PAIR_GRACE_MS);
  });

  it('nominates at once when every better pair failed', () => {
    const { ctx, better, best } = world();
    better.state = 'failed';
    expect(nominationDue(ctx, best, 100)).toBeLessThanOrEqual(100);
  });

  it('checks a better pair that was never checked (triggered) and waits for it', () => {
    const { ctx, best, checklist } = world();
    expect(nominationDue(ctx, best, 100)).toBe(101);
    expect(checklist.triggeredCount).toBe(1);
  });

  it("falls back to Pion's acceptance wait while a better candidate may still arrive", () => {
    for (const options of [{ eoc: false }, { gathered: false }]) {
      const { ctx, better, best } = world(options);
      better.state = 'failed';
      expect(nominationDue(ctx, best, 100)).toBe(500);
    }
  });

  it('never waits longer than the acceptance wait', () => {
    const { ctx, better, best } = world();
    better.state = 'in-progress';
    better.firstCheckSentMs = 450;
    expect(nominationDue(ctx, best, 460)).toBe(500);
  });
});
