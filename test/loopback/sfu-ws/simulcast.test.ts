import { afterEach, describe, expect, it } from 'vitest';
import { seqDiff } from '../../../src/index.js';
import { waitFor } from '../../support/pc.js';
import { startSfu } from './sfu-client.js';

describe('sfu-ws simulcast (tern-rtc clients)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a publisher offers two layers; a subscriber is switched between them on key frames without a sequence jump', async () => {
    const { sfu, join } = await startSfu(cleanups);
    const pub = await join('sim', { publish: false });
    const sub = await join('sim', { publish: false });
    await waitFor(() => pub.answers > 0 && pub.pc.signalingState === 'stable' && sub.answers > 0);
    await pub.publishSimulcast();
    const key = `${pub.peerId}/video`;
    const dbg = (what: string) => (e: unknown) => {
      console.log(what, key, [...sub.packets], [...sub.lastPayloadSize], pub.errors, sub.errors, pub.pc.signalingState);
      throw e;
    };
    // Without a request or an estimate the best-measured layer ('h', the larger) is forwarded.
    await waitFor(() => (sub.packets.get(key) ?? 0) > 20, 10_000).catch(dbg('flow'));
    await waitFor(() => (sub.lastPayloadSize.get(key) ?? 0) > 500, 5000).catch(dbg('high'));
    const fwd = sfu.rooms.get('sim')!.forwarders.find((f) => f.kind === 'video')!;
    expect([...fwd.rids]).toEqual(expect.arrayContaining(['l', 'h']));
    // The subscriber asks for the low layer (by the publisher's stream id), then for the high one again.
    sub.send({ type: 'layer', trackId: pub.peerId, rid: 'l' });
    await waitFor(() => (sub.lastPayloadSize.get(key) ?? 0) < 100, 5000).catch(dbg('low'));
    const mid = sub.packets.get(key)!;
    sub.send({ type: 'layer', trackId: pub.peerId, rid: 'h' });
    await waitFor(() => (sub.lastPayloadSize.get(key) ?? 0) > 500 && sub.packets.get(key)! > mid + 20, 5000);
    const seqs = sub.seqs.get(key)!;
    for (let i = 1; i < seqs.length; i++) expect(Math.abs(seqDiff(seqs[i]!, seqs[i - 1]!))).toBeLessThan(5);
    const stats = await sfu.stats();
    const t = stats.roomList[0]!.tracks.find((x) => x.kind === 'video')!;
    expect(t.subscriberLayers).toEqual([expect.objectContaining({ peer: sub.peerId, rid: 'h', targetRid: 'h' })]);
    expect(t.layers.find((l) => l.rid === 'h')!.bitrateBps).toBeGreaterThan(t.layers.find((l) => l.rid === 'l')!.bitrateBps);
  });
});
