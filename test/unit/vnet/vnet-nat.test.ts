import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import { NAT_PRESETS, VirtualNetwork, type NatBehavior, type NatConfig } from '../../../src/vnet/index.js';
import { collect, reflected, reflector } from './vnet-helpers.js';

/**
 * The RFC 5780 §4.3 / §4.4 set-up: one client socket behind the NAT, servers
 * on two public IPs (and a second port on the first), mapped addresses compared.
 */
async function probe(nat: NatConfig) {
  const clock = new FakeClock();
  const net = new VirtualNetwork({ clock });
  const router = net.addRouter({ lanCidr: '192.168.0.0/24', publicAddress: '203.0.113.1', nat });
  const client = net.addHost({ router, address: '192.168.0.10' });
  const s1 = net.addHost({ router: net.wan, address: '198.51.100.1' });
  const s2 = net.addHost({ router: net.wan, address: '198.51.100.2' });
  const primary = await reflector(s1, 3478);
  const samePortOther = await reflector(s1, 3479);
  const otherIp = await reflector(s2, 3478);
  const sock = await client.bindUdp({ address: '192.168.0.10', port: 40000 });
  const got = collect(sock);
  const mappedVia = async (server: TransportAddress): Promise<TransportAddress | undefined> => {
    const before = got.length;
    sock.send(Buffer.from('binding'), server);
    await clock.advance(10);
    return reflected(got[before]);
  };
  return { clock, net, router, client, sock, got, primary, samePortOther, otherIp, mappedVia, s1, s2 };
}

const behaviours: NatBehavior[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

describe('vnet NAT mapping behaviour (RFC 4787 §4.1, tested as RFC 5780 §4.3)', () => {
  for (const mapping of behaviours) {
    it(`${mapping} mapping`, async () => {
      const t = await probe({ mapping, filtering: 'endpoint-independent' });
      const m1 = await t.mappedVia(t.primary.localAddress);
      const m2 = await t.mappedVia(t.otherIp.localAddress);
      const m3 = await t.mappedVia(t.samePortOther.localAddress);
      const again = await t.mappedVia(t.primary.localAddress);
      expect(m1?.address).toBe('203.0.113.1');
      expect(again).toEqual(m1); // a mapping is reused while it lives
      switch (mapping) {
        case 'endpoint-independent':
          expect(m2).toEqual(m1);
          expect(m3).toEqual(m1);
          break;
        case 'address-dependent':
          expect(m2).not.toEqual(m1);
          expect(m3).toEqual(m1); // same IP, other port
          break;
        case 'address-and-port-dependent':
          expect(m2).not.toEqual(m1);
          expect(m3).not.toEqual(m1);
          expect(m3).not.toEqual(m2);
          break;
      }
      t.net.close();
    });
  }

  it('preserves the internal port when asked and it is free', async () => {
    const t = await probe({ mapping: 'address-and-port-dependent', filtering: 'endpoint-independent', portPreservation: true });
    const m1 = await t.mappedVia(t.primary.localAddress);
    const m2 = await t.mappedVia(t.otherIp.localAddress);
    expect(m1).toEqual({ address: '203.0.113.1', port: 40000 });
    expect(m2?.port).not.toBe(40000); // taken by the first mapping
    t.net.close();
  });

  it('randomizes external ports when asked, deterministically for a seed', async () => {
    const ports = async (): Promise<number[]> => {
      const t = await probe({ mapping: 'address-and-port-dependent', filtering: 'endpoint-independent', portAllocation: 'random' });
      const out = [
        (await t.mappedVia(t.primary.localAddress))!.port,
        (await t.mappedVia(t.otherIp.localAddress))!.port,
        (await t.mappedVia(t.samePortOther.localAddress))!.port,
      ];
      t.net.close();
      return out;
    };
    const a = await ports();
    expect(await ports()).toEqual(a);
    expect(new Set(a).size).toBe(3);
    expect(a.some((p) => Math.abs(p - 49152) > 10)).toBe(true);
    for (const p of a) expect(p).toBeGreaterThanOrEqual(1024);
  });

  it('without port preservation allocates from the dynamic range', async () => {
    const t = await probe({ mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
    expect((await t.mappedVia(t.primary.localAddress))?.port).toBe(49152);
    t.net.close();
  });
});

describe('vnet NAT filtering behaviour (RFC 4787 §5, tested as RFC 5780 §4.4)', () => {
  for (const filtering of behaviours) {
    it(`${filtering} filtering blocks unsolicited inbound accordingly`, async () => {
      const t = await probe({ mapping: 'endpoint-independent', filtering });
      const mapped = (await t.mappedVia(t.primary.localAddress))!;
      const before = t.got.length;
      // "change IP and port" and "change port" from the servers' other sockets
      t.otherIp.send(Buffer.from('"from other ip"'), mapped);
      await t.clock.advance(10);
      const fromOtherIp = t.got.length > before;
      t.samePortOther.send(Buffer.from('"from other port"'), mapped);
      await t.clock.advance(10);
      const fromOtherPort = t.got.length > before + (fromOtherIp ? 1 : 0);
      // the endpoint the client talked to always gets through
      t.primary.send(Buffer.from('"from primary"'), mapped);
      await t.clock.advance(10);
      expect(t.got.at(-1)?.data.toString()).toBe('"from primary"');
      expect([fromOtherIp, fromOtherPort]).toEqual(
        filtering === 'endpoint-independent' ? [true, true] : filtering === 'address-dependent' ? [false, true] : [false, false],
      );
      if (filtering !== 'endpoint-independent') expect(t.net.stats.droppedByReason['nat-filtered']).toBeGreaterThan(0);
      t.net.close();
    });
  }

  it('drops inbound traffic with no mapping at all', async () => {
    const t = await probe({ mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
    t.primary.send(Buffer.from('x'), { address: '203.0.113.1', port: 40000 });
    await t.clock.advance(10);
    expect(t.got).toHaveLength(0);
    expect(t.net.stats.droppedByReason['nat-no-mapping']).toBe(1);
    t.net.close();
  });
});

describe('vnet NAT mapping lifetime (RFC 4787 §4.3)', () => {
  it('expires an idle mapping on the clock and refreshes it with outbound traffic', async () => {
    const t = await probe({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', mappingLifetimeMs: 30_000 });
    const mapped = (await t.mappedVia(t.primary.localAddress))!;
    expect(t.router.natMappingCount()).toBe(1);
    await t.clock.advance(20_000);
    await t.mappedVia(t.primary.localAddress); // refresh (outbound)
    await t.clock.advance(25_000); // 45 s after creation, 25 s after refresh
    const before = t.got.length;
    t.primary.send(Buffer.from('"still mapped"'), mapped);
    await t.clock.advance(10);
    expect(t.got.length).toBe(before + 1);
    // inbound traffic does not refresh a UDP mapping
    await t.clock.advance(30_000);
    expect(t.router.natMappingCount()).toBe(0);
    t.primary.send(Buffer.from('"too late"'), mapped);
    await t.clock.advance(10);
    expect(t.got.length).toBe(before + 1);
    expect(t.net.stats.droppedByReason['nat-no-mapping']).toBe(1);
    // a new mapping is made on the next outbound packet
    expect((await t.mappedVia(t.primary.localAddress))?.address).toBe('203.0.113.1');
    t.net.close();
  });
});

describe('vnet hairpinning (RFC 4787 §6) and nesting', () => {
  async function twoBehindOneNat(hairpinning: boolean) {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const router = net.addRouter({
      lanCidr: '10.1.0.0/16',
      publicAddress: '203.0.113.7',
      nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent', hairpinning },
    });
    const a = net.addHost({ router, address: '10.1.0.2' });
    const b = net.addHost({ router, address: '10.1.0.3' });
    const server = await reflector(net.addHost({ router: net.wan, address: '198.51.100.1' }), 3478);
    const sa = await a.bindUdp({ address: '10.1.0.2', port: 5000 });
    const sb = await b.bindUdp({ address: '10.1.0.3', port: 5000 });
    const ga = collect(sa);
    const gb = collect(sb);
    sa.send(Buffer.from('x'), server.localAddress);
    sb.send(Buffer.from('x'), server.localAddress);
    await clock.advance(10);
    return { clock, net, sa, sb, ga, gb, ma: reflected(ga[0])!, mb: reflected(gb[0])! };
  }

  it('loops traffic to the NAT own external address back inside, source translated', async () => {
    const t = await twoBehindOneNat(true);
    expect(t.ma.port).not.toBe(t.mb.port);
    t.sa.send(Buffer.from('hairpin'), t.mb);
    await t.clock.advance(10);
    expect(t.gb.at(-1)?.data.toString()).toBe('hairpin');
    expect(t.gb.at(-1)?.from).toEqual(t.ma); // RFC 4787 REQ-9: external source address
    t.net.close();
  });

  it('drops it when hairpinning is off', async () => {
    const t = await twoBehindOneNat(false);
    t.sa.send(Buffer.from('hairpin'), t.mb);
    await t.clock.advance(10);
    expect(t.gb).toHaveLength(1);
    expect(t.net.stats.droppedByReason['nat-no-hairpin']).toBe(1);
    t.net.close();
  });

  it('supports NAT behind NAT (carrier-grade NAT) and LAN-local delivery behind it', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const eim = { mapping: 'endpoint-independent', filtering: 'endpoint-independent' } as const;
    const cgn = net.addRouter({ lanCidr: '100.64.0.0/10', publicAddress: '203.0.113.50', nat: eim, name: 'cgn' });
    const home = net.addRouter({ parent: cgn, lanCidr: '192.168.1.0/24', publicAddress: '100.64.0.7', nat: eim, name: 'home' });
    const h = net.addHost({ router: home, address: '192.168.1.20' });
    const peer = net.addHost({ router: home, address: '192.168.1.21' });
    const server = await reflector(net.addHost({ router: net.wan, address: '198.51.100.1' }), 3478);
    const s = await h.bindUdp({ address: '192.168.1.20', port: 6000 });
    const got = collect(s);
    s.send(Buffer.from('x'), server.localAddress);
    await clock.advance(10);
    expect(reflected(got[0])?.address).toBe('203.0.113.50');
    expect(home.natMappingCount()).toBe(1);
    expect(cgn.natMappingCount()).toBe(1);
    const ps = await peer.bindUdp({ address: '192.168.1.21', port: 6000 });
    const pg = collect(ps);
    s.send(Buffer.from('local'), ps.localAddress);
    await clock.advance(1);
    expect(pg[0]?.from).toEqual({ address: '192.168.1.20', port: 6000 });
    expect(home.natMappingCount()).toBe(1); // LAN traffic never touches the NAT
    net.close();
  });

  it('routes to a plain (non-NAT) router LAN from the WAN', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const dc = net.addRouter({ lanCidr: '198.18.0.0/24', publicAddress: '203.0.113.60' });
    const h = net.addHost({ router: dc, address: '198.18.0.5' });
    const s = await h.bindUdp({ address: '198.18.0.5', port: 7000 });
    const got = collect(s);
    const outside = await net.addHost({ router: net.wan, address: '198.51.100.1' }).bindUdp({ address: '198.51.100.1', port: 1 });
    outside.send(Buffer.from('in'), s.localAddress);
    await clock.advance(1);
    expect(got[0]?.from).toEqual({ address: '198.51.100.1', port: 1 });
    net.close();
  });

  it('forwards ports and models a 1:1 NAT with a DMZ host', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const router = net.addRouter({
      lanCidr: '172.31.0.0/16',
      publicAddress: '203.0.113.80',
      nat: {
        mapping: 'endpoint-independent',
        filtering: 'endpoint-independent',
        portPreservation: true,
        dmz: '172.31.5.5',
        portForwards: [{ externalPort: 8443, internalAddress: '172.31.9.9', internalPort: 443, protocol: 'udp' }],
      },
    });
    const vm = net.addHost({ router, address: '172.31.5.5' });
    const fwd = net.addHost({ router, address: '172.31.9.9' });
    const outside = await net.addHost({ router: net.wan, address: '198.51.100.1' }).bindUdp({ address: '198.51.100.1', port: 1 });
    const og = collect(outside);
    const vs = await vm.bindUdp({ address: '172.31.5.5', port: 40000 });
    const vg = collect(vs);
    const fs = await fwd.bindUdp({ address: '172.31.9.9', port: 443 });
    const fg = collect(fs);
    fs.onMessage((d, from) => {
      fg.push({ data: d, from });
      fs.send(Buffer.from('pong'), from);
    });
    outside.send(Buffer.from('to dmz'), { address: '203.0.113.80', port: 40000 });
    outside.send(Buffer.from('to fwd'), { address: '203.0.113.80', port: 8443 });
    await clock.advance(5);
    expect(vg.map((g) => g.data.toString())).toEqual(['to dmz']);
    expect(fg.map((g) => g.data.toString())).toEqual(['to fwd']);
    expect(og[0]?.from).toEqual({ address: '203.0.113.80', port: 8443 }); // replies leave through the forward
    net.close();
  });
});

describe('NAT presets', () => {
  it('name the RFC 4787 behaviour pairs and can be passed as they are', async () => {
    expect(NAT_PRESETS.portRestrictedCone).toEqual({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' });
    const t = await probe(NAT_PRESETS.symmetric);
    const m1 = await t.mappedVia(t.primary.localAddress);
    const m2 = await t.mappedVia(t.samePortOther.localAddress);
    expect(m1).not.toEqual(m2);
    t.net.close();
  });
});
