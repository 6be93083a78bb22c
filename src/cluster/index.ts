/**
 * Cluster mode of sfu-ws (issue 17): the Redis room directory and the node registry.
 */
export { ClusterError } from './errors.js';
export type { ClusterErrorCode } from './errors.js';
export { ClusterKeys, MAX_ID_LENGTH, MAX_ADDRESS_LENGTH, MAX_RECORD_BYTES, DEFAULT_KEY_PREFIX } from './keys.js';
export { openRedis, DEFAULT_COMMAND_TIMEOUT_MS } from './redis-connection.js';
export type { RedisTarget } from './redis-connection.js';
export { NodeRegistry, DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TTL_MS, DEFAULT_MAX_NODES } from './node-registry.js';
export type { NodeRegistryOptions, NodeInfo, NodeLoad } from './node-registry.js';
export {
  RedisRoomDirectory,
  DEFAULT_ROOM_TTL_MS,
  DEFAULT_ROOM_REFRESH_MS,
  DEFAULT_MAX_CLUSTER_ROOMS,
  DEFAULT_MAX_GRANT_TTL_MS,
} from './redis-room-directory.js';
export type { RedisRoomDirectoryOptions, RoomMove } from './redis-room-directory.js';
export { startClusterNode, defaultNodeId, sfuLoad } from './cluster-node.js';
export type { ClusterNode, ClusterNodeOptions } from './cluster-node.js';
export { startClusteredSfu, websocketUrl } from './sfu-cluster.js';
export type { ClusteredSfu, ClusteredSfuOptions } from './sfu-cluster.js';
