import { ClusterError } from './errors.js';

/** Longest node or room id accepted: keeps every Redis key short and bounded. */
export const MAX_ID_LENGTH = 64;
/** Longest advertised node address (a URL such as `wss://node-3.example:8443`). */
export const MAX_ADDRESS_LENGTH = 256;
/** Longest JSON value the cluster reads back from Redis; anything longer is ignored as corrupt. */
export const MAX_RECORD_BYTES = 2048;
export const DEFAULT_KEY_PREFIX = 'tern:';

const ID_RE = /^[A-Za-z0-9_.-]+$/;

export function checkId(kind: string, id: string): string {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || !ID_RE.test(id)) {
    throw new ClusterError('ERR_CLUSTER_BAD_ID', `${kind} id must be 1..${MAX_ID_LENGTH} characters of [A-Za-z0-9_.-]`);
  }
  return id;
}

export function isValidId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && ID_RE.test(id);
}

/**
 * The key layout, all under one prefix (default `tern:`). With Redis Cluster,
 * give a hash-tagged prefix such as `{tern}:` so the multi-key scripts stay in one slot.
 *
 * - `node:<id>`        heartbeat JSON of a node, expires (PX) unless refreshed
 * - `nodes`            set of registered node ids (live or not yet noticed dead)
 * - `room:<id>`        room record JSON, expires unless its node refreshes it
 * - `rooms`            set of room ids (pruned of expired ones when full or listed)
 * - `node-rooms:<id>`  set of room ids placed on a node
 * - `grant:<token>`    single-use join grant JSON, expires with the grant
 */
export class ClusterKeys {
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    if (prefix.length > MAX_ID_LENGTH) throw new ClusterError('ERR_CLUSTER_BAD_ID', 'key prefix too long');
  }

  node(id: string): string {
    return `${this.prefix}node:${id}`;
  }
  get nodes(): string {
    return `${this.prefix}nodes`;
  }
  room(id: string): string {
    return `${this.prefix}room:${id}`;
  }
  get rooms(): string {
    return `${this.prefix}rooms`;
  }
  nodeRooms(id: string): string {
    return `${this.prefix}node-rooms:${id}`;
  }
  grant(token: string): string {
    return `${this.prefix}grant:${token}`;
  }
}
