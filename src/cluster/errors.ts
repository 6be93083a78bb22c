import { TernError } from '../index.js';

export type ClusterErrorCode =
  /** Redis cannot be reached (down, restarting, or a command timed out). */
  | 'ERR_CLUSTER_UNAVAILABLE'
  /** No node has a live heartbeat, so a room cannot be placed. */
  | 'ERR_CLUSTER_NO_NODE'
  /** A node id, room id or address that is empty, too long or not in the allowed alphabet. */
  | 'ERR_CLUSTER_BAD_ID'
  /** More nodes registered than `maxNodes`. */
  | 'ERR_CLUSTER_TOO_MANY_NODES'
  | 'ERR_CLUSTER_CLOSED';

/** Errors of the Redis-backed cluster pieces (node registry, room directory). */
export class ClusterError extends TernError {
  declare readonly code: ClusterErrorCode;

  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Wraps whatever ioredis threw (connection closed, offline queue off, timeout) as ERR_CLUSTER_UNAVAILABLE. */
export function unavailable(what: string, cause: unknown): ClusterError {
  if (cause instanceof ClusterError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ClusterError('ERR_CLUSTER_UNAVAILABLE', `${what}: redis unavailable (${detail})`, { cause });
}
