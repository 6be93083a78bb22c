import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/pc.js';
import { startSfu, type SfuClient } from './sfu-client.js';

/**
 * Load on one SFU process with tern-rtc clients on loopback. Churn runs for
 * CHURN_MS (20 s in CI; set SFU_CHURN_MS=60000 for the full minute).
 */
const CHURN_MS = Number(process.env['SFU_CHURN_MS'] ?? 20_000);

describe('sfu-ws under load', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('20 participants in one room: each receives media from the others', async () => {
    // Most publish nothing (2 cores are shared): 4 publishers, 16 subscribers, every one receiving all 4.
    const { sfu, join } = await startSfu(cleanups, { maxParticipants: 20, maxConnectionsPerAddress: 32 });
    const clients: SfuClient[] = [];
    for (let i = 0; i < 20; i++) clients.push(await join('big', { publish: i < 4 }));
    await waitFor(() => clients.every((c, i) => c.flowing(3).length === (i < 4 ? 3 : 4)), 60_000).catch((e: unknown) => {
      console.log(clients.map((c) => `${c.flowing(3).length}/${c.remote.size}/${c.pc.connectionState}/${c.answers}/${c.errors.join(",")}`).join(" "));
      throw e;
    });
    const s = await sfu.stats();
    expect(s).toMatchObject({ rooms: 1, peers: 20, tracks: 8 });
    expect(s.roomList[0]!.tracks.every((t) => t.subscribers === 19)).toBe(true);
  }, 90_000);

  it(`churn: a join or a leave every 100 ms for ${CHURN_MS / 1000} s, and the room ends consistent`, async () => {
    const { sfu, join } = await startSfu(cleanups, { maxParticipants: 12 });
    const live: SfuClient[] = [];
    const anchor = await join('churn');
    let joins = 0;
    let leaves = 0;
    const end = Date.now() + CHURN_MS;
    let step = 0;
    while (Date.now() < end) {
      const t = Date.now();
      // Mostly alternate; keep between 2 and 8 churning clients.
      const leave = live.length >= 8 || (live.length > 2 && step % 2 === 1);
      if (leave) {
        live.splice(Math.floor(Math.random() * live.length), 1)[0]!.close();
        leaves++;
      } else {
        live.push(await join('churn', { publish: step % 3 === 0 }));
        joins++;
      }
      step++;
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t))));
    }
    expect(joins + leaves).toBeGreaterThan(CHURN_MS / 200);
    const room = sfu.rooms.get('churn')!;
    await waitFor(() => room.peers.size === live.length + 1, 10_000);
    // Whoever is left sees the anchor's media, and the anchor sees every remaining publisher.
    await waitFor(() => live.every((c) => c.flowing(3).includes(anchor.peerId!)), 30_000);
    for (const c of live.splice(0)) c.close();
    await waitFor(() => room.peers.size === 1 && sfu.mux!.stats.transports === 1, 10_000);
    expect((await sfu.stats()).tracks).toBe(2);
  }, CHURN_MS + 90_000);
});
