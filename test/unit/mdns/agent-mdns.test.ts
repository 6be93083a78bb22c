import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../../src/agent/index.js';
import type { Candidate } from '../../../src/candidate/index.js';
import { MulticastDns, type MdnsResolver } from '../../../src/mdns/index.js';
import { connectPair, loopbackConfig, waitFor } from '../../loopback/agent/loopback-helpers.js';
import { MdnsBus } from './mdns-bus.js';

// Agents on 127.0.0.1; mDNS over an in-memory link (no multicast leaves the process).
const UUID_LOCAL = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function track<T extends { close(): void }>(x: T): T {
  closers.push(() => x.close());
  return x;
}

describe('IceAgent with mDNS candidates', () => {
  it('one side publishes .local host candidates, the other resolves them and connects', async () => {
    const bus = new MdnsBus();
    const pub = track(new MulticastDns({ socketFactory: bus.factory() }));
    const res = track(new MulticastDns({ socketFactory: bus.factory() }));
    const a = track(new IceAgent(loopbackConfig({ mdns: { publish: true, resolver: pub } })));
    const b = track(new IceAgent(loopbackConfig({ mdns: { resolver: res } })));
    const signalled: Candidate[] = [];
    a.onCandidate((c) => c && signalled.push(c));
    const [ca, cb] = await connectPair(a, b);
    expect(signalled.length).toBeGreaterThan(0);
    for (const c of signalled) expect(c.address).toMatch(UUID_LOCAL);
    expect(a.getLocalCandidates().every((c) => c.isMdns)).toBe(true);
    // The publisher still pairs its real address.
    expect(ca.localCandidate.address).toBe('127.0.0.1');
    await waitFor('resolved remote', () => b.getRemoteCandidates().some((c) => c.type === 'host' && c.address === '127.0.0.1'));
    const resolved = b.getRemoteCandidates().find((c) => c.type === 'host')!;
    expect(b.getSignalledRemoteCandidate(resolved).address).toBe(signalled[0]!.address);
    expect(b.getSignalledRemoteCandidate(resolved).port).toBe(resolved.port);
    const got = new Promise<Buffer>((r) => cb.onMessage(r));
    ca.send(Buffer.from('over mdns'));
    expect((await got).toString()).toBe('over mdns');
  });

  it('an unresolvable .local candidate is skipped: checks go on and prflx connects', async () => {
    const bus = new MdnsBus();
    const deaf = new MdnsBus(); // the resolver is on another link: nobody answers
    const pub = track(new MulticastDns({ socketFactory: bus.factory() }));
    const res = track(new MulticastDns({ socketFactory: deaf.factory() }));
    const a = track(new IceAgent(loopbackConfig({ mdns: { publish: true, resolver: pub } })));
    const b = track(new IceAgent(loopbackConfig({ mdns: { resolver: res, timeoutMs: 400 } })));
    const start = performance.now();
    await connectPair(a, b);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(b.getRemoteCandidates().some((c) => c.type === 'prflx')).toBe(true);
    // After the timeout the deferred end-of-candidates is applied and nothing is pending.
    await waitFor('timeout', () => deaf.sent >= 1 && b.getRemoteCandidates().every((c) => !c.isMdns), 2000);
    expect(b.state).toBe('connected');
  });

  it('resolve: false leaves .local candidates alone; close withdraws published names from a shared resolver', async () => {
    const calls: string[] = [];
    const spy: MdnsResolver = {
      resolve: (name) => {
        calls.push(`resolve ${name}`);
        return Promise.reject(new Error('unexpected'));
      },
      publish: (address) => {
        calls.push(`publish ${address}`);
        return '11111111-2222-4333-8444-555555555555.local';
      },
      unpublish: (name) => void calls.push(`unpublish ${name}`),
      close: () => void calls.push('close'),
    };
    const a = new IceAgent(loopbackConfig({ mdns: { resolve: false, publish: true, resolver: spy } }));
    a.addRemoteCandidate('candidate:1 1 udp 2122260223 9b36e1a6-4f1c-4a8e-a1e3-7c1b1e0c5d12.local 54321 typ host');
    await a.gather();
    expect(a.getLocalCandidates().map((c) => c.address)).toEqual(['11111111-2222-4333-8444-555555555555.local']);
    a.close();
    expect(calls).toEqual(['publish 127.0.0.1', 'unpublish 11111111-2222-4333-8444-555555555555.local']);
  });
});
