import { describe, expect, it } from 'vitest';
import { IceAgent, type IceConnection } from '../../../src/agent/index.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

describe('ICE-TCP between two tern agents on the virtual network', () => {
  it('connects over TCP only (active → passive), data both ways, close releases connections', async () => {
    const clock = new FakeClock();
    const vnet = new VirtualNetwork({ clock, rng: new SeededRng(5) });
    const ha = vnet.addHost({ router: vnet.wan, address: '198.51.100.1' });
    const hb = vnet.addHost({ router: vnet.wan, address: '198.51.100.2' });
    const a = new IceAgent({ clock, rng: new SeededRng(1), net: ha, networkTypes: ['tcp4'], portMin: 50000, portMax: 50010 });
    const b = new IceAgent({ clock, rng: new SeededRng(2), net: hb, networkTypes: ['tcp4'] });
    a.onCandidate((c) => b.addRemoteCandidate(c));
    b.onCandidate((c) => a.addRemoteCandidate(c));
    let conns: [IceConnection, IceConnection] | undefined;
    void Promise.all([a.dial(b.localCredentials.ufrag, b.localCredentials.pwd), b.accept(a.localCredentials.ufrag, a.localCredentials.pwd)]).then((x) => (conns = x));
    expect(await clock.runUntil(() => conns !== undefined, 10_000)).toBe(true);
    const [ca, cb] = conns!;
    expect(ca.localCandidate.transport).toBe('tcp');
    expect([ca.localCandidate.tcpType, cb.localCandidate.tcpType].sort()).toEqual(['active', 'passive']);
    const passive = [...a.getLocalCandidates(), ...b.getLocalCandidates()].filter((c) => c.tcpType === 'passive' && c.address === '198.51.100.1');
    expect(passive[0]!.port).toBeGreaterThanOrEqual(50000);
    expect(passive[0]!.port).toBeLessThanOrEqual(50010);
    const gotA: number[] = [];
    const gotB: number[] = [];
    ca.onMessage((d) => gotA.push(d.length));
    cb.onMessage((d) => gotB.push(d.length));
    for (let i = 0; i < 20; i++) {
      ca.send(Buffer.alloc(1000 + i, 0x80));
      cb.send(Buffer.alloc(10 + i, 0x80));
    }
    expect(await clock.runUntil(() => gotA.length === 20 && gotB.length === 20, 2000)).toBe(true);
    expect(gotB).toEqual(Array.from({ length: 20 }, (_, i) => 1000 + i));
    // Stays connected through keepalives/consent over the stream.
    await clock.advance(40_000);
    expect(a.state === 'connected' || a.state === 'completed').toBe(true);
    a.close();
    b.close();
    vnet.close();
  });
});
