import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { IceAgent, type IceAgentConfig } from '../../../src/agent/index.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A host with two interfaces (eth0: v4 + v6, eth1: v4) on a plain (routed) LAN. */
async function gatherOn(config: IceAgentConfig): Promise<string[]> {
  const clock = new FakeClock();
  const vnet = new VirtualNetwork({ clock, rng: new SeededRng(1) });
  const lan = vnet.addRouter({ parent: vnet.wan, lanCidr: '10.1.0.0/16', lanCidr6: '2001:db8:1::/64', publicAddress: '198.51.100.9' });
  const host = vnet.addHost({
    router: lan,
    address: '10.1.0.10',
    extraAddresses: ['2001:db8:1::10', { address: '10.1.1.10', interfaceName: 'eth1' }],
  });
  const agent = new IceAgent({ net: host, clock, rng: new SeededRng(2), ...config });
  cleanup.push(() => agent.close(), () => vnet.close());
  let done = false;
  void agent.gather().then(() => (done = true));
  await clock.runUntil(() => done, 10_000, 10);
  return agent.getLocalCandidates().map((c) => `${c.type} ${c.address}`);
}

describe('IceAgent gathering filters (vnet)', () => {
  it('every non-loopback address by default, IPv6 first within an interface, interfaces in order', async () => {
    const cs = await gatherOn({});
    expect(cs.sort()).toEqual(['host 10.1.0.10', 'host 10.1.1.10', 'host 2001:db8:1::10']);
  });

  it('networkTypes, interfaceFilter, ipFilter and includeLoopback', async () => {
    expect(await gatherOn({ networkTypes: ['udp4'] })).not.toContain('host 2001:db8:1::10');
    expect((await gatherOn({ networkTypes: ['udp6'] })).sort()).toEqual(['host 2001:db8:1::10']);
    expect((await gatherOn({ interfaceFilter: (n) => n === 'eth1' })).sort()).toEqual(['host 10.1.1.10']);
    expect((await gatherOn({ ipFilter: (ip) => ip.startsWith('10.1.0.') })).sort()).toEqual(['host 10.1.0.10']);
    expect((await gatherOn({ includeLoopback: true, networkTypes: ['udp4'] })).sort()).toEqual([
      'host 10.1.0.10',
      'host 10.1.1.10',
      'host 127.0.0.1',
    ]);
    // A throwing filter excludes the address rather than breaking gathering.
    expect(await gatherOn({ interfaceFilter: () => { throw new Error('boom'); } })).toEqual([]);
  });

  it('local preferences rank interfaces and put IPv6 before IPv4', async () => {
    const clock = new FakeClock();
    const vnet = new VirtualNetwork({ clock, rng: new SeededRng(1) });
    const lan = vnet.addRouter({ parent: vnet.wan, lanCidr: '10.1.0.0/16', lanCidr6: '2001:db8:1::/64', publicAddress: '198.51.100.9' });
    const host = vnet.addHost({ router: lan, address: '10.1.0.10', extraAddresses: ['2001:db8:1::10', { address: '10.1.1.10', interfaceName: 'eth1' }] });
    const agent = new IceAgent({ net: host, clock, rng: new SeededRng(2) });
    cleanup.push(() => agent.close(), () => vnet.close());
    let done = false;
    void agent.gather().then(() => (done = true));
    await clock.runUntil(() => done, 10_000, 10);
    const prio = new Map(agent.getLocalCandidates().map((c) => [c.address, c.priority]));
    expect(prio.get('2001:db8:1::10')!).toBeGreaterThan(prio.get('10.1.0.10')!);
    expect(prio.get('10.1.0.10')!).toBeGreaterThan(prio.get('10.1.1.10')!);
    expect(new Set(prio.values()).size).toBe(3);
  });
});
