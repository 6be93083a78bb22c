import { hostname } from 'node:os';
import type { Clock, Rng } from '../index.js';
import type { SfuServer } from '../sfu-ws/index.js';
import { MAX_ID_LENGTH } from './keys.js';
import { NodeRegistry, type NodeLoad } from './node-registry.js';
import { openRedis } from './redis-connection.js';
import { RedisRoomDirectory } from './redis-room-directory.js';

export interface ClusterNodeOptions {
  /** `redis://host:port/db` (the `--redis URL` of issue 17). */
  redisUrl: string;
  /** Default: `<hostname>-<pid>`, reduced to the id alphabet. */
  nodeId?: string;
  /** Where clients reach this node (its public websocket base). */
  address: string;
  load: () => NodeLoad;
  keyPrefix?: string;
  heartbeatIntervalMs?: number;
  heartbeatTtlMs?: number;
  roomTtlMs?: number;
  roomRefreshIntervalMs?: number;
  maxRooms?: number;
  clock?: Clock;
  rng?: Rng;
}

/** A node's registry and room directory, sharing one Redis connection that `close()` releases. */
export interface ClusterNode {
  readonly registry: NodeRegistry;
  /** Pass as `SfuServerOptions.directory`. */
  readonly directory: RedisRoomDirectory;
  close(): void;
}

/** The default node id: this host and process, in the id alphabet. */
export function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(-MAX_ID_LENGTH);
}

/**
 * Joins the cluster: registers this node (first heartbeat sent, so it fails
 * with ERR_CLUSTER_UNAVAILABLE if Redis cannot be reached) and opens the room
 * directory on the same connection.
 */
export async function startClusterNode(o: ClusterNodeOptions): Promise<ClusterNode> {
  const redis = openRedis(o.redisUrl);
  const common = { redis, ...(o.keyPrefix !== undefined ? { keyPrefix: o.keyPrefix } : {}), ...(o.clock ? { clock: o.clock } : {}) };
  let registry: NodeRegistry | undefined;
  let directory: RedisRoomDirectory | undefined;
  const close = (): void => {
    directory?.close();
    registry?.close();
    redis.disconnect();
  };
  try {
    registry = new NodeRegistry({
      ...common,
      nodeId: o.nodeId ?? defaultNodeId(),
      address: o.address,
      load: o.load,
      ...(o.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: o.heartbeatIntervalMs } : {}),
      ...(o.heartbeatTtlMs !== undefined ? { heartbeatTtlMs: o.heartbeatTtlMs } : {}),
    });
    await registry.start();
    directory = new RedisRoomDirectory({
      ...common,
      registry,
      ...(o.rng ? { rng: o.rng } : {}),
      ...(o.roomTtlMs !== undefined ? { roomTtlMs: o.roomTtlMs } : {}),
      ...(o.roomRefreshIntervalMs !== undefined ? { refreshIntervalMs: o.roomRefreshIntervalMs } : {}),
      ...(o.maxRooms !== undefined ? { maxRooms: o.maxRooms } : {}),
    });
  } catch (err) {
    close();
    throw err;
  }
  return { registry, directory, close };
}

/** An SfuServer's load as a heartbeat reports it: its peers and rooms. */
export function sfuLoad(sfu: SfuServer): NodeLoad {
  let peers = 0;
  for (const room of sfu.rooms.values()) peers += room.peers.size;
  return { peers, rooms: sfu.rooms.size };
}
