import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { VirtualNetwork, type VirtualPacketEvent } from '../../../src/vnet/index.js';
import { collect } from './vnet-helpers.js';

describe('vnet IPv6 stateful firewall (RFC 6092)', () => {
  async function setup(filtering: 'endpoint-independent' | 'address-and-port-dependent') {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const home = net.addRouter({
      lanCidr: '192.168.1.0/24',
      lanCidr6: '2001:db8:1::/64',
      publicAddress: '203.0.113.1',
      nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
      firewall6: { filtering, lifetimeMs: 60_000 },
    });
    const inside = net.addHost({ router: home, address: '192.168.1.2', extraAddresses: ['2001:db8:1::2'] });
    const s = await inside.bindUdp({ address: '2001:db8:1::2', port: 5000 });
    const got = collect(s);
    const o1 = await net.addHost({ router: net.wan, address: '2001:db8:ff::1' }).bindUdp({ address: '2001:db8:ff::1', port: 1 });
    const o2 = await net.addHost({ router: net.wan, address: '2001:db8:ff::2' }).bindUdp({ address: '2001:db8:ff::2', port: 1 });
    return { clock, net, s, got, o1, o2 };
  }

  it('blocks unsolicited inbound IPv6 and lets replies through, per filtering', async () => {
    const t = await setup('address-and-port-dependent');
    t.o1.send(Buffer.from('unsolicited'), t.s.localAddress);
    await t.clock.advance(1);
    expect(t.got).toHaveLength(0);
    expect(t.net.stats.droppedByReason['firewall-filtered']).toBe(1);
    t.s.send(Buffer.from('out'), t.o1.localAddress);
    await t.clock.advance(1);
    t.o1.send(Buffer.from('reply'), t.s.localAddress);
    t.o2.send(Buffer.from('other'), t.s.localAddress);
    await t.clock.advance(1);
    expect(t.got.map((g) => g.data.toString())).toEqual(['reply']);
    expect(t.got[0]!.from).toEqual(t.o1.localAddress); // no translation for IPv6
    await t.clock.advance(61_000);
    t.o1.send(Buffer.from('expired'), t.s.localAddress);
    await t.clock.advance(1);
    expect(t.got).toHaveLength(1);
    t.net.close();
  });

  it('endpoint-independent filtering opens the endpoint to everyone once it sent', async () => {
    const t = await setup('endpoint-independent');
    t.s.send(Buffer.from('out'), t.o1.localAddress);
    await t.clock.advance(1);
    t.o2.send(Buffer.from('other'), t.s.localAddress);
    await t.clock.advance(1);
    expect(t.got.map((g) => g.data.toString())).toEqual(['other']);
    t.net.close();
  });
});

describe('vnet packet tap', () => {
  it('reports sent, delivered and dropped packets with addresses at each point', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const r = net.addRouter({ lanCidr: '10.0.0.0/24', publicAddress: '203.0.113.5', nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' } });
    const a = await net.addHost({ router: r, address: '10.0.0.2' }).bindUdp({ address: '10.0.0.2', port: 1000 });
    const b = await net.addHost({ router: net.wan, address: '198.51.100.1' }).bindUdp({ address: '198.51.100.1', port: 2000 });
    b.onMessage(() => undefined);
    const events: VirtualPacketEvent[] = [];
    const untap = net.tap((e) => events.push(e));
    a.send(Buffer.from('hello'), b.localAddress);
    b.send(Buffer.from('x'), { address: '203.0.113.5', port: 1 });
    await clock.advance(1);
    untap();
    a.send(Buffer.from('unseen'), b.localAddress);
    await clock.advance(1);
    expect(events.map((e) => [e.type, `${e.src.address}:${e.src.port}`, `${e.dst.address}:${e.dst.port}`, e.reason ?? ''])).toEqual([
      ['sent', '10.0.0.2:1000', '198.51.100.1:2000', ''],
      ['sent', '198.51.100.1:2000', '203.0.113.5:1', ''],
      ['dropped', '198.51.100.1:2000', '203.0.113.5:1', 'nat-no-mapping'],
      ['delivered', '203.0.113.5:49152', '198.51.100.1:2000', ''],
    ]);
    expect(events[0]!.size).toBe(5);
    net.close();
  });
});

describe('vnet router filters', () => {
  it('blocks UDP on a network while TCP still gets out, and can be removed', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const corp = net.addRouter({ lanCidr: '10.9.0.0/16', publicAddress: '203.0.113.9', nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' } });
    const seen: string[] = [];
    const remove = corp.addFilter((p) => {
      seen.push(`${p.direction} ${p.protocol} ${p.src.address}`);
      return p.protocol !== 'udp';
    });
    const inside = net.addHost({ router: corp, address: '10.9.0.2' });
    const server = net.addHost({ router: net.wan, address: '198.51.100.1' });
    const u = await server.bindUdp({ address: '198.51.100.1', port: 3478 });
    const got = collect(u);
    const l = await server.listenTcp({ address: '198.51.100.1', port: 443 });
    l.onConnection(() => undefined);
    const s = await inside.bindUdp({ address: '10.9.0.2', port: 0 });
    s.send(Buffer.from('udp'), u.localAddress);
    const dial = inside.dialTcp({ address: '198.51.100.1', port: 443 });
    await clock.advance(5);
    await expect(dial).resolves.toBeDefined();
    expect(got).toHaveLength(0);
    expect(net.stats.droppedByReason['router-filter']).toBe(1);
    expect(seen).toEqual(['outbound udp 203.0.113.9', 'outbound tcp 203.0.113.9', 'inbound tcp 198.51.100.1']);
    remove();
    s.send(Buffer.from('udp'), u.localAddress);
    await clock.advance(5);
    expect(got).toHaveLength(1);
    expect(() => net.wan.addFilter(() => true)).toThrow();
    net.close();
  });
});
