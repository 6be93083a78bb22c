import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { NetError, type TcpConnection } from '../../../src/transport/net.js';
import { VirtualNetwork, type NatBehavior } from '../../../src/vnet/index.js';

function setup(filtering: NatBehavior = 'address-and-port-dependent', seed = 1) {
  const clock = new FakeClock();
  const net = new VirtualNetwork({ clock, rng: new SeededRng(seed) });
  const home = net.addRouter({
    lanCidr: '192.168.1.0/24',
    publicAddress: '203.0.113.1',
    nat: { mapping: 'address-and-port-dependent', filtering },
    impairment: { latencyMs: 10 },
  });
  const client = net.addHost({ router: home, address: '192.168.1.2' });
  const server = net.addHost({ router: net.wan, address: '198.51.100.10' });
  return { clock, net, home, client, server };
}

/** Resolves the promise while advancing virtual time. */
async function settle<T>(clock: FakeClock, p: Promise<T>, maxMs = 60_000): Promise<T> {
  let done = false;
  const wrapped = p.finally(() => {
    done = true;
  });
  wrapped.catch(() => undefined);
  await clock.runUntil(() => done, maxMs, 5);
  return wrapped;
}

describe('vnet TCP', () => {
  it('connects out through a NAT and streams both ways in order', async () => {
    const { clock, net, home, client, server } = setup();
    const listener = await server.listenTcp({ address: '198.51.100.10', port: 443 });
    const accepted: TcpConnection[] = [];
    const serverGot: string[] = [];
    listener.onConnection((c) => {
      accepted.push(c);
      c.onData((d) => {
        serverGot.push(d.toString());
        c.write(Buffer.from(`echo:${d.toString()}`));
      });
    });
    const conn = await settle(clock, client.dialTcp({ address: '198.51.100.10', port: 443 }));
    expect(conn.localAddress.address).toBe('192.168.1.2');
    expect(accepted[0]!.remoteAddress.address).toBe('203.0.113.1'); // seen through the NAT
    expect(home.natMappingCount()).toBe(1);
    const clientGot: string[] = [];
    conn.onData((d) => clientGot.push(d.toString()));
    for (let i = 0; i < 5; i++) conn.write(Buffer.from(`m${i}`));
    await clock.advance(100);
    expect(serverGot).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(clientGot).toEqual(['echo:m0', 'echo:m1', 'echo:m2', 'echo:m3', 'echo:m4']);
    net.close();
  });

  it('keeps the stream ordered and complete under heavy loss (retransmission delay)', async () => {
    const { clock, net, home, client, server } = setup('address-and-port-dependent', 9);
    net.setImpairment(home, { latencyMs: 10, jitterMs: 5, lossRate: 0.3 });
    const listener = await server.listenTcp({ address: '0.0.0.0', port: 443 });
    const got: number[] = [];
    listener.onConnection((c) => c.onData((d) => got.push(d.readUInt16BE(0))));
    const conn = await settle(clock, client.dialTcp({ address: '198.51.100.10', port: 443 }));
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(i);
      conn.write(b);
    }
    await clock.runUntil(() => got.length === 200, 120_000, 50);
    expect(got).toEqual([...Array(200).keys()]);
    expect(net.stats.retransmitted).toBeGreaterThan(30);
    net.close();
  });

  it('refuses a dial to a port nobody listens on', async () => {
    const { clock, net, client } = setup();
    const err = await settle(clock, client.dialTcp({ address: '198.51.100.10', port: 444 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetError);
    expect((err as NetError).code).toBe('ERR_NET_REFUSED');
    net.close();
  });

  it('times out a dial into a NAT that filters unsolicited SYNs', async () => {
    const { clock, net, client, server } = setup();
    const inside = await client.listenTcp({ address: '192.168.1.2', port: 8443 });
    inside.onConnection(() => undefined);
    const err = await settle(clock, server.dialTcp({ address: '203.0.113.1', port: 8443, timeoutMs: 5000 })).catch((e: unknown) => e);
    expect((err as NetError).code).toBe('ERR_NET_TIMEOUT');
    expect(net.stats.droppedByReason['nat-no-mapping']).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    net.close();
  });

  it('reaches a passive candidate behind a port forward (ICE-TCP style)', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const r = net.addRouter({
      lanCidr: '10.0.0.0/24',
      publicAddress: '203.0.113.9',
      nat: { mapping: 'endpoint-independent', filtering: 'address-dependent', portForwards: [{ externalPort: 7000, internalAddress: '10.0.0.5', protocol: 'tcp' }] },
    });
    const inside = net.addHost({ router: r, address: '10.0.0.5' });
    const outside = net.addHost({ router: net.wan, address: '198.51.100.3' });
    const l = await inside.listenTcp({ address: '10.0.0.5', port: 7000 });
    let peer: TcpConnection | undefined;
    l.onConnection((c) => {
      peer = c;
    });
    const c = await settle(clock, outside.dialTcp({ address: '203.0.113.9', port: 7000 }));
    expect(peer?.remoteAddress).toEqual(c.localAddress);
    net.close();
  });

  it('reports close to the other side and frees the local port', async () => {
    const { clock, net, client, server } = setup();
    const listener = await server.listenTcp({ address: '198.51.100.10', port: 443 });
    let serverSide: TcpConnection | undefined;
    listener.onConnection((c) => {
      serverSide = c;
    });
    const conn = await settle(clock, client.dialTcp({ address: '198.51.100.10', port: 443, localPort: 40000 }));
    await expect(client.dialTcp({ address: '198.51.100.10', port: 443, localPort: 40000 })).rejects.toMatchObject({
      code: 'ERR_NET_ADDRESS_IN_USE',
    });
    const closed: Array<Error | undefined> = [];
    serverSide!.onClose((e) => closed.push(e));
    const got: string[] = [];
    serverSide!.onData((d) => got.push(d.toString()));
    conn.write(Buffer.from('last words'));
    conn.close();
    expect(conn.closed).toBe(true);
    await clock.advance(100);
    expect(got).toEqual(['last words']); // data before FIN arrives first
    expect(closed).toEqual([undefined]);
    expect(serverSide!.closed).toBe(true);
    const again = await settle(clock, client.dialTcp({ address: '198.51.100.10', port: 443, localPort: 40000 }));
    expect(again.localAddress.port).toBe(40000);
    net.close();
  });

  it('listen conflicts give ERR_NET_ADDRESS_IN_USE; loopback TCP works within a host', async () => {
    const { clock, net, server } = setup();
    const l = await server.listenTcp({ address: '127.0.0.1', port: 9000 });
    await expect(server.listenTcp({ address: '0.0.0.0', port: 9000 })).rejects.toMatchObject({ code: 'ERR_NET_ADDRESS_IN_USE' });
    const got: string[] = [];
    l.onConnection((c) => c.onData((d) => got.push(d.toString())));
    const c = await settle(clock, server.dialTcp({ address: '127.0.0.1', port: 9000 }));
    expect(c.localAddress.address).toBe('127.0.0.1');
    c.write(Buffer.from('lo'));
    await clock.advance(1);
    expect(got).toEqual(['lo']);
    net.close();
  });

  it('closing the network closes connections with an error-free close and cancels timers', async () => {
    const { clock, net, client, server } = setup();
    const listener = await server.listenTcp({ address: '198.51.100.10', port: 443 });
    listener.onConnection(() => undefined);
    const conn = await settle(clock, client.dialTcp({ address: '198.51.100.10', port: 443 }));
    const closes: Array<Error | undefined> = [];
    conn.onClose((e) => closes.push(e));
    conn.write(Buffer.from('in flight'));
    net.close();
    expect(closes).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });
});
