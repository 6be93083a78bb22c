import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/common/rng.js';
import { newTransactionId, StunClass, StunMessage, StunMethod, StunTransactionCore } from '../../src/stun/index.js';

const DEST = { address: '127.0.0.1', port: 3478 };

describe('StunTransactionCore under random answers', () => {
  it('every transaction ends exactly once, within Rc sends, never after its deadline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.record({ startAt: fc.integer({ min: 0, max: 5000 }), answerAt: fc.option(fc.integer({ min: 0, max: 50_000 })) }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.boolean(),
        (seed, plans, reliable) => {
          const rng = new SeededRng(seed);
          const core = new StunTransactionCore<number>({ reliable, maxPending: 64 });
          const ids = plans.map(() => newTransactionId(rng));
          const sends = new Map<number, number>();
          const ended = new Map<number, 'answer' | 'timeout'>();
          // Event times: starts, answers, and the core's own deadlines.
          const agenda: { at: number; kind: 'start' | 'answer'; i: number }[] = [];
          plans.forEach((p, i) => {
            agenda.push({ at: p.startAt, kind: 'start', i });
            if (p.answerAt !== null) agenda.push({ at: p.startAt + p.answerAt, kind: 'answer', i });
          });
          agenda.sort((a, b) => a.at - b.at || (a.kind === 'start' ? -1 : 1));
          const drain = (): void => {
            for (let t = core.pollTransmit(); t; t = core.pollTransmit()) {
              const i = ids.findIndex((id) => id.equals(t!.transactionId));
              sends.set(i, (sends.get(i) ?? 0) + 1);
            }
            for (let e = core.pollEvent(); e; e = core.pollEvent()) {
              expect(ended.has(e.ctx)).toBe(false);
              ended.set(e.ctx, 'timeout');
            }
          };
          let now = 0;
          let k = 0;
          for (let guard = 0; guard < 10_000; guard++) {
            const deadline = core.pollTimeout();
            const next = agenda[k];
            if (next === undefined && deadline === undefined) break;
            if (next !== undefined && (deadline === undefined || next.at < deadline)) {
              now = next.at;
              k++;
              if (next.kind === 'start') {
                const req = new StunMessage(StunMethod.Binding, StunClass.Request, ids[next.i]!).encode();
                core.start(now, req, ids[next.i]!, DEST, next.i);
              } else {
                const res = core.handleResponse(now, new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, ids[next.i]!));
                if (res) {
                  expect(ended.has(res.ctx)).toBe(false);
                  ended.set(res.ctx, 'answer');
                  expect(res.rttMs).toBe(now - plans[next.i]!.startAt);
                }
              }
            } else {
              expect(deadline!).toBeGreaterThanOrEqual(now);
              now = deadline!;
              core.handleTimeout(now);
            }
            drain();
          }
          expect(core.pendingCount).toBe(0);
          expect(ended.size).toBe(plans.length);
          for (let i = 0; i < plans.length; i++) {
            expect(sends.get(i)).toBeGreaterThanOrEqual(1);
            expect(sends.get(i)).toBeLessThanOrEqual(reliable ? 1 : 7);
            const p = plans[i]!;
            // Answered iff the answer came before the 39.5 s timeout.
            expect(ended.get(i)).toBe(p.answerAt !== null && p.answerAt < 39_500 ? 'answer' : 'timeout');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
