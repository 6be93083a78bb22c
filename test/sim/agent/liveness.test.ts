import { describe, expect, it } from 'vitest';
import { SimAgent, SimNet, isStunIndication, isStunRequest, isStunSuccess, selectedAt, signalAndStart, stateEvents } from './sim-harness.js';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 6000 };

function connected(opts: { a?: object; b?: object } = {}): { net: SimNet; a: SimAgent; b: SimAgent; t0: number } {
  const net = new SimNet();
  const a = net.add(new SimAgent('a', A, { seed: 1, ...opts.a }));
  const b = net.add(new SimAgent('b', B, { seed: 2, ...opts.b }));
  signalAndStart(net, a, b);
  net.run(500);
  expect(a.state).toBe('connected');
  return { net, a, b, t0: selectedAt(a)! };
}

describe('IceAgentCore simulation: consent and liveness', () => {
  it('consent requests every 4–6 s, counted from the previous request (RFC 7675 §5.1)', () => {
    const { net, a, t0 } = connected({ a: { keepaliveIntervalMs: 0 } });
    const before = a.sent.length;
    net.run(120_000);
    const times = a.sent.slice(before).filter((s) => isStunRequest(s.data)).map((s) => s.at);
    expect(times.length).toBeGreaterThanOrEqual(Math.floor(120_000 / 6000));
    expect(times.length).toBeLessThanOrEqual(Math.ceil(120_000 / 4000));
    let prev = t0;
    for (const t of times) {
      expect(t - prev).toBeGreaterThanOrEqual(4000);
      expect(t - prev).toBeLessThanOrEqual(6000);
      prev = t;
    }
    expect(a.state).toBe('connected');
  });

  it('consent is lost exactly 30 s after the last authenticated response, even while other traffic arrives', () => {
    const { net, a, b } = connected({ a: { disconnectedTimeoutMs: 0, failedTimeoutMs: 0 } });
    // From now on b answers nothing (its responses are dropped) but keeps sending data and keepalives.
    net.filter = (from, _to, data) => !(from === b && isStunSuccess(data));
    const cut = net.now;
    const lastResponse = a.core.consent.lastResponseMs;
    expect(lastResponse).toBeLessThanOrEqual(cut);
    for (let t = 0; t < 40_000; t += 1000) {
      net.inject(a, B, Buffer.from([0x80, 0, 0, 1]));
      net.run(1000);
    }
    const failed = stateEvents(a).find((s) => s.state === 'failed');
    expect(failed?.at).toBe(lastResponse + 30_000);
    // Data kept arriving and did not renew consent.
    expect(a.data.length).toBeGreaterThan(25);
    // RFC 7675 §5.1: after expiry nothing more is sent (no retransmissions, no keepalives).
    const own = (d: Buffer): boolean => isStunRequest(d) || isStunIndication(d);
    const sentAtFailure = a.sent.filter((s) => s.at <= failed!.at && own(s.data)).length;
    net.run(60_000);
    expect(a.sent.filter((s) => own(s.data)).length).toBe(sentAtFailure);
  });

  it('a consent request is retransmitted with RFC 8489 timing (RTO 500 ms doubling)', () => {
    const { net, a, b } = connected({ a: { keepaliveIntervalMs: 0 } });
    net.filter = (from) => from !== b;
    const cut = net.now;
    net.run(12_000);
    const times = a.sent.filter((s) => s.at > cut && isStunRequest(s.data)).map((s) => s.at);
    const first = times[0]!;
    // The first consent request and its retransmissions at +500, +1500, +3500 ms (a later request may interleave).
    for (const d of [500, 1500, 3500]) expect(times).toContain(first + d);
  });

  it('keepalives: a Binding request on the selected pair when a direction was quiet for keepaliveIntervalMs', () => {
    const { net, a, b } = connected({ a: { keepaliveIntervalMs: 2000 }, b: { keepaliveIntervalMs: 0 } });
    const before = a.sent.length;
    // b sends nothing of its own (keepalives off; its consent checks are answered by a).
    net.run(20_000);
    const requests = a.sent.slice(before).filter((s) => isStunRequest(s.data)).map((s) => s.at);
    // A request (keepalive or consent) at least every 2 s, never two within 2 s but for a consent check.
    expect(requests.length).toBeGreaterThanOrEqual(9);
    expect(requests.length).toBeLessThanOrEqual(15);
    for (let i = 1; i < requests.length; i++) expect(requests[i]! - requests[i - 1]!).toBeLessThanOrEqual(2000);
    expect(a.countSent(isStunIndication)).toBe(0);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
  });

  it('an ICE-lite agent keeps NAT bindings open with indications only', () => {
    const { net, b } = connected({ a: { remoteLite: true, keepaliveIntervalMs: 0 }, b: { lite: true, keepaliveIntervalMs: 2000 } });
    net.run(20_000);
    expect(b.countSent(isStunRequest)).toBe(0);
    expect(b.countSent(isStunIndication)).toBeGreaterThanOrEqual(1);
  });

  it('silent peer: disconnected after disconnectedTimeoutMs, back to connected when traffic resumes', () => {
    const { net, a, b } = connected({ a: { disconnectedTimeoutMs: 5000, failedTimeoutMs: 25_000 } });
    net.filter = (from) => from !== b;
    const cut = net.now;
    net.run(7000);
    expect(a.state).toBe('disconnected');
    const disc = stateEvents(a).find((s) => s.state === 'disconnected')!;
    expect(disc.at - cut).toBeGreaterThan(4000);
    expect(disc.at - cut).toBeLessThanOrEqual(5100);
    net.filter = () => true;
    net.run(6000);
    expect(a.state).toBe('connected');
  });

  it('silent peer: failed after disconnectedTimeoutMs + failedTimeoutMs', () => {
    const { net, a, b } = connected({ a: { disconnectedTimeoutMs: 5000, failedTimeoutMs: 10_000 } });
    net.filter = (from) => from !== b;
    net.run(20_000);
    const states = stateEvents(a).map((s) => s.state);
    expect(states.slice(-2)).toEqual(['disconnected', 'failed']);
    const failedAt = stateEvents(a).at(-1)!.at;
    expect(failedAt - a.core.lastInboundMs).toBeGreaterThan(15_000);
    expect(failedAt - a.core.lastInboundMs).toBeLessThanOrEqual(15_001);
  });

  it('lite liveness defaults are longer, so a full agent does not flap against a quiet lite peer', () => {
    const { net, a, b } = connected({ a: { remoteLite: true }, b: { lite: true } });
    expect(a.core.config.disconnectedTimeoutMs).toBeGreaterThan(6000);
    // The lite peer sends nothing of its own; only consent responses reach a.
    net.filter = (from, _to, data) => from !== b || isStunSuccess(data);
    net.run(120_000);
    expect(stateEvents(a).map((s) => s.state)).toEqual(['checking', 'connected']);
    expect(b.countSent(isStunRequest)).toBe(0);
  });
});
