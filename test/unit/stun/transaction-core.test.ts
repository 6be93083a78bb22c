import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import {
  newTransactionId,
  StunClass,
  StunMessage,
  StunMethod,
  StunTransactionCore,
  StunTransactionLimitError,
} from '../../../src/stun/index.js';

const DEST = { address: '127.0.0.1', port: 3478 };

function request(rng: SeededRng, method: number = StunMethod.Binding): { id: Buffer; data: Buffer } {
  const id = newTransactionId(rng);
  return { id, data: new StunMessage(method, StunClass.Request, id).encode({ fingerprint: true }) };
}

/** Steps the core to each deadline until idle; returns send times and the timeout time. */
function run(core: StunTransactionCore<string>, startMs: number): { sends: number[]; timeoutAt: number | undefined } {
  const sends: number[] = [];
  let timeoutAt: number | undefined;
  let now = startMs;
  for (let guard = 0; guard < 100; guard++) {
    while (core.pollTransmit()) sends.push(now);
    if (core.pollEvent()?.type === 'timeout') timeoutAt = now;
    const next = core.pollTimeout();
    if (next === undefined) break;
    now = next;
    core.handleTimeout(now);
  }
  return { sends, timeoutAt };
}

describe('StunTransactionCore (RFC 8489 §6.2.1)', () => {
  it('retransmits at 0, 500, 1500, 3500, 7500, 15500, 31500 and times out at 39500', () => {
    const core = new StunTransactionCore<string>();
    const { id, data } = request(new SeededRng(1));
    core.start(0, data, id, DEST, 'ctx');
    const first = core.pollTransmit();
    expect(first?.data).toBe(data);
    expect(first?.destination).toBe(DEST);
    expect(first?.transactionId.equals(id)).toBe(true);
    expect(core.pollTimeout()).toBe(500);
    const { sends, timeoutAt } = run(core, 0);
    expect([0, ...sends]).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(timeoutAt).toBe(39500);
    expect(core.pendingCount).toBe(0);
  });

  it('offsets the schedule by the start time and reports the timeout context', () => {
    const core = new StunTransactionCore<string>();
    const { id, data } = request(new SeededRng(2));
    core.start(1000, data, id, DEST, 'mine');
    const sends: number[] = [];
    let now = 1000;
    let event;
    for (;;) {
      while (core.pollTransmit()) sends.push(now);
      event = core.pollEvent();
      if (event) break;
      now = core.pollTimeout()!;
      core.handleTimeout(now);
    }
    expect(sends).toEqual([1000, 1500, 2500, 4500, 8500, 16500, 32500]);
    expect(now).toBe(40500);
    expect(event).toEqual({ type: 'timeout', transactionId: id, ctx: 'mine' });
  });

  it('does nothing before a deadline', () => {
    const core = new StunTransactionCore<string>();
    const { id, data } = request(new SeededRng(3));
    core.start(0, data, id, DEST, 'x');
    core.pollTransmit();
    core.handleTimeout(499);
    expect(core.pollTransmit()).toBeUndefined();
    core.handleTimeout(500);
    expect(core.pollTransmit()).toBeDefined();
    expect(core.pollTimeout()).toBe(1500);
  });

  it('reliable transports send once and time out after Ti = 39.5 s (§6.2.2)', () => {
    const core = new StunTransactionCore<string>({ reliable: true });
    const { id, data } = request(new SeededRng(4));
    core.start(0, data, id, DEST, 'tcp');
    const { sends, timeoutAt } = run(core, 0);
    expect(sends).toEqual([0]);
    expect(timeoutAt).toBe(39500);
  });

  it('per-transaction overrides (rto, rc, rm, reliable)', () => {
    const core = new StunTransactionCore<string>();
    const a = request(new SeededRng(5));
    core.start(0, a.data, a.id, DEST, 'a', { rtoMs: 100, rc: 3, rm: 4 });
    const r = run(core, 0);
    expect(r.sends).toEqual([0, 100, 300]);
    expect(r.timeoutAt).toBe(700);
    const b = request(new SeededRng(6));
    core.start(0, b.data, b.id, DEST, 'b', { reliable: true, reliableTimeoutMs: 1000 });
    expect(run(core, 0)).toEqual({ sends: [0], timeoutAt: 1000 });
  });

  it('matches responses by transaction ID and method and reports the RTT', () => {
    const rng = new SeededRng(7);
    const core = new StunTransactionCore<string>();
    const { id, data } = request(rng);
    core.start(100, data, id, DEST, 'ctx');
    core.pollTransmit();
    // Wrong class, wrong method, unknown ID: ignored.
    expect(core.handleResponse(150, new StunMessage(StunMethod.Binding, StunClass.Request, id))).toBeUndefined();
    expect(core.handleResponse(150, new StunMessage(StunMethod.Allocate, StunClass.SuccessResponse, id))).toBeUndefined();
    expect(
      core.handleResponse(150, new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, newTransactionId(rng))),
    ).toBeUndefined();
    const res = StunMessage.decode(new StunMessage(StunMethod.Binding, StunClass.ErrorResponse, id).setErrorCode(487).encode());
    expect(core.handleResponse(180, res)).toEqual({ ctx: 'ctx', destination: DEST, rttMs: 80, retransmitted: false });
    expect(core.pendingCount).toBe(0);
    expect(core.pollTimeout()).toBeUndefined();
    expect(core.handleResponse(190, res)).toBeUndefined();
  });

  it('flags retransmitted transactions and drops their queued sends once answered', () => {
    const core = new StunTransactionCore<string>();
    const { id, data } = request(new SeededRng(8));
    core.start(0, data, id, DEST, 'c');
    core.handleTimeout(500);
    const r = core.handleResponse(600, new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, id));
    expect(r?.retransmitted).toBe(true);
    expect(r?.rttMs).toBe(600);
    expect(core.pollTransmit()).toBeUndefined();
  });

  it('cancel and clear forget transactions without events', () => {
    const rng = new SeededRng(9);
    const core = new StunTransactionCore<string>();
    const a = request(rng);
    const b = request(rng);
    core.start(0, a.data, a.id, DEST, 'a');
    core.start(0, b.data, b.id, DEST, 'b');
    core.cancel(a.id);
    expect(core.pendingCount).toBe(1);
    expect(core.pollTransmit()?.transactionId.equals(b.id)).toBe(true);
    expect(core.pollTransmit()).toBeUndefined();
    core.clear();
    expect(core.pendingCount).toBe(0);
    expect(core.pollTimeout()).toBeUndefined();
    core.handleTimeout(100_000);
    expect(core.pollEvent()).toBeUndefined();
  });

  it('is bounded by maxPending and rejects duplicate IDs', () => {
    const rng = new SeededRng(10);
    const core = new StunTransactionCore<string>({ maxPending: 2 });
    const a = request(rng);
    core.start(0, a.data, a.id, DEST, 'a');
    expect(() => core.start(0, a.data, a.id, DEST, 'a')).toThrow(/duplicate/);
    const b = request(rng);
    core.start(0, b.data, b.id, DEST, 'b');
    const c = request(rng);
    expect(() => core.start(0, c.data, c.id, DEST, 'c')).toThrow(StunTransactionLimitError);
  });

  it('rejects bad configuration', () => {
    expect(() => new StunTransactionCore({ rtoMs: 0 })).toThrow();
    expect(() => new StunTransactionCore({ maxPending: -1 })).toThrow();
  });
});
