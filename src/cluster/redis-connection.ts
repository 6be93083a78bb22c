import { Redis } from 'ioredis';
import { clusterLog as log } from './log.js';

/** Longest a Redis command may take before it fails with ERR_CLUSTER_UNAVAILABLE. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
/** Reconnect backoff cap while Redis is away (ioredis's own timer). */
export const MAX_RECONNECT_DELAY_MS = 1000;

/** A Redis URL (`redis://127.0.0.1:6379/0`), or an ioredis instance the caller owns and closes. */
export type RedisTarget = string | Redis;

/**
 * Opens a connection that fails fast while Redis is away instead of queueing
 * commands (offline queue off, one retry per request, bounded command time),
 * and keeps reconnecting in the background with a capped backoff so the
 * cluster resumes by itself when Redis returns.
 */
export function openRedis(url: string, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: commandTimeoutMs,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (times: number) => Math.min(50 * times, MAX_RECONNECT_DELAY_MS),
  });
  // Without a listener ioredis prints every failed reconnect to the console.
  redis.on('error', (err: unknown) => {
    log.debug('redis error', err instanceof Error ? err.message : err);
  });
  return redis;
}

/** Resolves the target to a connection, noting whether we own (and so close) it. */
export function resolveRedis(target: RedisTarget, commandTimeoutMs?: number): { redis: Redis; owned: boolean } {
  return typeof target === 'string' ? { redis: openRedis(target, commandTimeoutMs), owned: true } : { redis: target, owned: false };
}

/** Connects a lazily created connection once; a no-op when it is already connecting or ready. */
export async function ensureConnected(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
}
