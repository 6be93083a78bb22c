import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../src/agent/index.js';
import type { IceAgentConfig } from '../../src/agent/index.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { connectPair, waitFor } from './agent/loopback-helpers.js';

const LOOPBACK = '127.0.0.1';
function tcpOnly(extra: IceAgentConfig = {}): IceAgentConfig {
  return { networkTypes: ['tcp4'], includeLoopback: true, ipFilter: (ip) => ip === LOOPBACK, ...extra };
}

const toClose: { close(): void }[] = [];
afterEach(() => {
  for (const c of toClose.splice(0)) c.close();
});

describe('ICE-TCP on real loopback sockets (RFC 6544)', () => {
  it('gathers one passive and one active (port 9) candidate per address, port range honoured', async () => {
    const a = new IceAgent(tcpOnly({ portMin: 42100, portMax: 42199 }));
    toClose.push(a);
    await a.gather();
    const cands = a.getLocalCandidates();
    expect(cands.map((c) => `${c.transport} ${c.tcpType}`).sort()).toEqual(['tcp active', 'tcp passive']);
    const passive = cands.find((c) => c.tcpType === 'passive')!;
    const active = cands.find((c) => c.tcpType === 'active')!;
    expect(passive.port).toBeGreaterThanOrEqual(42100);
    expect(passive.port).toBeLessThanOrEqual(42199);
    expect(active.port).toBe(9);
    expect(active.toString()).toContain('tcptype active');
    // RFC 6544 §4.2: direction preference active (6) > passive (4) for host candidates.
    expect(active.priority).toBeGreaterThan(passive.priority);
  });

  it('tern ↔ tern over TCP only: connect, data both ways, close without leaks', async () => {
    const before = snapshotResources();
    const a = new IceAgent(tcpOnly());
    const b = new IceAgent(tcpOnly());
    toClose.push(a, b);
    const [ca, cb] = await connectPair(a, b);
    expect(ca.localCandidate.transport).toBe('tcp');
    expect(cb.remoteCandidate.transport).toBe('tcp');
    const gotA: string[] = [];
    const gotB: string[] = [];
    ca.onMessage((d) => gotA.push(d.toString()));
    cb.onMessage((d) => gotB.push(d.toString()));
    const big = Buffer.alloc(1200, 0x42);
    for (let i = 0; i < 50; i++) {
      ca.send(Buffer.from(`a${i}`));
      cb.send(Buffer.from(`b${i}`));
    }
    cb.send(big);
    await waitFor('data both ways', () => gotA.length === 51 && gotB.length === 50);
    expect(gotB).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`)); // ordered stream
    expect(gotA[50]).toBe(big.toString());
    a.close();
    b.close();
    await expectNoLeaks(before);
  });

  it('server with only passive TCP candidates, client with only active', async () => {
    const server = new IceAgent(tcpOnly());
    const client = new IceAgent(tcpOnly());
    toClose.push(server, client);
    server.onCandidate((c) => {
      if (c === null || c.tcpType === 'passive') client.addRemoteCandidate(c);
    });
    client.onCandidate((c) => {
      if (c === null || c.tcpType === 'active') server.addRemoteCandidate(c);
    });
    const [cs, cc] = await Promise.all([
      server.accept(client.localCredentials.ufrag, client.localCredentials.pwd, AbortSignal.timeout(10_000)),
      client.dial(server.localCredentials.ufrag, server.localCredentials.pwd, AbortSignal.timeout(10_000)),
    ]);
    expect(cs.localCandidate.tcpType).toBe('passive');
    expect(cc.localCandidate.tcpType).toBe('active');
    const got: string[] = [];
    cs.onMessage((d) => got.push(d.toString()));
    cc.send(Buffer.from('hello over tcp'));
    await waitFor('data at server', () => got.length === 1);
  });
});
