import { describe, expect, it } from 'vitest';
import { IceAgent, type IceConnection } from '../../../src/agent/index.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { createTurnRelay } from '../../../src/turn/index.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

/**
 * The ICE agent and TURN client run unchanged on the virtual network: two
 * agents behind symmetric NATs can only meet through the virtual TURN server.
 */
describe('ICE over vnet through the virtual TURN server', () => {
  it('selects a relay pair between two symmetric NATs and carries data', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock, rng: new SeededRng(11) });
    net.addStunServer({ router: net.wan, address: '198.51.100.1' });
    const turn = net.addTurnServer({ router: net.wan, address: '198.51.100.2', credentials: { user: 'pass' } });
    const symmetric = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' } as const;
    const agents = [1, 2].map((n) => {
      const router = net.addRouter({ lanCidr: `10.${n}.0.0/24`, publicAddress: `203.0.113.${n}`, nat: symmetric, impairment: { latencyMs: 10 } });
      const host = net.addHost({ router, address: `10.${n}.0.2` });
      return new IceAgent({
        net: host,
        clock,
        rng: new SeededRng(100 + n),
        networkTypes: ['udp4'],
        iceServers: [{ urls: 'stun:198.51.100.1:3478' }, { urls: 'turn:198.51.100.2:3478', username: 'user', credential: 'pass' }],
        relayFactory: createTurnRelay,
      });
    });
    const [a, b] = agents as [IceAgent, IceAgent];
    a.onCandidate((c) => b.addRemoteCandidate(c));
    b.onCandidate((c) => a.addRemoteCandidate(c));
    const results: { ca?: IceConnection | Error; cb?: IceConnection | Error } = {};
    a.dial(b.localCredentials.ufrag, b.localCredentials.pwd).then((c) => (results.ca = c), (e: Error) => (results.ca = e));
    b.accept(a.localCredentials.ufrag, a.localCredentials.pwd).then((c) => (results.cb = c), (e: Error) => (results.cb = e));
    const settled = await clock.runUntil(() => results.ca !== undefined && results.cb !== undefined, 60_000, 20);
    expect(settled).toBe(true);
    expect(results.ca).not.toBeInstanceOf(Error);
    expect(results.cb).not.toBeInstanceOf(Error);
    const ca = results.ca as IceConnection;
    const cb = results.cb as IceConnection;
    expect([ca.localCandidate.type, ca.remoteCandidate.type]).toContain('relay');
    let atB = 0;
    cb.onMessage(() => atB++);
    for (let i = 0; i < 10; i++) {
      ca.send(Buffer.from([0x80, i]));
      await clock.advance(10);
    }
    await clock.advance(200);
    expect(atB).toBe(10);
    expect(turn.stats.relayedToPeers + turn.stats.relayedToClients).toBeGreaterThan(10);
    a.close();
    b.close();
    await clock.advance(100);
    net.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
