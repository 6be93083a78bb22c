import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { StunAttr, StunClass, StunMessage } from '../../../src/stun/index.js';
import { buildCheckRequest, iceKey } from '../../../src/agent/stun-checks.js';
import { SimAgent, SimNet, isStunRequest, signalAndStart } from './sim-harness.js';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 6000 };

describe('IceAgentCore simulation: properties', () => {
  it('any loss up to 30 %, any latency, any nomination mode: both sides connect and agree, state stays bounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.integer({ min: 0, max: 80 }),
        fc.constantFrom('regular' as const, 'aggressive' as const),
        (seed, loss, latency, nomination) => {
          const net = new SimNet(seed);
          net.lossRate = loss;
          net.latencyMs = latency;
          const a = net.add(new SimAgent('a', A, { seed, nomination }));
          const b = net.add(new SimAgent('b', B, { seed: seed + 1 }));
          signalAndStart(net, a, b);
          net.run(20_000);
          expect(a.state, `seed ${seed}`).toBe('connected');
          expect(b.state, `seed ${seed}`).toBe('connected');
          expect(a.core.getSelectedPair()!.priority).toBe(b.core.getSelectedPair()!.priority);
          net.lossRate = 0;
          net.run(120_000);
          expect(a.state).toBe('connected');
          expect(b.state).toBe('connected');
          // Outstanding transactions stay few on a long-lived connection.
          expect(a.core.txContexts.size).toBeLessThanOrEqual(8);
          expect(b.core.txContexts.size).toBeLessThanOrEqual(8);
        },
      ),
      { numRuns: 25, seed: 4242 },
    );
  });

  it('aggressive nomination: every check of the controlling side carries USE-CANDIDATE', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1, nomination: 'aggressive' }));
    const b = net.add(new SimAgent('b', B, { seed: 2 }));
    signalAndStart(net, a, b);
    net.run(100);
    const checks = a.sent.filter((s) => isStunRequest(s.data)).map((s) => StunMessage.decode(s.data));
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((m) => m.hasUseCandidate())).toBe(true);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
  });

  it('answers 420 to unknown comprehension-required attributes, 400 to a check without PRIORITY', () => {
    const net = new SimNet();
    const a = net.add(new SimAgent('a', A, { seed: 1 }));
    const key = iceKey(a.core.localCredentials.pwd);
    const base = (): StunMessage => {
      const m = new StunMessage(0x001, StunClass.Request, new SeededRng(5).bytes(12));
      m.setUsername(`${a.core.localCredentials.ufrag}:peer`);
      m.setIceControlled(1n);
      return m;
    };
    const withUnknown = base().setPriority(100).addAttr(0x7777, Buffer.from([1, 2, 3, 4]));
    net.inject(a, B, withUnknown.encode({ integrityKey: key, fingerprint: true }));
    const r1 = StunMessage.decode(a.sent.at(-1)!.data);
    expect(r1.messageClass).toBe(StunClass.ErrorResponse);
    expect(r1.getErrorCode()!.code).toBe(420);
    expect(r1.getUnknownAttributes()).toEqual([0x7777]);
    expect(r1.verifyIntegrity(key)).toBe(true);

    net.inject(a, B, base().encode({ integrityKey: key, fingerprint: true }));
    const r2 = StunMessage.decode(a.sent.at(-1)!.data);
    expect(r2.getErrorCode()!.code).toBe(400);
    expect(a.core.remotes.size).toBe(0);

    // A good check gets a success carrying the source as XOR-MAPPED-ADDRESS.
    const good = buildCheckRequest(new SeededRng(6), {
      localUfrag: 'peer',
      remoteUfrag: a.core.localCredentials.ufrag,
      remoteKey: key,
      priority: 100,
      role: 'controlled',
      tieBreaker: 1n,
      useCandidate: false,
    }).data;
    net.inject(a, B, good);
    const r3 = StunMessage.decode(a.sent.at(-1)!.data);
    expect(r3.messageClass).toBe(StunClass.SuccessResponse);
    expect(r3.getXorMappedAddress()).toEqual(B);
    expect(r3.hasAttr(StunAttr.Fingerprint)).toBe(true);
    expect(a.core.remotes.get('udp', B.address, B.port)!.type).toBe('prflx');
  });
});
