import { describe, expect, it } from 'vitest';
import { SimAgent, SimNet, isStunRequest, isStunSuccess, selectedAt, signalAndStart, stateEvents } from './sim-harness.js';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 6000 };

describe('IceAgentCore simulation: connecting', () => {
  it('direct host pair: both select the same pair without artificial waits', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1 }));
    const b = net.add(new SimAgent('b', B, { seed: 2 }));
    signalAndStart(net, a, b);
    net.run(1000);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
    // Check, response, triggered check, nomination: a few one-way latencies (5 ms each).
    expect(selectedAt(a)).toBeLessThanOrEqual(20);
    expect(selectedAt(b)).toBeLessThanOrEqual(20);
    const pa = a.core.getSelectedPair()!;
    const pb = b.core.getSelectedPair()!;
    expect(pa.remote.port).toBe(B.port);
    expect(pb.remote.port).toBe(A.port);
    expect(pa.nominated && pb.nominated).toBe(true);
    expect(stateEvents(a).map((s) => s.state)).toEqual(['checking', 'connected']);
  });

  it('exact message counts for a direct connection: 2 checks from the controlling side, 1 from the controlled', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1 }));
    const b = net.add(new SimAgent('b', B, { seed: 2 }));
    signalAndStart(net, a, b);
    net.run(100);
    // a: ordinary check, then the nomination (USE-CANDIDATE); b: one triggered check.
    expect(a.countSent(isStunRequest)).toBe(2);
    expect(b.countSent(isStunRequest)).toBe(1);
    expect(a.countSent(isStunSuccess)).toBe(1);
    expect(b.countSent(isStunSuccess)).toBe(2);
    expect(a.core.txContexts.size + b.core.txContexts.size).toBe(0);
  });

  it('connects under 10% loss', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const net = new SimNet(seed);
      net.lossRate = 0.1;
      const a = net.add(new SimAgent('a', A, { seed }));
      const b = net.add(new SimAgent('b', B, { seed: seed + 100 }));
      signalAndStart(net, a, b);
      net.run(10_000);
      expect(a.state, `seed ${seed}`).toBe('connected');
      expect(b.state, `seed ${seed}`).toBe('connected');
    }
  });

  it('fails after failedTimeoutMs when nothing gets through', () => {
    const net = new SimNet();
    net.filter = () => false;
    const a = net.add(new SimAgent('a', A, { seed: 1, failedTimeoutMs: 25_000 }));
    const b = net.add(new SimAgent('b', B, { seed: 2, failedTimeoutMs: 25_000 }));
    signalAndStart(net, a, b);
    net.run(24_999);
    expect(a.state).toBe('checking');
    net.run(2);
    expect(a.state).toBe('failed');
    expect(stateEvents(a).at(-1)).toEqual({ at: 25_000, state: 'failed' });
  });

  it('a check is sent at most maxBindingRequests times', () => {
    const net = new SimNet();
    net.filter = () => false;
    const a = net.add(new SimAgent('a', A, { seed: 1, maxBindingRequests: 4, failedTimeoutMs: 0 }));
    const b = net.add(new SimAgent('b', B, { seed: 2 }));
    signalAndStart(net, a, b);
    net.run(60_000);
    expect(a.countSent(isStunRequest)).toBe(4);
    expect(a.core.pairs()[0]!.state).toBe('failed');
  });

  it('fails at once when every pair failed and both sides have all candidates', () => {
    const net = new SimNet();
    net.filter = () => false;
    const a = net.add(new SimAgent('a', A, { seed: 1, maxBindingRequests: 2 }));
    const b = net.add(new SimAgent('b', B, { seed: 2, maxBindingRequests: 2 }));
    signalAndStart(net, a, b);
    a.core.addRemoteCandidate(net.now, null);
    net.run(20_000);
    expect(a.state).toBe('failed');
    expect(stateEvents(a).at(-1)!.at).toBeLessThan(20_000);
  });

  it('paces ordinary checks one per checkIntervalMs', () => {
    const net = new SimNet();
    net.filter = () => false;
    const a = net.add(new SimAgent('a', A, { seed: 1, checkIntervalMs: 100, failedTimeoutMs: 0 }));
    const b = net.add(new SimAgent('b', B, { seed: 2 }));
    signalAndStart(net, a, b);
    for (let i = 1; i <= 4; i++) a.core.addRemoteCandidate(net.now, b.host.with({ port: 7000 + i, foundation: `f${i}` }));
    net.run(450);
    // 5 pairs: the first check at 0; the trickled pairs wait only Ta (RFC 8445 §14.2, 50 ms) for
    // the first of them, then one fresh check every checkIntervalMs (retransmissions come later).
    const firstSends = new Map<string, number>();
    for (const s of a.sent) if (isStunRequest(s.data) && !firstSends.has(String(s.to.port))) firstSends.set(String(s.to.port), s.at);
    expect([...firstSends.values()]).toEqual([0, 50, 150, 250, 350]);
  });
});
