import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IceAgent, type IceAgentConfig } from '../../src/agent/index.js';
import type { Candidate } from '../../src/candidate/index.js';
import { createTurnRelay, turnRelayFactory } from '../../src/turn/index.js';
import { coturnAvailable, startCoturn, waitFor, type Coturn } from '../support/coturn.js';

const available = coturnAvailable();

describe.skipIf(!available)('ICE agent relay candidates through coturn (loopback)', () => {
  let coturn: Coturn;
  const agents: IceAgent[] = [];

  function agent(extra: Partial<IceAgentConfig> = {}, credential?: string): IceAgent {
    const a = new IceAgent({
      iceServers: [{ urls: `turn:127.0.0.1:${coturn.port}`, username: coturn.user, credential: credential ?? coturn.password }],
      relayFactory: createTurnRelay,
      includeLoopback: true,
      interfaceFilter: (name) => name === 'lo',
      networkTypes: ['udp4'],
      ...extra,
    });
    agents.push(a);
    return a;
  }

  beforeAll(async () => {
    coturn = await startCoturn({ tls: true });
  });

  afterAll(async () => {
    try {
      for (const a of agents) a.close();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await coturn?.stop();
    }
  });

  it('gathers a relay candidate next to the host candidate', async () => {
    const a = agent();
    await a.gather();
    const relay = a.getLocalCandidates().filter((c) => c.type === 'relay');
    expect(relay).toHaveLength(1);
    expect(relay[0]!.address).toBe('127.0.0.1');
    expect(relay[0]!.relatedAddress).toBe('127.0.0.1');
    expect(a.getLocalCandidates().some((c) => c.type === 'host')).toBe(true);
  });

  it('gathers relay candidates over TCP and TLS (turnRelayFactory carries the TLS trust)', async () => {
    const a = agent({
      iceServers: [
        { urls: `turn:127.0.0.1:${coturn.port}?transport=tcp`, username: coturn.user, credential: coturn.password },
        { urls: `turns:127.0.0.1:${coturn.tlsPort!}?transport=tcp`, username: coturn.user, credential: coturn.password },
      ],
      relayFactory: turnRelayFactory({ tls: { ca: coturn.certPem! } }),
    });
    await a.gather();
    const relays = a.getLocalCandidates().filter((c) => c.type === 'relay');
    expect(relays).toHaveLength(2);
    expect(new Set(relays.map((c) => c.port)).size).toBe(2);
  });

  it('completes gathering without a relay candidate when the password is wrong', async () => {
    const a = agent({}, 'wrong');
    const started = Date.now();
    await a.gather();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(a.getLocalCandidates().some((c) => c.type === 'relay')).toBe(false);
    expect(a.getLocalCandidates().some((c) => c.type === 'host')).toBe(true);
  });

  it('connects two agents through the relay when only relay candidates are signalled', async () => {
    const a = agent({ relayAcceptanceMinWaitMs: 0 });
    const b = agent({ relayAcceptanceMinWaitMs: 0 });
    // Signal only relay candidates, so every working pair goes through coturn.
    const relayOnly = (to: IceAgent) => (c: Candidate | null) => {
      if (c === null || c.type === 'relay') to.addRemoteCandidate(c);
    };
    a.onCandidate(relayOnly(b));
    b.onCandidate(relayOnly(a));
    await Promise.all([a.gather(), b.gather()]);
    const [ca, cb] = await Promise.all([
      a.dial(b.localCredentials.ufrag, b.localCredentials.pwd),
      b.accept(a.localCredentials.ufrag, a.localCredentials.pwd),
    ]);
    // Each side's selected pair goes through a relay (the other side may see a prflx address).
    for (const c of [ca, cb]) expect([c.localCandidate.type, c.remoteCandidate.type]).toContain('relay');

    const atB: string[] = [];
    const atA: string[] = [];
    cb.onMessage((d) => {
      atB.push(d.toString());
      cb.send(Buffer.from(`echo ${d.toString()}`));
    });
    ca.onMessage((d) => atA.push(d.toString()));
    for (let i = 0; i < 20; i++) {
      ca.send(Buffer.from(`m${i}`));
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => atA.length >= 18, 5000, 'echoes through the relay');
    expect(atB.length).toBeGreaterThanOrEqual(18);
    // Enough traffic went to one peer for the relay to bind a channel for it.
    await waitFor(() => /CHANNEL_BIND processed, success/.test(coturn.log()), 5000, 'a ChannelBind');
  });
});
