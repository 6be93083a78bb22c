import { afterEach, describe, expect, it } from 'vitest';
import { seqDiff } from '../../../src/index.js';
import { waitFor } from '../../support/pc.js';
import { startSfu } from './sfu-client.js';

describe('sfu-ws media on 127.0.0.1 (single port)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('forwards every peer’s audio and video to every other peer of the room through one UDP port, and drops a leaver’s tracks', async () => {
    const { sfu, join } = await startSfu(cleanups);
    const a = await join('r1');
    const b = await join('r1');
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1);
    const c = await join('r1');
    await waitFor(() => a.flowing().length === 2 && b.flowing().length === 2 && c.flowing().length === 2);
    const stats = await sfu.stats();
    expect(stats).toMatchObject({ rooms: 1, peers: 3, tracks: 6 });
    // Every peer connection shares the one media port.
    expect(sfu.mux!.stats.transports).toBe(3);
    for (const x of [a, b, c]) expect(new Set(x.flowing())).toHaveProperty('size', 2);
    expect(new Set([...a.flowing(), ...b.flowing(), ...c.flowing()]).size).toBe(3);
    // Every new subscriber asks the publisher for a key frame.
    await waitFor(() => a.pliReceived > 0 && b.pliReceived > 0 && c.pliReceived > 0);
    // The offer always precedes the server's candidates.
    for (const x of [a, b, c]) expect(x.order.indexOf('offer')).toBeLessThan(x.order.indexOf('candidate') === -1 ? Infinity : x.order.indexOf('candidate'));

    const answersBefore = a.answers;
    const closedAt = Date.now();
    c.close();
    await waitFor(() => a.answers > answersBefore && b.muted.size === 2 && a.muted.size === 2, 5000);
    // Gone from the others within 2 s of the websocket closing.
    expect(Date.now() - closedAt).toBeLessThan(2000);
    expect((await sfu.stats()).tracks).toBe(4);
    expect(a.errors).toEqual([]);
  });

  it('keeps rooms apart, and forgets an open room when its last peer leaves', async () => {
    const { sfu, join } = await startSfu(cleanups);
    const a1 = await join('one');
    const a2 = await join('one');
    const b1 = await join('two');
    const b2 = await join('two');
    await waitFor(() => [a1, a2, b1, b2].every((c) => c.flowing().length === 1));
    await new Promise((r) => setTimeout(r, 200));
    for (const c of [a1, a2, b1, b2]) expect(c.remote.size).toBe(2);
    expect(a1.peers.map((p) => p.id).sort()).toEqual([a1.peerId, a2.peerId].sort());
    b1.close();
    b2.close();
    await waitFor(() => sfu.rooms.size === 1);
    expect([...sfu.rooms.keys()]).toEqual(['one']);
    expect((await sfu.directory.listRooms()).map((r) => r.id)).toEqual(['one']);
  });

  it('starts a new subscriber on a key frame, and keeps its sequence numbers continuous across a re-publish', async () => {
    const { join } = await startSfu(cleanups);
    // Key frames only on request: the subscriber's start must come from its own PLI.
    const pub = await join('k', { keyEvery: 1_000_000 });
    const sub = await join('k', { publish: false });
    const t0 = Date.now();
    await waitFor(() => (sub.packets.get(`${pub.peerId}/video`) ?? 0) > 0, 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor(() => (sub.packets.get(`${pub.peerId}/video`) ?? 0) > 20);
    pub.republish();
    const before = sub.packets.get(`${pub.peerId}/video`)!;
    await waitFor(() => sub.packets.get(`${pub.peerId}/video`)! > before + 20);
    const seqs = sub.seqs.get(`${pub.peerId}/video`)!;
    // No jump: consecutive packets differ by small steps (a few may be skipped while waiting for the key frame).
    for (let i = 1; i < seqs.length; i++) expect(Math.abs(seqDiff(seqs[i]!, seqs[i - 1]!))).toBeLessThan(50);
  });
});
