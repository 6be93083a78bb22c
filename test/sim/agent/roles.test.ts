import { describe, expect, it } from 'vitest';
import { StunClass, StunMessage } from '../../../src/stun/index.js';
import { SimAgent, SimNet, isStunRequest, signalAndStart } from './sim-harness.js';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 6000 };

function errorCodes(a: SimAgent): number[] {
  return a.sent.flatMap((s) => {
    if (s.data[0] !== 0x01 || s.data[1] !== 0x11) return [];
    const m = StunMessage.decode(s.data);
    return m.messageClass === StunClass.ErrorResponse ? [m.getErrorCode()!.code] : [];
  });
}

describe('IceAgentCore simulation: roles', () => {
  it('both controlling: the lower tie-breaker yields after a 487 and both connect', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1, tieBreaker: 10n }));
    const b = net.add(new SimAgent('b', B, { seed: 2, tieBreaker: 20n }));
    signalAndStart(net, a, b, { aRole: 'controlling', bRole: 'controlling' });
    net.run(2000);
    expect(a.core.role).toBe('controlled');
    expect(b.core.role).toBe('controlling');
    expect(errorCodes(b)).toContain(487);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
    expect(a.core.getSelectedPair()!.priority).toBe(b.core.getSelectedPair()!.priority);
  });

  it('both controlled: the higher tie-breaker takes control', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1, tieBreaker: 10n }));
    const b = net.add(new SimAgent('b', B, { seed: 2, tieBreaker: 20n }));
    signalAndStart(net, a, b, { aRole: 'controlled', bRole: 'controlled' });
    net.run(2000);
    expect(b.core.role).toBe('controlling');
    expect(a.core.role).toBe('controlled');
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
  });

  it('ICE-lite answers checks, never sends any, and selects on USE-CANDIDATE', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1, remoteLite: true }));
    const b = net.add(new SimAgent('b', B, { seed: 2, lite: true }));
    signalAndStart(net, a, b);
    net.run(60_000);
    expect(b.countSent(isStunRequest)).toBe(0);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
    expect(b.core.role).toBe('controlled');
    expect(b.core.getSelectedPair()!.remote.port).toBe(A.port);
  });

  it('learning late that the peer is lite: controlling, longer liveness defaults unless set', async () => {
    const { resolveCoreConfig } = await import('../../../src/agent/index.js');
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1, failedTimeoutMs: 40_000 }));
    expect(a.core.role).toBe('controlled');
    a.core.setRemoteLite(resolveCoreConfig({ remoteLite: true, failedTimeoutMs: 40_000 }));
    expect(a.core.role).toBe('controlling');
    expect(a.core.config.disconnectedTimeoutMs).toBe(15_000);
    expect(a.core.config.failedTimeoutMs).toBe(40_000);
    expect(() => a.core.setRole('controlled')).toThrowError(/lite/);
  });

  it('a lite agent refuses the controlling role', () => {
    const net = new SimNet();
    const b = net.add(new SimAgent('b', B, { seed: 2, lite: true }));
    expect(() => b.core.setRole('controlling')).toThrowError(/lite/);
  });
});
