import { describe, expect, it } from 'vitest';
import { IceAgent, type IceConnection } from '../../../src/agent/index.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { IceMuxServer, type MuxTupleRemovedEvent, type MuxUfragEvent } from '../../../src/icemux/index.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

const SERVER_IP = '198.51.100.1';

async function world(seed: number) {
  const clock = new FakeClock();
  const vnet = new VirtualNetwork({ clock, rng: new SeededRng(seed) });
  const serverHost = vnet.addHost({ router: vnet.wan, address: SERVER_IP });
  const clientHosts = Array.from({ length: 8 }, (_, i) => vnet.addHost({ router: vnet.wan, address: `198.51.100.${10 + i}` }));
  const muxP = IceMuxServer.listen({ net: serverHost, clock, udp: { address: SERVER_IP, port: 3478 }, tcp: { address: SERVER_IP, port: 443 } });
  await clock.advance(1);
  const mux = await muxP;
  return { clock, vnet, serverHost, clientHosts, mux };
}

describe('IceMuxServer on the virtual network (FakeClock)', () => {
  it('2,000 client agents complete ICE against 2,000 transports on one UDP port and one TCP port', async () => {
    const { clock, vnet, clientHosts, mux } = await world(1);
    const N = 2000;
    const rng = new SeededRng(7);
    const servers: IceAgent[] = [];
    const clients: IceAgent[] = [];
    const conns: Promise<[IceConnection, IceConnection]>[] = [];
    for (let i = 0; i < N; i++) {
      // Half over UDP, half over ICE-TCP (client active -> server passive on port 443).
      const types = i % 2 === 0 ? (['udp4'] as const) : (['tcp4'] as const);
      const s = new IceAgent({ clock, rng, mux, networkTypes: [...types] });
      const c = new IceAgent({ clock, rng, net: clientHosts[i % clientHosts.length]!, networkTypes: [...types] });
      servers.push(s);
      clients.push(c);
      s.onCandidate((x) => c.addRemoteCandidate(x));
      c.onCandidate((x) => s.addRemoteCandidate(x));
      conns.push(Promise.all([s.accept(c.localCredentials.ufrag, c.localCredentials.pwd), c.dial(s.localCredentials.ufrag, s.localCredentials.pwd)]));
    }
    let done = 0;
    const all = Promise.all(conns.map((p) => p.then((x) => (done++, x))));
    expect(await clock.runUntil(() => done === N, 30_000, 50)).toBe(true);
    const pairs = await all;
    expect(mux.stats.transports).toBe(N);
    expect(mux.stats.udpTuples).toBe(N / 2);
    expect(mux.stats.tcpTuples).toBe(N / 2);
    pairs.forEach(([sc], i) => {
      expect(sc.localCandidate.port).toBe(i % 2 === 0 ? 3478 : 443);
    });
    // Data both ways on every connection, routed by 5-tuple.
    const got = new Array<number>(N).fill(0);
    pairs.forEach(([sc], i) => sc.onMessage((d) => {
      if (d.readUInt32BE(1) === i) got[i]!++;
    }));
    pairs.forEach(([, cc], i) => {
      const b = Buffer.alloc(100, 0x80);
      b.writeUInt32BE(i, 1);
      cc.send(b);
    });
    expect(await clock.runUntil(() => got.every((n) => n === 1), 2000)).toBe(true);
    const before = mux.stats.routedPackets;
    expect(before).toBeGreaterThan(N);
    mux.close();
    for (const c of clients) c.close();
    expect(servers.every((s) => s.state === 'closed')).toBe(true);
    expect(mux.stats).toMatchObject({ transports: 0, udpTuples: 0, tcpTuples: 0, tcpUnrouted: 0 });
    vnet.close();
  }, 120_000);

  it('floods from fresh tuples leave established tuples alone; limits evict the oldest non-selected tuple; restart re-registers the ufrag', async () => {
    const { clock, vnet, clientHosts, mux } = await (async () => {
      const w = await world(2);
      w.mux.close();
      const m = IceMuxServer.listen({ net: w.serverHost, clock: w.clock, udp: { address: SERVER_IP, port: 3479 }, maxUdpTuplesPerTransport: 3 });
      await w.clock.advance(1);
      return { ...w, mux: await m };
    })();
    const removed: MuxTupleRemovedEvent[] = [];
    const ufrags: MuxUfragEvent[] = [];
    mux.tupleRemoved$.subscribe((e) => removed.push(e));
    mux.ufrag$.subscribe((e) => ufrags.push(e));
    const rng = new SeededRng(3);
    const s = new IceAgent({ clock, rng, mux, networkTypes: ['udp4'] });
    const c = new IceAgent({ clock, rng, net: clientHosts[0]!, networkTypes: ['udp4'] });
    s.onCandidate((x) => c.addRemoteCandidate(x));
    c.onCandidate((x) => s.addRemoteCandidate(x));
    const p = Promise.all([s.accept(c.localCredentials.ufrag, c.localCredentials.pwd), c.dial(s.localCredentials.ufrag, s.localCredentials.pwd)]);
    let ok = false;
    void p.then(() => (ok = true));
    expect(await clock.runUntil(() => ok, 5000)).toBe(true);
    const [sc, cc] = await p;
    const transport = mux.transportOf(s)!;
    expect(ufrags).toEqual([{ transportId: transport.id, ufrag: s.localCredentials.ufrag, previous: undefined }]);

    // Flood from 50 fresh source ports: wrong ufrag, right ufrag but wrong password, garbage.
    const attacker = clientHosts[1]!;
    const sockets = await Promise.all(Array.from({ length: 50 }, () => attacker.bindUdp({ address: '198.51.100.11', port: 0 })));
    const { StunMessage, StunClass, StunMethod } = await import('../../../src/stun/index.js');
    const req = (user: string): Buffer => {
      const m = new StunMessage(StunMethod.Binding, StunClass.Request, Buffer.alloc(12, 1));
      m.setUsername(user);
      return m.encode({ integrityKey: Buffer.from('wrong'), fingerprint: true });
    };
    for (const sock of sockets) {
      sock.send(req('nosuch:x'), mux.udpAddress!);
      sock.send(req(`${s.localCredentials.ufrag}:x`), mux.udpAddress!);
      sock.send(Buffer.from([0x80, 1, 2, 3]), mux.udpAddress!);
    }
    await clock.advance(100);
    expect(mux.drops.count('udp-unknown-ufrag')).toBe(50);
    expect(mux.drops.count('udp-bad-integrity')).toBe(50);
    expect(mux.drops.count('udp-first-not-stun')).toBe(50);
    expect(mux.stats.udpTuples).toBe(1);
    expect(removed).toEqual([]);

    // Established tuples still carry data.
    const got: number[] = [];
    sc.onMessage(() => got.push(1));
    cc.send(Buffer.from([0x80, 0]));
    await clock.advance(50);
    expect(got.length).toBe(1);

    // ICE restart: the new ufrag is registered, the old pair keeps routing.
    const old = s.localCredentials.ufrag;
    await s.restart();
    expect(ufrags.at(-1)).toEqual({ transportId: transport.id, ufrag: s.localCredentials.ufrag, previous: old });
    expect(mux.transportByUfrag(s.localCredentials.ufrag)).toBe(transport);
    expect(mux.transportByUfrag(old)).toBeUndefined();
    cc.send(Buffer.from([0x80, 1]));
    await clock.advance(50);
    expect(got.length).toBe(2);

    // The agent sends to 4 more addresses (limit 3): the oldest non-selected tuples are evicted, never the selected one.
    const view = transport.udpSocket!;
    for (let k = 0; k < 4; k++) view.send(Buffer.from([0x80]), { address: '198.51.100.99', port: 1000 + k });
    expect(transport.udpTuples.size).toBe(3);
    expect(removed.filter((e) => e.reason === 'evicted').length).toBe(2);
    expect([...transport.udpTuples.values()].some((t) => t.remote.port === sc.remoteCandidate.port)).toBe(true);
    cc.send(Buffer.from([0x80, 2]));
    await clock.advance(50);
    expect(got.length).toBe(3);

    // Closing the transport frees its tuples and closes the agent with a clear reason.
    let reason: Error | undefined;
    sc.onClose((r) => (reason = r));
    transport.close();
    expect(s.state).toBe('closed');
    expect(reason).toMatchObject({ code: 'ERR_ICE_MUX_CLOSED' });
    expect(mux.stats).toMatchObject({ transports: 0, udpTuples: 0 });
    expect(removed.filter((e) => e.reason === 'transport-closed').length).toBe(3);
    for (const x of sockets) x.close();
    c.close();
    mux.close();
    vnet.close();
  });

  it('TCP: silent connections time out, non-STUN first frames are closed, the TCP tuple limit evicts the oldest unselected connection', async () => {
    const w = await world(3);
    w.mux.close();
    const muxP = IceMuxServer.listen({ net: w.serverHost, clock: w.clock, tcp: { address: SERVER_IP, port: 444 }, maxTcpTuplesPerTransport: 2, tcpFirstFrameTimeoutMs: 1000 });
    await w.clock.advance(1);
    const mux = await muxP;
    const { clock, clientHosts } = w;
    const rng = new SeededRng(4);
    const s = new IceAgent({ clock, rng, mux, networkTypes: ['tcp4'] });
    const c = new IceAgent({ clock, rng, net: clientHosts[0]!, networkTypes: ['tcp4'] });
    s.onCandidate((x) => c.addRemoteCandidate(x));
    c.onCandidate((x) => s.addRemoteCandidate(x));
    let conns: [IceConnection, IceConnection] | undefined;
    void Promise.all([s.accept(c.localCredentials.ufrag, c.localCredentials.pwd), c.dial(s.localCredentials.ufrag, s.localCredentials.pwd)]).then((x) => (conns = x));
    expect(await clock.runUntil(() => conns !== undefined, 5000)).toBe(true);
    const [sc, cc] = conns!;
    expect(mux.stats.tcpTuples).toBe(1);

    const dial = async () => {
      const p = clientHosts[1]!.dialTcp({ address: SERVER_IP, port: 444 });
      await clock.advance(5);
      return p;
    };
    const silent = await dial();
    let silentClosed = false;
    silent.onClose(() => (silentClosed = true));
    const junk = await dial();
    junk.write(Buffer.from([0, 3, 0x80, 1, 2]));
    await clock.advance(10);
    expect(mux.drops.count('tcp-first-not-stun')).toBe(1);
    expect(mux.stats.tcpUnrouted).toBe(1);
    await clock.advance(1100);
    expect(silentClosed).toBe(true);
    expect(mux.drops.count('tcp-first-frame-timeout')).toBe(1);
    expect(mux.stats.tcpUnrouted).toBe(0);

    // Two more authenticated connections to the same transport (the client agent's ICE-TCP checks
    // are replayed by hand): with a limit of 2 the oldest unselected one goes, the selected one stays.
    const { StunMessage, StunClass, StunMethod } = await import('../../../src/stun/index.js');
    const { frameRfc4571 } = await import('../../../src/agent/tcp/index.js');
    const { shortTermKey } = await import('../../../src/stun/index.js');
    const signed = (): Buffer => {
      const m = new StunMessage(StunMethod.Binding, StunClass.Request, Buffer.from(rng.bytes(12)));
      m.setUsername(`${s.localCredentials.ufrag}:${c.localCredentials.ufrag}`);
      m.setPriority(1);
      m.setIceControlling(1n);
      return m.encode({ integrityKey: shortTermKey(s.localCredentials.pwd), fingerprint: true });
    };
    const extra = [await dial(), await dial()];
    for (const x of extra) x.write(frameRfc4571(signed()));
    await clock.advance(20);
    const t = mux.transportOf(s)!;
    expect(t.tcpTuples.size).toBe(2);
    expect(t.selectedKey('tcp')).toBeDefined();
    expect([...t.tcpTuples.keys()]).toContain(t.selectedKey('tcp'));
    let got = 0;
    sc.onMessage(() => got++);
    cc.send(Buffer.from([0x80, 9]));
    await clock.advance(20);
    expect(got).toBe(1);
    mux.close();
    c.close();
    w.vnet.close();
  });
});
