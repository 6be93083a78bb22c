import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sfuLoad, startClusterNode } from '../../src/cluster/index.js';
import type { SfuServer } from '../../src/sfu-ws/index.js';
import { waitFor } from '../support/pc.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';
import { post, startSfu } from '../loopback/sfu-ws/sfu-client.js';

/**
 * One SfuServer whose rooms and join tokens live in Redis: the room directory
 * seen through the server's own HTTP API and websocket.
 */
describe.skipIf(!redisAvailable())('SfuServer on the Redis room directory', () => {
  let redis: RedisServer;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 15_000);
  afterAll(async () => {
    await redis?.stop();
  }, 10_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('creates rooms and redeems join tokens through Redis; a Redis outage refuses new rooms with 503 and then resumes', async () => {
    let server: SfuServer | undefined;
    const node = await startClusterNode({
      redisUrl: redis.url,
      nodeId: 'node-1',
      address: 'ws://127.0.0.1',
      load: () => (server ? sfuLoad(server) : { peers: 0, rooms: 0 }),
      keyPrefix: 'sfu:',
    });
    cleanups.push(() => node.close());
    const { registry, directory } = node;
    const { base, join, sfu } = await startSfu(cleanups, { directory, openRooms: false });
    server = sfu;

    const created = await post(`${base}/rooms`, { maxParticipants: 4 });
    expect(created.status).toBe(201);
    const room = String(created.body['room']);
    const record = await directory.getRoom(room);
    expect(record?.node).toBe('node-1');
    const invite = new URL(String(created.body['participantLink'])).searchParams.get('invite')!;
    const a = await join(room, { invite });
    const b = await join(room, { invite });
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1, 15_000);
    await registry.heartbeat();
    expect((await registry.liveNodes())[0]).toMatchObject({ id: 'node-1', peers: 2, rooms: 1 });

    // Redis goes away: the call goes on, new rooms and joins are refused with 503.
    await redis.stop();
    const refused = await post(`${base}/rooms`, { maxParticipants: 4 });
    expect(refused.status).toBe(503);
    expect(String(refused.body['message'])).toContain('redis unavailable');
    const before = a.packets.size > 0 ? [...a.packets.values()].reduce((x, y) => x + y, 0) : 0;
    await waitFor(() => [...a.packets.values()].reduce((x, y) => x + y, 0) > before + 20, 5000);

    // Redis returns (empty): the node re-records its room, joins and new rooms work again.
    await redis.restart();
    const deadline = Date.now() + 5000;
    for (;;) {
      const back = await registry
        .heartbeat()
        .then(() => directory.refreshRooms())
        .then(() => directory.getRoom(room))
        .catch(() => undefined);
      if (back) break;
      if (Date.now() > deadline) throw new Error('the room was not recorded again after Redis returned');
      await new Promise((r) => setTimeout(r, 50));
    }
    const c = await join(room, { invite });
    await waitFor(() => c.flowing().length === 2, 15_000);
    expect((await post(`${base}/rooms`, { maxParticipants: 4 })).status).toBe(201);
    expect(sfu.rooms.get(room)?.peers.size).toBe(3);
  }, 40_000);
});
