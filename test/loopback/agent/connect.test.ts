import { describe, expect, it } from 'vitest';
import { IceAgent } from '../../../src/agent/index.js';
import { expectNoLeaks, snapshotResources } from '../../support/leaks.js';
import { LOOPBACK, connectPair, loopbackConfig, waitFor } from './loopback-helpers.js';

describe('IceAgent on 127.0.0.1', () => {
  it('tern <-> tern: connects and exchanges datagrams both ways; close() leaves no socket or timer', async () => {
    const before = snapshotResources();
    const a = new IceAgent(loopbackConfig());
    const b = new IceAgent(loopbackConfig());
    const seen: string[] = [];
    a.onStateChange((s) => {
      seen.push(s);
      throw new Error('listener bug');
    });
    a.onCandidate(() => {
      throw new Error('listener bug');
    });
    const [ca, cb] = await connectPair(a, b);
    expect(seen).toEqual(['new', 'checking', 'connected']);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
    expect(ca.localCandidate.address).toBe(LOOPBACK);
    expect(ca.remoteCandidate.port).toBe(cb.localCandidate.port);
    const atA: number[] = [];
    const atB: number[] = [];
    ca.onMessage((d) => atA.push(d.readUInt16BE(1)));
    cb.onMessage((d) => atB.push(d.readUInt16BE(1)));
    for (let i = 0; i < 200; i++) {
      const m = Buffer.alloc(100);
      m[0] = 0x80;
      m.writeUInt16BE(i, 1);
      ca.send(m);
      cb.send(m);
    }
    await waitFor('datagrams', () => atA.length >= 190 && atB.length >= 190);
    expect(a.getStats().packetsSent).toBe(200);
    expect(b.getStats().packetsReceived).toBe(atB.length);
    // A second dial on a connected agent resolves at once with the same connection.
    expect(await a.dial(b.localCredentials.ufrag, b.localCredentials.pwd)).toBe(ca);
    let closed = 0;
    ca.onClose(() => closed++);
    a.close();
    b.close();
    a.close();
    expect(closed).toBe(1);
    expect(ca.closed).toBe(true);
    expect(a.state).toBe('closed');
    await expectNoLeaks(before);
  });

  it('datagrams the controlled side sends as soon as it connects reach a controlling side that reads late', async () => {
    const a = new IceAgent(loopbackConfig());
    const b = new IceAgent(loopbackConfig());
    a.onCandidate((c) => b.addRemoteCandidate(c));
    b.onCandidate((c) => a.addRemoteCandidate(c));
    // The controlled side selects the pair first (on the nominating check) and may send before
    // the controlling side has even seen the response; here it sends the moment it connects.
    const accepted = b.accept(a.localCredentials.ufrag, a.localCredentials.pwd).then((cb) => {
      for (let i = 0; i < 5; i++) cb.send(Buffer.from([0x80, i]));
      return cb;
    });
    const ca = await a.dial(b.localCredentials.ufrag, b.localCredentials.pwd);
    await accepted;
    await new Promise((r) => setTimeout(r, 30));
    const got: number[] = [];
    ca.onMessage((m) => got.push(m[1]!));
    await waitFor('the early datagrams', () => got.length === 5);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    a.close();
    b.close();
  });

  it('close() during gathering and connecting leaves nothing behind', async () => {
    const before = snapshotResources();
    const a = new IceAgent(loopbackConfig({ iceServers: [{ urls: `stun:${LOOPBACK}:9` }] }));
    const dial = a.dial('abcd', 'abcdefghijklmnopqrstuvwxyz');
    await new Promise((r) => setTimeout(r, 20));
    a.close();
    await expect(dial).rejects.toMatchObject({ code: 'ERR_ICE_CLOSED' });
    await expectNoLeaks(before);
  });

  it('dial() honours an AbortSignal', async () => {
    const a = new IceAgent(loopbackConfig());
    const ac = new AbortController();
    const p = a.dial('abcd', 'abcdefghijklmnopqrstuvwxyz', ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_ICE_ABORTED' });
    a.close();
  });
});

describe('IceAgent on ::1', () => {
  it('connects over IPv6 loopback and carries data', async () => {
    const cfg = { networkTypes: ['udp6' as const], includeLoopback: true, ipFilter: (ip: string) => ip === '::1' };
    const a = new IceAgent(cfg);
    const b = new IceAgent(cfg);
    try {
      const [ca, cb] = await connectPair(a, b);
      expect(ca.localCandidate.address).toBe('::1');
      expect(ca.localCandidate.family).toBe(6);
      const got: string[] = [];
      cb.onMessage((d) => got.push(d.toString()));
      ca.send(Buffer.from('v6'));
      await waitFor('datagram', () => got.length === 1);
    } finally {
      a.close();
      b.close();
    }
  });
});
