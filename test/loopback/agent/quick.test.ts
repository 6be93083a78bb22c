import { describe, expect, it } from 'vitest';
import { IceAgent } from '../../../src/agent/index.js';

describe('quick', () => {
  it('connects two agents on loopback', async () => {
    const cfg = { networkTypes: ['udp4' as const], includeLoopback: true, ipFilter: (ip: string) => ip === '127.0.0.1' };
    const a = new IceAgent(cfg);
    const b = new IceAgent(cfg);
    a.onCandidate((c) => b.addRemoteCandidate(c));
    b.onCandidate((c) => a.addRemoteCandidate(c));
    await Promise.all([a.gather(), b.gather()]);
    const [ca, cb] = await Promise.all([
      a.dial(b.localCredentials.ufrag, b.localCredentials.pwd),
      b.accept(a.localCredentials.ufrag, a.localCredentials.pwd),
    ]);
    const got: string[] = [];
    cb.onMessage((d) => got.push(d.toString()));
    ca.send(Buffer.from('hello'));
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['hello']);
    console.log(a.getStats().selectedPair?.local.toString(), b.drops.toJSON());
    a.close();
    b.close();
  });
});
