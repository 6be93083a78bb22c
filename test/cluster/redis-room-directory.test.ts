import { firstValueFrom, take, timeout } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, NodeRegistry, RedisRoomDirectory, type NodeLoad } from '../../src/cluster/index.js';
import { FakeClock } from '../../src/common/fake-clock.js';
import { RoomDirectoryError } from '../../src/sfu-ws/index.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';

// Real Redis TTL: long enough that a slow, loaded machine does not expire live nodes mid-test.
const HEARTBEAT_TTL_MS = 1500;

interface TestNode {
  id: string;
  load: NodeLoad;
  registry: NodeRegistry;
  dir: RedisRoomDirectory;
  /** Each node's loops run on its own fake clock: a test drives heartbeats and refreshes itself. */
  clock: FakeClock;
}

/** Polls `check` in real time (Redis TTLs are real) until it holds, for at most `maxMs`. */
async function eventually(check: () => Promise<boolean>, maxMs: number, what: string): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!redisAvailable())('RedisRoomDirectory and NodeRegistry on a real redis-server', () => {
  let redis: RedisServer;
  let prefixCount = 0;
  let nodes: TestNode[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 15_000);

  afterAll(async () => {
    await redis?.stop();
  }, 10_000);

  afterEach(() => {
    for (const n of nodes) {
      n.dir.close();
      n.registry.close();
    }
    nodes = [];
  });

  /** Starts nodes sharing a fresh key prefix (tests never see each other's keys). */
  async function cluster(loads: Record<string, number>, autoReassign = false): Promise<TestNode[]> {
    const keyPrefix = `t${++prefixCount}:`;
    const out: TestNode[] = [];
    for (const [id, peers] of Object.entries(loads)) {
      const clock = new FakeClock({ wallBaseMs: 1_700_000_000_000 });
      const load: NodeLoad = { peers, rooms: 0 };
      const registry = new NodeRegistry({
        redis: redis.url,
        nodeId: id,
        address: `ws://127.0.0.1:${8000 + out.length}`,
        load: () => load,
        clock,
        keyPrefix,
        heartbeatIntervalMs: 100,
        heartbeatTtlMs: HEARTBEAT_TTL_MS,
        commandTimeoutMs: 1000,
      });
      const dir = new RedisRoomDirectory({ redis: redis.url, registry, clock, keyPrefix, roomTtlMs: 5000, refreshIntervalMs: 1000, commandTimeoutMs: 1000, autoReassign });
      const node = { id, load, registry, dir, clock };
      nodes.push(node);
      out.push(node);
      await registry.start();
    }
    return out;
  }

  it('places each new room on the least loaded live node', async () => {
    const [a, , c] = await cluster({ a: 5, b: 1, c: 3 });
    const first = await a!.dir.createRoom({ maxParticipants: 8, secured: true });
    expect(first.node).toBe('b');
    expect(first.id).toMatch(/^[A-Za-z0-9]{10}$/);
    // b scores 1 peer + its rooms; c 3; ties go to the smaller id.
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await c!.dir.createRoom({ maxParticipants: 8, secured: false }));
    expect(more.map((r) => r.node)).toEqual(['b', 'b', 'c']);
    const listed = await a!.dir.listRooms();
    expect(listed.map((r) => r.id).sort()).toEqual([first, ...more].map((r) => r.id).sort());
  });

  it('keeps a room on its node while it lives, whatever the load does', async () => {
    const [a, b, c] = await cluster({ a: 0, b: 1, c: 2 });
    const lobby = await c!.dir.createRoom({ id: 'lobby', maxParticipants: 4, secured: false });
    expect(lobby.node).toBe('a');
    a!.load.peers = 100;
    await a!.registry.heartbeat();
    // The same name asked through other nodes finds the same room, invites and node.
    const again = await b!.dir.createRoom({ id: 'lobby', maxParticipants: 4, secured: false });
    expect(again).toEqual(lobby);
    await a!.dir.refreshRooms();
    expect((await c!.dir.getRoom('lobby'))?.node).toBe('a');
    expect(a!.dir.hostedRoomCount).toBe(1);
    // A new room now avoids the loaded node.
    expect((await a!.dir.createRoom({ maxParticipants: 4, secured: false })).node).toBe('b');
    // Deleting removes it everywhere.
    await b!.dir.deleteRoom('lobby');
    expect(await a!.dir.getRoom('lobby')).toBeUndefined();
    // Ids that would make unbounded or odd keys are refused before Redis.
    await expect(a!.dir.createRoom({ id: 'x'.repeat(65), maxParticipants: 4, secured: false })).rejects.toMatchObject({ code: 'ERR_SFU_NO_ROOM' });
    await expect(a!.dir.getRoom('a b')).resolves.toBeUndefined();
  });

  it('redeems a grant once across nodes, and never after it expires', async () => {
    const [a, b] = await cluster({ a: 0, b: 0 });
    const room = await a!.dir.createRoom({ maxParticipants: 4, secured: true });
    const now = a!.clock.wallMs();
    const grant = await a!.dir.issueGrant(room.id, 'host', now, 30_000);
    expect(grant.token).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(grant.ufrag).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(await b!.dir.redeemGrant(grant.token, now + 10)).toEqual(grant);
    expect(await a!.dir.redeemGrant(grant.token, now + 20)).toBeUndefined();

    // Racing redemptions from two nodes: exactly one wins each grant.
    for (let i = 0; i < 10; i++) {
      const g = await b!.dir.issueGrant(room.id, 'participant', now, 30_000);
      const results = await Promise.all([a!.dir.redeemGrant(g.token, now), b!.dir.redeemGrant(g.token, now)]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    }

    // Expired by its stated time, even if Redis still held it...
    const late = await a!.dir.issueGrant(room.id, 'participant', now, 1000);
    expect(await b!.dir.redeemGrant(late.token, now + 1000)).toBeUndefined();
    // ...and gone from Redis once its TTL passes.
    const short = await a!.dir.issueGrant(room.id, 'participant', now, 60);
    await sleep(150);
    expect(await b!.dir.redeemGrant(short.token, now)).toBeUndefined();

    // A grant of a deleted room does not admit anyone; unknown rooms and foreign tokens are refused.
    const orphan = await a!.dir.issueGrant(room.id, 'participant', now, 30_000);
    await a!.dir.deleteRoom(room.id);
    expect(await b!.dir.redeemGrant(orphan.token, now)).toBeUndefined();
    await expect(a!.dir.issueGrant('nope', 'host', now, 1000)).rejects.toMatchObject({ code: 'ERR_SFU_NO_ROOM' });
    expect(await a!.dir.redeemGrant('not-a-token', now)).toBeUndefined();
    expect(await a!.dir.redeemGrant('x'.repeat(10_000), now)).toBeUndefined();
  });

  it('notices a node whose heartbeat expired and re-places its rooms', async () => {
    const [a, b, c] = await cluster({ a: 10, b: 0, c: 20 });
    const rooms = [];
    for (let i = 0; i < 3; i++) rooms.push(await a!.dir.createRoom({ maxParticipants: 4, secured: false }));
    expect(rooms.every((r) => r.node === 'b')).toBe(true);
    expect((await a!.registry.liveNodes()).map((n) => n.id).sort()).toEqual(['a', 'b', 'c']);

    // b stops beating (a crash: no leave), the others keep beating.
    b!.dir.close();
    b!.registry.close();
    const lost = firstValueFrom(a!.registry.nodeLost$.pipe(take(1), timeout({ first: 5000 })));
    await eventually(async () => {
      await a!.registry.heartbeat();
      await c!.registry.heartbeat();
      return (await a!.registry.deadNodes()).includes('b');
    }, 6000, 'b to be dead');
    await a!.clock.advance(100); // one heartbeat tick of a: notices b
    expect(await lost).toBe('b');

    const moves = await c!.dir.reassignOrphanedRooms();
    expect(moves.map((m) => m.room).sort()).toEqual(rooms.map((r) => r.id).sort());
    // Placed by load again: a (10 peers + its rooms) stays below c (20) for all three.
    expect(moves.every((m) => m.from === 'b' && m.to === 'a')).toBe(true);
    for (const r of rooms) expect((await c!.dir.getRoom(r.id))?.node).toBe('a');
    expect(a!.dir.hostedRoomCount).toBe(0);
    await a!.dir.refreshRooms(); // a learns the rooms placed on it
    expect(a!.dir.hostedRoomCount).toBe(3);
    // The dead node is forgotten; a second pass has nothing to do.
    expect(await a!.registry.deadNodes()).toEqual([]);
    expect(await a!.dir.reassignOrphanedRooms()).toEqual([]);
  });

  it('moves a lost node\'s rooms by itself, and a node that comes back drops the rooms it lost', async () => {
    const [a, b] = await cluster({ a: 5, b: 0 }, true);
    const room = await a!.dir.createRoom({ maxParticipants: 4, secured: false });
    expect(room.node).toBe('b');
    await b!.dir.refreshRooms();
    expect(b!.dir.hostedRoomCount).toBe(1);
    const moved = firstValueFrom(a!.dir.roomMoved$.pipe(take(1), timeout({ first: 5000 })));
    const lostHere = firstValueFrom(b!.dir.roomLost$.pipe(take(1), timeout({ first: 5000 })));
    // b stalls (its clock does not advance, so it sends no heartbeat) until Redis expires it.
    await eventually(async () => {
      await a!.registry.heartbeat();
      return (await a!.registry.deadNodes()).includes('b');
    }, 6000, 'b to be dead');
    await a!.clock.advance(100);
    expect(await moved).toEqual({ room: room.id, from: 'b', to: 'a' });
    expect((await a!.dir.getRoom(room.id))?.node).toBe('a');
    // b wakes up: it beats again, and its next refresh finds the room placed elsewhere.
    await b!.registry.heartbeat();
    await b!.dir.refreshRooms();
    expect(await lostHere).toBe(room.id);
    expect(b!.dir.hostedRoomCount).toBe(0);
    expect((await a!.dir.getRoom(room.id))?.node).toBe('a');
  });

  it('fails new rooms with a typed error while Redis is down, and resumes when it returns', async () => {
    const [a, b] = await cluster({ a: 0, b: 1 });
    const running = await a!.dir.createRoom({ id: 'running', maxParticipants: 4, secured: false });
    expect(running.node).toBe('a');

    await redis.stop();
    const t0 = Date.now();
    const err = await b!.dir.createRoom({ maxParticipants: 4, secured: false }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toBeInstanceOf(RoomDirectoryError);
    expect(err).toMatchObject({ code: 'ERR_SFU_DIRECTORY_UNAVAILABLE' });
    expect((err as Error).cause).toBeInstanceOf(ClusterError);
    expect((err as Error).cause).toMatchObject({ code: 'ERR_CLUSTER_UNAVAILABLE' });
    await expect(a!.registry.heartbeat()).rejects.toMatchObject({ code: 'ERR_CLUSTER_UNAVAILABLE' });
    await expect(a!.dir.issueGrant('running', 'host', a!.clock.wallMs(), 1000)).rejects.toMatchObject({ code: 'ERR_SFU_DIRECTORY_UNAVAILABLE' });
    await expect(a!.dir.refreshRooms()).rejects.toMatchObject({ code: 'ERR_SFU_DIRECTORY_UNAVAILABLE' });

    // Redis comes back empty (no persistence): heartbeats resume, the running room is recorded again.
    await redis.restart();
    await eventually(async () => {
      await a!.registry.heartbeat();
      await b!.registry.heartbeat();
      await a!.dir.listRooms();
      await b!.dir.listRooms();
      return true;
    }, 5000, 'heartbeats and directories to resume');
    expect(await b!.dir.getRoom('running')).toBeUndefined();
    await a!.dir.refreshRooms();
    expect(await b!.dir.getRoom('running')).toEqual(running);
    expect((await b!.dir.createRoom({ maxParticipants: 4, secured: false })).node).toBe('a');
  }, 20_000);

  it('close() releases connections and timers', async () => {
    const before = snapshotResources();
    const [a, b] = await cluster({ a: 0, b: 0 });
    await a!.dir.createRoom({ maxParticipants: 4, secured: false });
    await b!.registry.leave();
    expect((await a!.registry.liveNodes()).map((n) => n.id)).toEqual(['a']);
    for (const n of nodes) {
      n.dir.close();
      n.dir.close();
      n.registry.close();
    }
    for (const n of [a!, b!]) expect(n.clock.pendingTimers).toBe(0);
    await expectNoLeaks(before, { timeoutMs: 2000 });
    await expect(a!.dir.getRoom('x')).rejects.toMatchObject({ code: 'ERR_SFU_DIRECTORY_UNAVAILABLE' });
  });
});
