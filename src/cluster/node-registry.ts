import { Subject, type Observable } from 'rxjs';
import type { Redis } from 'ioredis';
import { systemClock, type Clock, type TimerHandle } from '../index.js';
import { ClusterError, unavailable } from './errors.js';
import { checkId, ClusterKeys, isValidId, MAX_ADDRESS_LENGTH, MAX_RECORD_BYTES } from './keys.js';
import { clusterLog as log } from './log.js';
import { ensureConnected, resolveRedis, type RedisTarget } from './redis-connection.js';

/** How often a node refreshes its heartbeat (LiveKit's node stats interval is of the same order). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2000;
/** A node whose heartbeat is this old is dead: three missed beats. */
export const DEFAULT_HEARTBEAT_TTL_MS = 6000;
/** Registered nodes at once; bounds every listing. */
export const DEFAULT_MAX_NODES = 256;

/** What a node reports about itself in its heartbeat. */
export interface NodeLoad {
  peers: number;
  rooms: number;
}

export interface NodeInfo extends NodeLoad {
  readonly id: string;
  /** Where clients and other nodes reach it (e.g. `ws://10.0.0.3:8080`). */
  readonly address: string;
  /** Wall-clock time of the heartbeat. */
  readonly updatedAtMs: number;
}

export interface NodeRegistryOptions {
  /** A Redis URL (the registry opens and closes its own connection) or a connection the caller owns. */
  redis: RedisTarget;
  nodeId: string;
  address: string;
  /** Read at every heartbeat. */
  load: () => NodeLoad;
  clock?: Clock;
  keyPrefix?: string;
  heartbeatIntervalMs?: number;
  heartbeatTtlMs?: number;
  maxNodes?: number;
  commandTimeoutMs?: number;
}

// Registers (or refreshes) a node atomically, refusing a new id beyond maxNodes.
// KEYS: node key, nodes set. ARGV: id, json, ttl ms, max nodes.
const HEARTBEAT_LUA = `
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return 1`;

/**
 * Nodes of a cluster, each announcing itself with a heartbeat key that
 * expires unless refreshed (`PX heartbeatTtlMs`). Liveness is the key's
 * existence, so no clock has to agree across machines. A registered id whose
 * key has expired is a dead node: `deadNodes()` lists them, `nodeLost$` emits
 * each once as the heartbeat loop notices it, and the room directory's
 * `reassignOrphanedRooms()` moves its rooms, then `forget()`s it.
 *
 * While Redis is away the loop keeps running and logs; heartbeats resume by
 * themselves when it returns (a restarted, empty Redis learns the node again).
 */
export class NodeRegistry {
  readonly nodeId: string;
  readonly address: string;
  readonly keys: ClusterKeys;
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #clock: Clock;
  readonly #load: () => NodeLoad;
  readonly #intervalMs: number;
  readonly #ttlMs: number;
  readonly #maxNodes: number;
  readonly #nodeLost = new Subject<string>();
  /** Dead ids already emitted; bounded by maxNodes (ids leave it when forgotten or back alive). */
  readonly #reported = new Set<string>();
  #timer: TimerHandle | undefined;
  #closed = false;
  #leaving = false;
  #failures = 0;

  /** Emits a node id once when its heartbeat has expired. */
  readonly nodeLost$: Observable<string> = this.#nodeLost.asObservable();

  constructor(options: NodeRegistryOptions) {
    this.nodeId = checkId('node', options.nodeId);
    if (options.address.length === 0 || options.address.length > MAX_ADDRESS_LENGTH) {
      throw new ClusterError('ERR_CLUSTER_BAD_ID', `node address must be 1..${MAX_ADDRESS_LENGTH} characters`);
    }
    this.address = options.address;
    this.keys = new ClusterKeys(options.keyPrefix);
    const { redis, owned } = resolveRedis(options.redis, options.commandTimeoutMs);
    this.#redis = redis;
    this.#owned = owned;
    this.#clock = options.clock ?? systemClock;
    this.#load = options.load;
    this.#intervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#ttlMs = options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
    if (!(this.#ttlMs > this.#intervalMs)) throw new ClusterError('ERR_CLUSTER_BAD_ID', 'heartbeatTtlMs must exceed heartbeatIntervalMs');
    this.#maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  }

  get heartbeatTtlMs(): number {
    return this.#ttlMs;
  }

  /** Heartbeats that failed in a row (0 while Redis answers). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Sends the first heartbeat (throws ERR_CLUSTER_UNAVAILABLE if Redis is away) and starts the loop. */
  async start(): Promise<void> {
    if (this.#closed) throw new ClusterError('ERR_CLUSTER_CLOSED', 'node registry is closed');
    try {
      await ensureConnected(this.#redis);
    } catch (err) {
      this.#arm();
      throw unavailable('node registry start', err);
    }
    try {
      await this.heartbeat();
    } finally {
      this.#arm();
    }
  }

  /** Writes this node's heartbeat now. */
  async heartbeat(): Promise<void> {
    if (this.#leaving) return;
    const load = this.#load();
    const info: NodeInfo = { id: this.nodeId, address: this.address, peers: load.peers, rooms: load.rooms, updatedAtMs: this.#clock.wallMs() };
    let ok: unknown;
    try {
      ok = await this.#redis.eval(HEARTBEAT_LUA, 2, this.keys.node(this.nodeId), this.keys.nodes, this.nodeId, JSON.stringify(info), this.#ttlMs, this.#maxNodes);
    } catch (err) {
      this.#failures++;
      throw unavailable('heartbeat', err);
    }
    this.#failures = 0;
    if (ok !== 1) throw new ClusterError('ERR_CLUSTER_TOO_MANY_NODES', `more than ${this.#maxNodes} nodes registered`);
  }

  /** Nodes with a live heartbeat, and the registered ids whose heartbeat has expired. */
  async scan(): Promise<{ live: NodeInfo[]; dead: string[] }> {
    try {
      const ids = (await this.#redis.srandmember(this.keys.nodes, this.#maxNodes)).filter(isValidId);
      if (ids.length === 0) return { live: [], dead: [] };
      const raws = await this.#redis.mget(ids.map((id) => this.keys.node(id)));
      const live: NodeInfo[] = [];
      const dead: string[] = [];
      ids.forEach((id, i) => {
        const raw = raws[i];
        if (raw === null || raw === undefined) {
          dead.push(id);
          return;
        }
        const info = parseNodeInfo(raw, id);
        if (info) live.push(info);
        else log.warn('ignoring a malformed heartbeat of node', id);
      });
      return { live, dead };
    } catch (err) {
      throw unavailable('node scan', err);
    }
  }

  async liveNodes(): Promise<NodeInfo[]> {
    return (await this.scan()).live;
  }

  async deadNodes(): Promise<string[]> {
    return (await this.scan()).dead;
  }

  /** Removes a dead node's id from the registry (after its rooms were moved). A live node re-adds itself at its next beat. */
  async forget(nodeId: string): Promise<void> {
    checkId('node', nodeId);
    try {
      await this.#redis.srem(this.keys.nodes, nodeId);
    } catch (err) {
      throw unavailable('forget node', err);
    }
    this.#reported.delete(nodeId);
  }

  /** Graceful leave: stops the heartbeat loop and deletes the heartbeat at once so others need not wait for the TTL. Then close(). */
  async leave(): Promise<void> {
    // No heartbeat may be written after the delete (commands run in order on the one connection).
    this.#leaving = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    try {
      await this.#redis.del(this.keys.node(this.nodeId));
    } catch (err) {
      throw unavailable('leave', err);
    }
  }

  /** Stops the heartbeat loop and closes the connection if the registry opened it. The heartbeat then expires by itself. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#nodeLost.complete();
    if (this.#owned) this.#redis.disconnect();
  }

  #arm(): void {
    if (this.#closed || this.#leaving || this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      void this.#tick().finally(() => this.#arm());
    }, this.#intervalMs);
  }

  async #tick(): Promise<void> {
    try {
      await this.heartbeat();
      const { live, dead } = await this.scan();
      for (const n of live) this.#reported.delete(n.id);
      for (const id of dead) {
        if (this.#closed || this.#reported.has(id)) continue;
        this.#reported.add(id);
        log.info('node lost (heartbeat expired):', id);
        this.#nodeLost.next(id);
      }
    } catch (err) {
      if (this.#failures === 1 || this.#failures % 30 === 0) log.warn('heartbeat failed', err instanceof Error ? err.message : err);
    }
  }
}

/** Parses a heartbeat read back from Redis; undefined when it is not one. */
export function parseNodeInfo(raw: string, id: string): NodeInfo | undefined {
  if (raw.length > MAX_RECORD_BYTES) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o['id'] !== id || typeof o['address'] !== 'string') return undefined;
  const peers = o['peers'];
  const rooms = o['rooms'];
  const updatedAtMs = o['updatedAtMs'];
  if (!isCount(peers) || !isCount(rooms) || typeof updatedAtMs !== 'number') return undefined;
  return { id, address: o['address'], peers, rooms, updatedAtMs };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
