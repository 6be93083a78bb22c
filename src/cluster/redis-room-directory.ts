import type { Redis } from 'ioredis';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { cryptoRng, systemClock, type Clock, type Rng, type TimerHandle } from '../index.js';
import {
  RoomDirectoryError,
  randomAlnum,
  type JoinGrantRecord,
  type RoomDirectory,
  type RoomInit,
  type RoomRecord,
  type SfuRole,
} from '../sfu-ws/index.js';
import { ClusterError, unavailable } from './errors.js';
import { checkId, ClusterKeys, isValidId } from './keys.js';
import { clusterLog as log } from './log.js';
import type { NodeInfo, NodeRegistry } from './node-registry.js';
import { CREATE_ROOM_LUA, DELETE_ROOM_LUA, ISSUE_GRANT_LUA, MOVE_ROOM_LUA } from './room-scripts.js';
import { encodeGrant, encodeRoom, parseGrant, parseRoom } from './room-record.js';
import { ensureConnected, resolveRedis, type RedisTarget } from './redis-connection.js';

/** A room record lives this long after its node last refreshed it. */
export const DEFAULT_ROOM_TTL_MS = 30_000;
/** How often a node refreshes the TTL of the rooms placed on it (a third of the TTL). */
export const DEFAULT_ROOM_REFRESH_MS = 10_000;
export const DEFAULT_MAX_CLUSTER_ROOMS = 10_000;
/** Grants never outlive this, whatever TTL is asked (bounds what an unredeemed grant holds in Redis). */
export const DEFAULT_MAX_GRANT_TTL_MS = 10 * 60_000;
/** Same sizes as the in-process directory (sfu-ws room-directory.ts). */
const TOKEN_LENGTH = 24;
const UFRAG_LENGTH = 8;
const ROOM_ID_LENGTH = 10;
const TOKEN_RE = /^[A-Za-z0-9]+$/;
/** Rooms refreshed per MGET + pipeline round trip. */
const REFRESH_CHUNK = 500;

export interface RedisRoomDirectoryOptions {
  /** A Redis URL (the directory opens and closes its own connection) or a connection the caller owns. */
  redis: RedisTarget;
  /** This node's registry: its id is the node whose rooms this directory refreshes; its live nodes are where rooms go. */
  registry: NodeRegistry;
  clock?: Clock;
  rng?: Rng;
  keyPrefix?: string;
  roomTtlMs?: number;
  refreshIntervalMs?: number;
  maxRooms?: number;
  maxGrantTtlMs?: number;
  commandTimeoutMs?: number;
  /** Move a lost node's rooms as soon as the registry reports it (default true). */
  autoReassign?: boolean;
}

/** A room moved off a dead node by {@link RedisRoomDirectory.reassignOrphanedRooms}. */
export interface RoomMove {
  readonly room: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The sfu-ws {@link RoomDirectory} of a cluster, in Redis (LiveKit's pattern).
 *
 * - A room is placed on the least loaded live node (heartbeat peers + rooms
 *   placed on it) and stays there while it lives: its record's `node` only
 *   changes when that node's heartbeat expires and `reassignOrphanedRooms()`
 *   moves it (compare-and-set, so concurrent movers agree).
 * - Records expire (`roomTtlMs`) unless the node they are placed on refreshes
 *   them; that node also re-records them if Redis came back empty.
 * - Grants are written with their TTL and redeemed with GETDEL: single-use
 *   across every node, and gone from Redis when they expire.
 * - While Redis is away every call rejects with a RoomDirectoryError coded
 *   `ERR_SFU_DIRECTORY_UNAVAILABLE` (sfu-ws answers 503), whose `cause` is the
 *   ClusterError (`ERR_CLUSTER_UNAVAILABLE` / `ERR_CLUSTER_NO_NODE`). Rooms
 *   already running are untouched; everything resumes when Redis returns.
 *
 * Known limit: a room deleted through another node while its own node still
 * holds it is re-recorded at that node's next refresh only if Redis lost it
 * entirely (the node cannot tell a delete from a Redis restart); sfu-ws
 * deletes rooms on the node that runs them.
 */
export class RedisRoomDirectory implements RoomDirectory {
  readonly keys: ClusterKeys;
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #registry: NodeRegistry;
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #roomTtlMs: number;
  readonly #refreshMs: number;
  readonly #maxRooms: number;
  readonly #maxGrantTtlMs: number;
  /** Records of rooms placed on this node, so they survive a Redis restart; bounded by maxRooms. */
  readonly #hosted = new Map<string, RoomRecord>();
  readonly #roomMoved = new Subject<RoomMove>();
  readonly #roomLost = new Subject<string>();
  readonly #roomPlaced = new Subject<RoomRecord>();
  readonly #lostSub: Subscription | undefined;
  #timer: TimerHandle | undefined;
  #closed = false;

  /** Every room this directory moved off a lost node (its clients must reconnect, to the room's new node). */
  readonly roomMoved$: Observable<RoomMove> = this.#roomMoved.asObservable();
  /**
   * A room this node was running that Redis now places elsewhere or no longer
   * knows after a refresh (it was moved while this node looked dead, or deleted
   * elsewhere): the SFU should close it here and tell its clients to reconnect.
   */
  readonly roomLost$: Observable<string> = this.#roomLost.asObservable();
  /**
   * A room newly placed on this node (created here or through another node,
   * learned at a refresh, or moved here): this node now owns its lifetime.
   */
  readonly roomPlaced$: Observable<RoomRecord> = this.#roomPlaced.asObservable();

  constructor(options: RedisRoomDirectoryOptions) {
    this.keys = new ClusterKeys(options.keyPrefix);
    const { redis, owned } = resolveRedis(options.redis, options.commandTimeoutMs);
    this.#redis = redis;
    this.#owned = owned;
    this.#registry = options.registry;
    this.#clock = options.clock ?? systemClock;
    this.#rng = options.rng ?? cryptoRng;
    this.#roomTtlMs = options.roomTtlMs ?? DEFAULT_ROOM_TTL_MS;
    this.#refreshMs = options.refreshIntervalMs ?? DEFAULT_ROOM_REFRESH_MS;
    this.#maxRooms = options.maxRooms ?? DEFAULT_MAX_CLUSTER_ROOMS;
    this.#maxGrantTtlMs = options.maxGrantTtlMs ?? DEFAULT_MAX_GRANT_TTL_MS;
    this.#arm();
    if (options.autoReassign ?? true) {
      this.#lostSub = this.#registry.nodeLost$.subscribe(() => {
        this.reassignOrphanedRooms().catch((err: unknown) => log.warn('reassigning rooms failed', err instanceof Error ? err.message : err));
      });
    }
    // Connect now so the first request does not fail on a lazy connection; failures surface per call.
    ensureConnected(this.#redis).catch((err: unknown) => log.warn('room directory: redis not reachable yet', err instanceof Error ? err.message : err));
  }

  get nodeId(): string {
    return this.#registry.nodeId;
  }

  /** Rooms this node holds records of (placed on it). */
  get hostedRoomCount(): number {
    return this.#hosted.size;
  }

  async createRoom(init: RoomInit): Promise<RoomRecord> {
    const id = init.id !== undefined ? this.#checkRoomId(init.id) : randomAlnum(this.#rng, ROOM_ID_LENGTH);
    return this.#guard('create room', async () => {
      const existing = await this.#redis.get(this.keys.room(id));
      const found = existing === null ? undefined : parseRoom(existing);
      if (found) return found;
      const node = await this.pickNode();
      const room: RoomRecord = {
        id,
        maxParticipants: init.maxParticipants,
        secured: init.secured,
        hostInvite: randomAlnum(this.#rng, TOKEN_LENGTH),
        participantInvite: randomAlnum(this.#rng, TOKEN_LENGTH),
        node: node.id,
        createdAtMs: this.#clock.wallMs(),
      };
      const res = (await this.#redis.eval(
        CREATE_ROOM_LUA,
        3,
        this.keys.room(id),
        this.keys.rooms,
        this.keys.nodeRooms(node.id),
        encodeRoom(room),
        this.#roomTtlMs,
        this.#maxRooms,
        id,
        this.keys.room(''),
      )) as [number, string];
      if (res[0] === 2) throw new RoomDirectoryError('ERR_SFU_TOO_MANY_ROOMS', 'too many rooms');
      const stored = parseRoom(res[1]);
      if (!stored) throw new ClusterError('ERR_CLUSTER_UNAVAILABLE', `room ${id} holds a malformed record`);
      if (stored.node === this.nodeId) this.#host(stored);
      log.debug('room', id, res[0] === 0 ? 'placed on' : 'already on', stored.node);
      return stored;
    });
  }

  async getRoom(id: string): Promise<RoomRecord | undefined> {
    if (!isValidId(id)) return undefined;
    return this.#guard('get room', async () => {
      const raw = await this.#redis.get(this.keys.room(id));
      return raw === null ? undefined : parseRoom(raw);
    });
  }

  async listRooms(): Promise<RoomRecord[]> {
    return this.#guard('list rooms', async () => {
      const ids = (await this.#redis.srandmember(this.keys.rooms, this.#maxRooms)).filter(isValidId);
      if (ids.length === 0) return [];
      const raws = await this.#redis.mget(ids.map((id) => this.keys.room(id)));
      const out: RoomRecord[] = [];
      const gone: string[] = [];
      ids.forEach((id, i) => {
        const raw = raws[i];
        const r = raw === null || raw === undefined ? undefined : parseRoom(raw);
        if (r) out.push(r);
        else if (raw === null) gone.push(id);
      });
      if (gone.length > 0) await this.#redis.srem(this.keys.rooms, ...gone);
      return out;
    });
  }

  async deleteRoom(id: string): Promise<void> {
    if (!isValidId(id)) return;
    this.#hosted.delete(id);
    await this.#guard('delete room', async () => {
      await this.#redis.eval(DELETE_ROOM_LUA, 2, this.keys.room(id), this.keys.rooms, id, this.keys.nodeRooms(''));
    });
  }

  async issueGrant(room: string, role: SfuRole, nowMs: number, ttlMs: number): Promise<JoinGrantRecord> {
    if (!isValidId(room)) throw new RoomDirectoryError('ERR_SFU_NO_ROOM', 'no such room');
    const ttl = Math.max(1, Math.min(Math.floor(ttlMs), this.#maxGrantTtlMs));
    const grant: JoinGrantRecord = {
      token: randomAlnum(this.#rng, TOKEN_LENGTH),
      ufrag: randomAlnum(this.#rng, UFRAG_LENGTH),
      room,
      role,
      expiresAtMs: nowMs + ttl,
    };
    const ok = await this.#guard('issue grant', () =>
      this.#redis.eval(ISSUE_GRANT_LUA, 2, this.keys.room(room), this.keys.grant(grant.token), encodeGrant(grant), ttl),
    );
    if (ok !== 1) throw new RoomDirectoryError('ERR_SFU_NO_ROOM', `no room ${room}`);
    return grant;
  }

  async redeemGrant(token: string, nowMs: number): Promise<JoinGrantRecord | undefined> {
    // Anything that is not one of our tokens never reaches Redis.
    if (token.length !== TOKEN_LENGTH || !TOKEN_RE.test(token)) return undefined;
    return this.#guard('redeem grant', async () => {
      // GETDEL: whichever node redeems first gets it; every later attempt reads nothing.
      const raw = await this.#redis.getdel(this.keys.grant(token));
      if (raw === null) return undefined;
      const g = parseGrant(raw, token);
      if (!g || g.expiresAtMs <= nowMs) return undefined;
      return (await this.#redis.exists(this.keys.room(g.room))) === 1 ? g : undefined;
    });
  }

  /** The least loaded live node: fewest heartbeat peers + rooms placed on it; ties by id. */
  async pickNode(): Promise<NodeInfo> {
    const live = await this.#registry.liveNodes();
    if (live.length === 0) throw new ClusterError('ERR_CLUSTER_NO_NODE', 'no live node to place a room on');
    const counts = await this.#placedCounts(live.map((n) => n.id));
    let best: NodeInfo | undefined;
    let bestScore = Infinity;
    live.forEach((n, i) => {
      const score = n.peers + Math.max(n.rooms, counts[i] ?? 0);
      if (score < bestScore || (score === bestScore && best !== undefined && n.id < best.id)) {
        best = n;
        bestScore = score;
      }
    });
    return best!;
  }

  /**
   * Moves every room placed on a node whose heartbeat expired to the least
   * loaded live node, then forgets the dead node. Safe to run on every node
   * at once: each move is a compare-and-set on the record. The rooms' clients
   * must be told to reconnect (they reach the new node through the directory).
   */
  async reassignOrphanedRooms(): Promise<RoomMove[]> {
    return this.#guard('reassign rooms', async () => {
      const { live, dead } = await this.#registry.scan();
      const moves: RoomMove[] = [];
      if (dead.length === 0 || live.length === 0) return moves;
      const counts = await this.#placedCounts(live.map((n) => n.id));
      const score = live.map((n, i) => n.peers + Math.max(n.rooms, counts[i] ?? 0));
      for (const from of dead) {
        const ids = (await this.#redis.srandmember(this.keys.nodeRooms(from), this.#maxRooms)).filter(isValidId);
        for (const id of ids) {
          let t = 0;
          for (let i = 1; i < live.length; i++) if (score[i]! < score[t]! || (score[i] === score[t] && live[i]!.id < live[t]!.id)) t = i;
          const to = live[t]!.id;
          const raw = await this.#redis.get(this.keys.room(id));
          const rec = raw === null ? undefined : parseRoom(raw);
          const next = rec && rec.node === from ? encodeRoom({ ...rec, node: to }) : '';
          const moved = await this.#redis.eval(MOVE_ROOM_LUA, 3, this.keys.room(id), this.keys.nodeRooms(from), this.keys.nodeRooms(to), raw ?? '', next, id, this.#roomTtlMs);
          if (moved === 1 && rec) {
            score[t]!++;
            const move = { room: id, from, to };
            moves.push(move);
            if (to === this.nodeId) this.#host({ ...rec, node: to });
            this.#roomMoved.next(move);
            log.info('room', id, 'moved from lost node', from, 'to', to);
          }
        }
        if ((await this.#redis.scard(this.keys.nodeRooms(from))) === 0) await this.#registry.forget(from);
      }
      return moves;
    });
  }

  /**
   * Refreshes the TTL of every room placed on this node, learns the ones other
   * nodes placed here, re-records hosted rooms that Redis lost, and drops
   * rooms that moved away. Runs every `refreshIntervalMs`; public for tests.
   */
  async refreshRooms(): Promise<void> {
    await this.#guard('refresh rooms', async () => {
      const setKey = this.keys.nodeRooms(this.nodeId);
      const listed = (await this.#redis.srandmember(setKey, this.#maxRooms)).filter(isValidId);
      const ids = [...new Set([...listed, ...this.#hosted.keys()])];
      // One MGET and one pipeline per chunk: a node with thousands of rooms costs a few round trips.
      for (let at = 0; at < ids.length; at += REFRESH_CHUNK) {
        const chunk = ids.slice(at, at + REFRESH_CHUNK);
        const raws = await this.#redis.mget(chunk.map((id) => this.keys.room(id)));
        const pipe = this.#redis.pipeline();
        chunk.forEach((id, i) => {
          const raw = raws[i];
          const rec = raw === null || raw === undefined ? undefined : parseRoom(raw);
          if (rec && rec.node === this.nodeId) {
            pipe.pexpire(this.keys.room(id), this.#roomTtlMs);
            this.#host(rec);
            return;
          }
          const mine = this.#hosted.get(id);
          if (!rec && mine) {
            // Redis lost it (restart without persistence): record it again where it runs.
            pipe.eval(CREATE_ROOM_LUA, 3, this.keys.room(id), this.keys.rooms, setKey, encodeRoom(mine), this.#roomTtlMs, this.#maxRooms, id, this.keys.room(''));
            return;
          }
          // Expired, deleted or moved elsewhere: no longer ours.
          if (this.#hosted.delete(id)) this.#roomLost.next(id);
          pipe.srem(setKey, id);
        });
        for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
      }
    });
  }

  /** Stops the refresh loop and closes the connection if the directory opened it. Records expire by their TTL. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#hosted.clear();
    this.#lostSub?.unsubscribe();
    this.#roomMoved.complete();
    this.#roomLost.complete();
    this.#roomPlaced.complete();
    if (this.#owned) this.#redis.disconnect();
  }

  #host(r: RoomRecord): void {
    const known = this.#hosted.has(r.id);
    if (!known && this.#hosted.size >= this.#maxRooms) return;
    this.#hosted.set(r.id, r);
    if (!known) this.#roomPlaced.next(r);
  }

  async #placedCounts(ids: string[]): Promise<number[]> {
    const pipe = this.#redis.pipeline();
    for (const id of ids) pipe.scard(this.keys.nodeRooms(id));
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, n]) => {
      if (err) throw err;
      return typeof n === 'number' ? n : 0;
    });
  }

  #checkRoomId(id: string): string {
    try {
      return checkId('room', id);
    } catch (err) {
      throw new RoomDirectoryError('ERR_SFU_NO_ROOM', err instanceof Error ? err.message : 'bad room id');
    }
  }

  async #guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new RoomDirectoryError('ERR_SFU_DIRECTORY_UNAVAILABLE', 'room directory is closed');
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RoomDirectoryError) throw err;
      const cause = err instanceof ClusterError ? err : unavailable(what, err);
      throw withCause(new RoomDirectoryError('ERR_SFU_DIRECTORY_UNAVAILABLE', cause.message), cause);
    }
  }

  #arm(): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      void this.refreshRooms()
        .catch((err: unknown) => log.warn('room refresh failed', err instanceof Error ? err.message : err))
        .finally(() => this.#arm());
    }, this.#refreshMs);
  }
}

/** RoomDirectoryError takes no options; its cause is attached the standard way. */
function withCause<E extends Error>(err: E, cause: unknown): E {
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
}
