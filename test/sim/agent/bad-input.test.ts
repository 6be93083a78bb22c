import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../../../src/common/rng.js';
import { StunDecodeError } from '../../../src/stun/index.js';
import { buildCheckRequest, iceKey } from '../../../src/agent/stun-checks.js';
import { SimAgent, SimNet, signalAndStart } from './sim-harness.js';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 6000 };

function connected(config: object = {}): { net: SimNet; a: SimAgent; b: SimAgent } {
  const net = new SimNet();
  const a = net.add(new SimAgent('a', A, { seed: 1, ...config }));
  const b = net.add(new SimAgent('b', B, { seed: 2 }));
  signalAndStart(net, a, b);
  net.run(500);
  expect(a.state).toBe('connected');
  return { net, a, b };
}

/** A check as b would send it to a, with overridable credentials. */
function check(a: SimAgent, opts: { ufrag?: string; pwd?: string; useCandidate?: boolean } = {}, seed = 9): Buffer {
  return buildCheckRequest(new SeededRng(seed), {
    localUfrag: 'peerufrag',
    remoteUfrag: opts.ufrag ?? a.core.localCredentials.ufrag,
    remoteKey: iceKey(opts.pwd ?? a.core.localCredentials.pwd),
    priority: 1_000_000,
    role: 'controlled',
    tieBreaker: 1n,
    useCandidate: opts.useCandidate ?? false,
  }).data;
}

describe('IceAgentCore: bad input is dropped and counted', () => {
  it('bad integrity, bad fingerprint, unknown ufrag, truncated, oversized', () => {
    const { net, a } = connected();
    const evil = { address: '10.9.9.9', port: 4444 };
    const sentBefore = a.sent.length;
    const remotesBefore = a.core.remotes.size;

    net.inject(a, evil, check(a, { pwd: 'x'.repeat(22) }));
    expect(a.core.drops.count('stun-bad-integrity')).toBe(1);

    const badFp = Buffer.from(check(a));
    badFp[badFp.length - 1]! ^= 0xff;
    net.inject(a, evil, badFp);
    expect(a.core.drops.count('stun-bad-fingerprint')).toBe(1);

    net.inject(a, evil, check(a, { ufrag: 'nobody' }));
    expect(a.core.drops.count('stun-unknown-ufrag')).toBe(1);

    net.inject(a, evil, check(a).subarray(0, 30));
    expect(a.core.drops.count('stun-malformed')).toBe(1);

    const big = Buffer.alloc(4000);
    big.writeUInt16BE(0x0001, 0);
    big.writeUInt16BE(4000 - 20, 2);
    big.writeUInt32BE(0x2112a442, 4);
    net.inject(a, evil, big);
    expect(a.core.drops.count('stun-oversized')).toBe(1);

    // Nothing was answered and nothing changed.
    expect(a.sent.length).toBe(sentBefore);
    expect(a.core.remotes.size).toBe(remotesBefore);
    expect(a.state).toBe('connected');
  });

  it('random datagrams only ever raise StunDecodeError', () => {
    const { net, a } = connected();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (bytes, stunish) => {
        const d = Buffer.from(bytes);
        if (stunish && d.length >= 20) {
          d[0] = 0;
          d[1] = 1;
          d.writeUInt16BE((d.length - 20) & ~3, 2);
          d.writeUInt32BE(0x2112a442, 4);
        }
        try {
          net.inject(a, { address: '10.9.9.9', port: 1 }, d);
        } catch (err) {
          expect(err).toBeInstanceOf(StunDecodeError);
        }
      }),
      { numRuns: 500, seed: 42 },
    );
    expect(a.state).toBe('connected');
  });

  it('authenticated checks from 10,000 source ports: memory stays bounded, the agent stays connected', () => {
    const { net, a, b } = connected({ maxRemoteCandidates: 64 });
    const selected = a.core.getSelectedPair()!.id;
    for (let i = 0; i < 10_000; i++) {
      net.inject(a, { address: '10.66.0.1', port: 10_000 + i }, check(a, {}, i + 1));
      if (i % 500 === 0) net.run(5);
    }
    expect(a.core.remotes.size).toBeLessThanOrEqual(64);
    expect(a.core.checklist.size).toBeLessThanOrEqual(64);
    expect(a.core.txContexts.size).toBeLessThanOrEqual(1024);
    net.run(30_000);
    expect(a.state).toBe('connected');
    expect(a.core.getSelectedPair()!.id).toBe(selected);
    expect(b.state).toBe('connected');
  });
});
