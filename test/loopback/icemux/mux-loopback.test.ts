import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent, type IceAgentConfig, type IceConnection } from '../../../src/agent/index.js';
import { IceMuxServer, type MuxTupleRemovedEvent } from '../../../src/icemux/index.js';
import { StunMessage, StunClass, StunMethod } from '../../../src/stun/index.js';
import { nodeNet } from '../../../src/transport/node-net.js';
import { expectNoLeaks, snapshotResources } from '../../support/leaks.js';
import { waitFor } from '../agent/loopback-helpers.js';

const LOOPBACK = '127.0.0.1';
const lo = (types: IceAgentConfig['networkTypes']): IceAgentConfig => ({ networkTypes: types!, includeLoopback: true, ipFilter: (ip) => ip === LOOPBACK });

const toClose: { close(): void }[] = [];
afterEach(() => {
  for (const c of toClose.splice(0).reverse()) c.close();
});

async function connect(server: IceAgent, client: IceAgent): Promise<[IceConnection, IceConnection]> {
  server.onCandidate((c) => client.addRemoteCandidate(c));
  client.onCandidate((c) => server.addRemoteCandidate(c));
  const abort = AbortSignal.timeout(20_000);
  return Promise.all([
    server.accept(client.localCredentials.ufrag, client.localCredentials.pwd, abort),
    client.dial(server.localCredentials.ufrag, server.localCredentials.pwd, abort),
  ]);
}

function bindingRequest(username: string): Buffer {
  const m = new StunMessage(StunMethod.Binding, StunClass.Request, Buffer.alloc(12, 7));
  m.setUsername(username);
  return m.encode({ integrityKey: Buffer.from('not-the-password'), fingerprint: true });
}

describe('IceMuxServer on real loopback sockets', () => {
  it('200 clients complete ICE against 200 transports on one UDP port; floods do not disturb them; close frees everything', async () => {
    const before = snapshotResources();
    const mux = await IceMuxServer.listen({ udp: { address: LOOPBACK, port: 0 }, tcp: { address: LOOPBACK, port: 0 } });
    toClose.push(mux);
    const N = 200;
    const servers: IceAgent[] = [];
    const clients: IceAgent[] = [];
    for (let i = 0; i < N; i++) {
      const s = new IceAgent({ ...lo(['udp4']), mux });
      const c = new IceAgent(lo(['udp4']));
      servers.push(s);
      clients.push(c);
      toClose.push(c, s);
    }
    const conns = await Promise.all(servers.map((s, i) => connect(s, clients[i]!)));
    expect(mux.stats.transports).toBe(N);
    for (const [sc] of conns) expect(sc.localCandidate.port).toBe(mux.udpAddress!.port);
    const got = new Array<number>(N).fill(0);
    conns.forEach(([sc], i) => sc.onMessage((d) => {
      if (d.toString() === `c${i}`) got[i]!++;
    }));
    // Floods from fresh tuples: wrong ufrag, right ufrag with a wrong password, garbage.
    const attacker = await nodeNet.bindUdp({ address: LOOPBACK, port: 0 });
    toClose.push(attacker);
    const target = mux.udpAddress!;
    const ufrag0 = servers[0]!.localCredentials.ufrag;
    // Paced so the kernel's receive buffer does not overflow (UDP drops are not the mux's).
    for (let k = 0; k < 300; k++) {
      attacker.send(bindingRequest(`nosuchufrag${k}:x`), target);
      attacker.send(bindingRequest(`${ufrag0}:x`), target);
      attacker.send(Buffer.from([0x17, 0xfe, 0xfd, k & 0xff, 1, 2, 3]), target);
      if (k % 10 === 9) await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor('floods counted', () => (mux.drops.count('udp-unknown-ufrag') >= 100 && mux.drops.count('udp-bad-integrity') >= 100 && mux.drops.count('udp-first-not-stun') >= 100), 5000);
    // UDP may lose a datagram under load: resend until each one arrived.
    for (let round = 0; round < 50 && !got.every((n) => n > 0); round++) {
      conns.forEach(([, cc], i) => {
        if (got[i] === 0) cc.send(Buffer.from(`c${i}`));
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(got.every((n) => n > 0)).toBe(true);
    expect(mux.stats.drops['udp-inbound-error']).toBeUndefined();
    expect(mux.stats.udpTuples).toBeGreaterThanOrEqual(N);
    expect(servers.every((s) => s.state === 'connected' || s.state === 'completed')).toBe(true);

    // Closing one transport's agent frees its tuples only.
    const removed: MuxTupleRemovedEvent[] = [];
    mux.tupleRemoved$.subscribe((e) => removed.push(e));
    const t0 = mux.transportOf(servers[0]!)!;
    servers[0]!.close();
    expect(t0.closed).toBe(true);
    expect(removed.every((e) => e.transportId === t0.id && e.reason === 'transport-closed')).toBe(true);
    expect(mux.stats.transports).toBe(N - 1);

    // Closing the server closes every transport; connections see ERR_ICE_MUX_CLOSED.
    const reasons: (Error | undefined)[] = [];
    conns[1]![0].onClose((r) => reasons.push(r));
    mux.close();
    expect(servers.every((s) => s.state === 'closed')).toBe(true);
    expect(reasons[0]).toMatchObject({ code: 'ERR_ICE_MUX_CLOSED' });
    expect(mux.stats).toMatchObject({ transports: 0, udpTuples: 0, tcpTuples: 0 });
    for (const c of toClose.splice(0)) c.close();
    await expectNoLeaks(before, { timeoutMs: 3000 });
  }, 60_000);

  it('ICE-TCP through the shared listener: 50 TCP-only clients, garbage connections dropped', async () => {
    const before = snapshotResources();
    const mux = await IceMuxServer.listen({ tcp: { address: LOOPBACK, port: 0 } });
    toClose.push(mux);
    const N = 50;
    const pairs = Array.from({ length: N }, () => {
      const s = new IceAgent({ ...lo(['tcp4']), mux });
      const c = new IceAgent(lo(['tcp4']));
      toClose.push(c, s);
      return [s, c] as const;
    });
    // A garbage connection and a silent one must not disturb anything.
    const junk = await nodeNet.dialTcp({ address: LOOPBACK, port: mux.tcpAddress!.port });
    junk.write(Buffer.from([0, 4, 1, 2, 3, 4]));
    const conns = await Promise.all(pairs.map(([s, c]) => connect(s, c)));
    for (const [sc, cc] of conns) {
      expect(sc.localCandidate.tcpType).toBe('passive');
      expect(cc.localCandidate.tcpType).toBe('active');
    }
    const got = new Array<number>(N).fill(0);
    conns.forEach(([sc], i) => sc.onMessage(() => got[i]!++));
    conns.forEach(([, cc]) => cc.send(Buffer.alloc(1000, 0x80)));
    await waitFor('tcp data through the mux', () => got.every((n) => n === 1), 10_000);
    expect(mux.drops.count('tcp-first-not-stun')).toBe(1);
    expect(mux.stats.tcpTuples).toBeGreaterThanOrEqual(N);
    mux.close();
    expect(mux.stats.tcpTuples).toBe(0);
    for (const c of toClose.splice(0)) c.close();
    await expectNoLeaks(before, { timeoutMs: 3000 });
  }, 60_000);
});
