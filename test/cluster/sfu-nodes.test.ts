import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClusteredSfu, type ClusteredSfu } from '../../src/cluster/index.js';
import { waitFor, loopbackSettingEngine } from '../support/pc.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';
import { grant, post, SfuClient } from '../loopback/sfu-ws/sfu-client.js';

/** Polls an async condition every 50 ms until it holds, failing after `ms`. */
async function until(pred: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Three sfu-ws nodes on one Redis, on loopback: clients that join a room
 * through different nodes are redirected to the room's node; a node that dies
 * has its rooms re-placed; a Redis outage spares running calls.
 */
describe.skipIf(!redisAvailable())('sfu-ws cluster: three nodes on one Redis', () => {
  let redis: RedisServer;
  const cleanups: (() => unknown)[] = [];
  let prefixN = 0;

  beforeAll(async () => {
    redis = await startRedis();
  }, 15_000);
  afterAll(async () => {
    await redis?.stop();
  }, 10_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function startNodes(n: number, emptyRoomTtlMs?: number, heartbeatTtlMs = 1000): Promise<ClusteredSfu[]> {
    const keyPrefix = `t${prefixN++}:`;
    const nodes: ClusteredSfu[] = [];
    for (let i = 0; i < n; i++) {
      const node = await startClusteredSfu({
        redisUrl: redis.url,
        nodeId: `node-${i}`,
        keyPrefix,
        heartbeatIntervalMs: 200,
        heartbeatTtlMs,
        roomRefreshIntervalMs: 300,
        sfu: { settingEngine: loopbackSettingEngine(), page: '<!doctype html><title>sfu</title>', ...(emptyRoomTtlMs ? { emptyRoomTtlMs } : {}) },
      });
      cleanups.push(() => node.close());
      nodes.push(node);
    }
    return nodes;
  }

  const base = (n: ClusteredSfu): string => n.nodeUrl;
  const wsOf = (n: ClusteredSfu): string => `${n.nodeUrl.replace('http', 'ws')}/ws`;

  /** Asks `node` for a token and opens the websocket to `node` (it may redirect). */
  async function joinThrough(node: ClusteredSfu, room: string): Promise<SfuClient> {
    const g = await grant(base(node), room);
    const c = new SfuClient(wsOf(node), g.token);
    cleanups.push(() => c.close());
    return c;
  }

  it('clients joining one room through different nodes are redirected to its node, and everyone receives everyone', async () => {
    const nodes = await startNodes(3);
    const clients = [await joinThrough(nodes[0]!, 'cafe'), await joinThrough(nodes[1]!, 'cafe'), await joinThrough(nodes[2]!, 'cafe')];
    const record = await nodes[0]!.node.directory.getRoom('cafe');
    const owner = nodes.find((n) => n.nodeId === record?.node)!;
    expect(owner).toBeDefined();
    await waitFor(() => clients.every((c) => c.flowing().length === 2), 20_000);
    expect(owner.sfu.rooms.get('cafe')?.peers.size).toBe(3);
    for (const n of nodes) if (n !== owner) expect(n.sfu.rooms.has('cafe')).toBe(false);
    // Exactly the clients that came in through another node were redirected, to the owner's websocket.
    for (const [i, c] of clients.entries()) expect(c.redirects).toEqual(nodes[i] === owner ? [] : [wsOf(owner)]);

    // Observability: node ids in /stats and /metrics, the directory listed by any node.
    const stats = (await (await fetch(`${base(owner)}/stats`)).json()) as { node: string; peers: number };
    expect(stats).toMatchObject({ node: owner.nodeId, peers: 3 });
    expect(await (await fetch(`${base(owner)}/metrics`)).text()).toContain(`sfu_node_info{node="${owner.nodeId}"} 1`);
    const other = nodes.find((n) => n !== owner)!;
    const listed = (await (await fetch(`${base(other)}/rooms`)).json()) as { node: string; rooms: { id: string; node: string; peersHere: number }[] };
    expect(listed.node).toBe(other.nodeId);
    expect(listed.rooms).toEqual([expect.objectContaining({ id: 'cafe', node: owner.nodeId, peersHere: 0 })]);
  }, 40_000);

  it('a killed node: its rooms are re-placed on a live node and reconnecting clients get media again', async () => {
    const nodes = await startNodes(3);
    const a = await joinThrough(nodes[0]!, 'deck');
    const b = await joinThrough(nodes[1]!, 'deck');
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1, 20_000);
    const victim = nodes.find((n) => n.sfu.rooms.has('deck'))!;
    const survivors = nodes.filter((n) => n !== victim);

    // Killed without leaving: its heartbeat stays until the TTL expires.
    await victim.close();
    a.close();
    b.close();
    await until(async () => {
      const r = await survivors[0]!.node.directory.getRoom('deck');
      return r !== undefined && r.node !== victim.nodeId;
    }, 10_000);
    const moved = (await survivors[0]!.node.directory.getRoom('deck'))!;
    expect(survivors.map((n) => n.nodeId)).toContain(moved.node);

    const a2 = await joinThrough(survivors[0]!, 'deck');
    const b2 = await joinThrough(survivors[1]!, 'deck');
    await waitFor(() => a2.flowing().length === 1 && b2.flowing().length === 1, 20_000);
    expect(nodes.find((n) => n.nodeId === moved.node)!.sfu.rooms.get('deck')?.peers.size).toBe(2);
  }, 40_000);

  it('a node that leaves gracefully has its rooms re-placed at once, long before its heartbeat would expire', async () => {
    const nodes = await startNodes(2, undefined, 60_000);
    const a = await joinThrough(nodes[1]!, 'bye');
    await waitFor(() => a.answers > 0, 20_000);
    const owner = nodes.find((n) => n.sfu.rooms.has('bye'))!;
    const survivor = nodes.find((n) => n !== owner)!;
    await owner.leave();
    await waitFor(() => a.messages.some((m) => m.type === 'shutdown') || a.closedCode !== undefined, 5000);
    await until(async () => (await survivor.node.directory.getRoom('bye'))?.node === survivor.nodeId, 5000);
    const again = await joinThrough(survivor, 'bye');
    const other = await joinThrough(survivor, 'bye');
    await waitFor(() => again.flowing().length === 1 && other.flowing().length === 1, 20_000);
  }, 30_000);

  it('a node presumed dead (heartbeat stopped) finds its room placed elsewhere, closes it and tells its clients to reconnect', async () => {
    const nodes = await startNodes(3);
    const a = await joinThrough(nodes[0]!, 'stall');
    await waitFor(() => a.answers > 0, 20_000);
    const stalled = nodes.find((n) => n.sfu.rooms.has('stall'))!;
    // Its heartbeat stops while its SFU and room directory keep running.
    stalled.node.registry.close();
    await waitFor(() => a.messages.some((m) => m.type === 'reconnect'), 10_000);
    expect(a.messages.find((m) => m.type === 'reconnect')).toEqual({ type: 'reconnect', room: 'stall' });
    expect(stalled.sfu.rooms.has('stall')).toBe(false);
    const moved = (await stalled.node.directory.getRoom('stall'))!;
    expect(moved.node).not.toBe(stalled.nodeId);
    // Joining again through the stalled node lands on the room's new node.
    const a2 = await joinThrough(stalled, 'stall');
    const b2 = await joinThrough(nodes.find((n) => n !== stalled)!, 'stall');
    await waitFor(() => a2.flowing().length === 1 && b2.flowing().length === 1, 20_000);
    expect(a2.redirects.length).toBe(1);
  }, 40_000);

  it('a room placed on a node through another one and never joined is forgotten by the node it is placed on', async () => {
    const nodes = await startNodes(3, 1500);
    // Asked through node-2; equal loads place it on node-0 (ties go to the lowest id).
    const g = await grant(base(nodes[2]!), 'idle');
    expect(g.room).toBe('idle');
    const placed = (await nodes[2]!.node.directory.getRoom('idle'))!;
    await until(async () => (await nodes[0]!.node.directory.getRoom('idle')) === undefined, 10_000);
    expect(nodes.every((n) => !n.sfu.rooms.has('idle'))).toBe(true);
    expect(placed.node).toBe('node-0');
  }, 20_000);

  it('Redis stopped: the running call goes on, new rooms fail with a clear error on every node, and all resumes when Redis returns', async () => {
    const nodes = await startNodes(3);
    const a = await joinThrough(nodes[0]!, 'live');
    const b = await joinThrough(nodes[2]!, 'live');
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1, 20_000);
    const owner = nodes.find((n) => n.sfu.rooms.has('live'))!;

    await redis.stop();
    for (const n of nodes) {
      const refused = await post(`${base(n)}/rooms/fresh-${n.nodeId}/join`, {});
      expect(refused.status).toBe(503);
      expect(String(refused.body['message'])).toContain('redis unavailable');
    }
    const count = (): number => [...a.packets.values()].reduce((x, y) => x + y, 0);
    const before = count();
    await waitFor(() => count() > before + 20, 5000);

    await redis.restart();
    // The nodes register again and the owner re-records its room.
    await until(async () => (await owner.node.directory.getRoom('live').catch(() => undefined))?.node === owner.nodeId, 10_000);
    await until(async () => (await nodes[1]!.node.registry.liveNodes().catch(() => [])).length === 3, 10_000);
    const c = await joinThrough(nodes.find((n) => n !== owner)!, 'live');
    await waitFor(() => c.flowing().length === 2, 20_000);
    expect(c.redirects).toEqual([wsOf(owner)]);
    expect((await post(`${base(nodes[1]!)}/rooms/fresh/join`, {})).status).toBe(200);
  }, 60_000);
});
