import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { setLogLevel } from '../../../src/common/log.js';
import { NetError } from '../../../src/transport/net.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';
import { collect } from './vnet-helpers.js';

function lan() {
  const clock = new FakeClock();
  const net = new VirtualNetwork({ clock });
  const router = net.addRouter({ lanCidr: '192.168.1.0/24', publicAddress: '203.0.113.1', nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' } });
  const a = net.addHost({ router, address: '192.168.1.2', name: 'a' });
  const b = net.addHost({ router, address: '192.168.1.3', name: 'b' });
  return { clock, net, router, a, b };
}

describe('vnet UDP', () => {
  it('delivers on the LAN, asynchronously, with the sender address', async () => {
    const { clock, net, a, b } = lan();
    const sa = await a.bindUdp({ address: '192.168.1.2', port: 5000 });
    const sb = await b.bindUdp({ address: '192.168.1.3', port: 6000 });
    const got = collect(sb);
    sa.send(Buffer.from('hi'), { address: '192.168.1.3', port: 6000 });
    expect(got).toHaveLength(0); // never inside send()
    await clock.advance(0);
    expect(got.map((g) => [g.data.toString(), g.from])).toEqual([['hi', { address: '192.168.1.2', port: 5000 }]]);
    expect(net.stats.delivered).toBe(1);
    expect(net.stats.sent).toBe(1);
    net.close();
  });

  it('copies the payload at send time', async () => {
    const { clock, net, a, b } = lan();
    const sa = await a.bindUdp({ address: '192.168.1.2', port: 0 });
    const sb = await b.bindUdp({ address: '192.168.1.3', port: 6000 });
    const got = collect(sb);
    const buf = Buffer.from('abc');
    sa.send(buf, sb.localAddress);
    buf.fill(0);
    await clock.advance(1);
    expect(got[0]!.data.toString()).toBe('abc');
    net.close();
  });

  it('supports loopback within a host and wildcard binds', async () => {
    const { clock, net, a } = lan();
    const s1 = await a.bindUdp({ address: '127.0.0.1', port: 7000 });
    const s2 = await a.bindUdp({ address: '0.0.0.0', port: 7001 });
    const got1 = collect(s1);
    const got2 = collect(s2);
    s2.send(Buffer.from('x'), { address: '127.0.0.1', port: 7000 });
    s1.send(Buffer.from('y'), { address: '192.168.1.2', port: 7001 });
    await clock.advance(1);
    expect(got1[0]!.from).toEqual({ address: '127.0.0.1', port: 7001 });
    expect(got2[0]!.from).toEqual({ address: '127.0.0.1', port: 7000 });
    // loopback never leaves the host
    const b = await net.addHost({ router: net.wan, address: '198.51.100.9' }).bindUdp({ address: '198.51.100.9', port: 1 });
    s1.send(Buffer.from('z'), b.localAddress);
    await clock.advance(1);
    expect(net.stats.droppedByReason['no-route']).toBe(1);
    net.close();
  });

  it('lists lo and configured interfaces, IPv6 and multiple interfaces included', () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const r1 = net.addRouter({ lanCidr: '10.0.0.0/8', lanCidr6: '2001:db8:1::/64', publicAddress: '203.0.113.1' });
    const r2 = net.addRouter({ lanCidr: '172.16.0.0/12', publicAddress: '203.0.113.2' });
    const h = net.addHost({
      router: r1,
      address: '10.0.0.2',
      extraAddresses: ['2001:DB8:1::2', { address: '172.16.0.5', interfaceName: 'wlan0', router: r2 }, { address: '10.0.0.3', interfaceName: 'tun0' }],
    });
    expect(h.interfaces()).toEqual([
      { name: 'lo', address: '127.0.0.1', family: 4, internal: true, prefixLength: 8 },
      { name: 'lo', address: '::1', family: 6, internal: true, prefixLength: 128 },
      { name: 'eth0', address: '10.0.0.2', family: 4, internal: false, prefixLength: 8 },
      { name: 'eth0', address: '2001:db8:1::2', family: 6, internal: false, prefixLength: 64 },
      { name: 'wlan0', address: '172.16.0.5', family: 4, internal: false, prefixLength: 12 },
      { name: 'tun0', address: '10.0.0.3', family: 4, internal: false, prefixLength: 8 },
    ]);
    net.close();
  });

  it('routes IPv6 without NAT between LANs', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const nat = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' } as const;
    const r1 = net.addRouter({ lanCidr: '192.168.1.0/24', lanCidr6: '2001:db8:1::/64', publicAddress: '203.0.113.1', nat });
    const r2 = net.addRouter({ lanCidr: '192.168.1.0/24', lanCidr6: '2001:db8:2::/64', publicAddress: '203.0.113.2', nat });
    const a = net.addHost({ router: r1, address: '192.168.1.2', extraAddresses: ['2001:db8:1::2'] });
    const b = net.addHost({ router: r2, address: '192.168.1.2', extraAddresses: ['2001:db8:2::2'] });
    const sa = await a.bindUdp({ address: '::', port: 4000 });
    const sb = await b.bindUdp({ address: '2001:db8:2::2', port: 4000 });
    const got = collect(sb);
    sa.send(Buffer.from('v6'), { address: '2001:db8:2::2', port: 4000 });
    await clock.advance(1);
    expect(got[0]!.from).toEqual({ address: '2001:db8:1::2', port: 4000 });
    net.close();
  });

  it('rejects a taken port with ERR_NET_ADDRESS_IN_USE so callers can walk a range', async () => {
    const { net, a } = lan();
    await a.bindUdp({ address: '192.168.1.2', port: 5000 });
    await a.bindUdp({ address: '0.0.0.0', port: 5002 });
    const err = await a.bindUdp({ address: '192.168.1.2', port: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetError);
    expect((err as NetError).code).toBe('ERR_NET_ADDRESS_IN_USE');
    await expect(a.bindUdp({ address: '0.0.0.0', port: 5000 })).rejects.toMatchObject({ code: 'ERR_NET_ADDRESS_IN_USE' });
    await expect(a.bindUdp({ address: '192.168.1.2', port: 5002 })).rejects.toMatchObject({ code: 'ERR_NET_ADDRESS_IN_USE' });
    // walking a port range finds the first free port
    let bound: number | undefined;
    for (let port = 5000; port <= 5005 && bound === undefined; port++) {
      try {
        bound = (await a.bindUdp({ address: '192.168.1.2', port })).localAddress.port;
      } catch (e) {
        expect((e as NetError).code).toBe('ERR_NET_ADDRESS_IN_USE');
      }
    }
    expect(bound).toBe(5001);
    // TCP has its own port space
    await expect(a.listenTcp({ address: '192.168.1.2', port: 5000 })).resolves.toBeDefined();
    net.close();
  });

  it('rejects addresses the host does not have, and a closed host', async () => {
    const { net, a } = lan();
    await expect(a.bindUdp({ address: '192.168.1.3', port: 0 })).rejects.toMatchObject({ code: 'ERR_NET_ADDRESS_NOT_AVAILABLE' });
    await expect(a.bindUdp({ address: 'localhost', port: 0 })).rejects.toMatchObject({ code: 'ERR_NET_ADDRESS_NOT_AVAILABLE' });
    a.close();
    await expect(a.bindUdp({ address: '192.168.1.2', port: 0 })).rejects.toMatchObject({ code: 'ERR_NET_CLOSED' });
    net.close();
  });

  it('allocates ephemeral ports from the dynamic range and reuses freed ones later', async () => {
    const { net, a } = lan();
    const s1 = await a.bindUdp({ address: '192.168.1.2', port: 0 });
    const s2 = await a.bindUdp({ address: '192.168.1.2', port: 0 });
    expect(s1.localAddress.port).toBe(49152);
    expect(s2.localAddress.port).toBe(49153);
    await a.bindUdp({ address: '192.168.1.2', port: 49154 });
    const s3 = await a.bindUdp({ address: '192.168.1.2', port: 0 });
    expect(s3.localAddress.port).toBe(49155);
    s1.close();
    expect(s1.closed).toBe(true);
    await expect(a.bindUdp({ address: '192.168.1.2', port: 49152 })).resolves.toBeDefined();
    net.close();
  });

  it('counts datagrams to closed ports and sockets without handlers as drops', async () => {
    const { clock, net, a, b } = lan();
    const sa = await a.bindUdp({ address: '192.168.1.2', port: 0 });
    await b.bindUdp({ address: '192.168.1.3', port: 6000 });
    sa.send(Buffer.from('1'), { address: '192.168.1.3', port: 6000 });
    sa.send(Buffer.from('2'), { address: '192.168.1.3', port: 6001 });
    sa.send(Buffer.from('3'), { address: '192.168.1.99', port: 6001 });
    await clock.advance(1);
    expect(net.stats.droppedByReason).toEqual({ 'no-handler': 1, 'port-unreachable': 1, 'no-route': 1 });
    expect(net.stats.dropped).toBe(3);
    net.close();
  });

  it('a throwing handler does not break delivery', async () => {
    const { clock, net, a, b } = lan();
    const sa = await a.bindUdp({ address: '192.168.1.2', port: 0 });
    const sb = await b.bindUdp({ address: '192.168.1.3', port: 6000 });
    let n = 0;
    setLogLevel('net', 'silent');
    sb.onMessage(() => {
      n++;
      throw new Error('listener bug');
    });
    sa.send(Buffer.from('1'), sb.localAddress);
    sa.send(Buffer.from('2'), sb.localAddress);
    await clock.advance(1);
    setLogLevel('net', 'warn');
    expect(n).toBe(2);
    net.close();
  });
});

describe('vnet network changes', () => {
  it('takes an interface down and up, and adds one at run time', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const wifi = net.addRouter({ lanCidr: '192.168.1.0/24', publicAddress: '203.0.113.1', nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' } });
    const cell = net.addRouter({ lanCidr: '100.64.0.0/10', publicAddress: '203.0.113.2', nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' } });
    const phone = net.addHost({ router: wifi, address: '192.168.1.5', interfaceName: 'wlan0' });
    const server = await net.addHost({ router: net.wan, address: '198.51.100.1' }).bindUdp({ address: '198.51.100.1', port: 3478 });
    const seen = collect(server);
    const s = await phone.bindUdp({ address: '192.168.1.5', port: 0 });
    s.send(Buffer.from('1'), server.localAddress);
    await clock.advance(1);
    phone.setInterfaceUp('wlan0', false);
    expect(phone.interfaces().map((i) => i.name)).toEqual(['lo', 'lo']);
    s.send(Buffer.from('2'), server.localAddress);
    await clock.advance(1);
    expect(net.stats.droppedByReason['interface-down']).toBe(1);
    await expect(phone.bindUdp({ address: '192.168.1.5', port: 0 })).rejects.toMatchObject({ code: 'ERR_NET_ADDRESS_NOT_AVAILABLE' });
    net.addInterface(phone, { address: '100.64.3.4', interfaceName: 'rmnet0', router: cell });
    const s2 = await phone.bindUdp({ address: '100.64.3.4', port: 0 });
    s2.send(Buffer.from('3'), server.localAddress);
    await clock.advance(1);
    phone.setInterfaceUp('wlan0', true);
    s.send(Buffer.from('4'), server.localAddress);
    await clock.advance(1);
    expect(seen.map((g) => `${g.data.toString()}@${g.from.address}`)).toEqual(['1@203.0.113.1', '3@203.0.113.2', '4@203.0.113.1']);
    expect(phone.interfaces().map((i) => i.name)).toEqual(['lo', 'lo', 'wlan0', 'rmnet0']);
    expect(() => phone.setInterfaceUp('eth9', false)).toThrow();
    net.close();
  });
});
