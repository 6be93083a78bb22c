/**
 * Leak checks over `process.getActiveResourcesInfo()`: take a snapshot
 * before creating what you test, close it, then assert that no resource type
 * (UDPWRAP, Timeout, TCPSocketWrap, ...) has more live instances than before.
 * Handles disappear a tick or a few after `close()`, so the assertion polls
 * briefly before failing.
 */

import { nativeUdpOpenSockets } from '../../src/transport/native/udp-binding.js';

export type ResourceCounts = ReadonlyMap<string, number>;

export interface LeakCheckOptions {
  /** How long to keep polling before failing. Default 1000 ms. */
  timeoutMs?: number;
  /** Pause between polls. Default 20 ms. */
  intervalMs?: number;
  /** Resource types to ignore (e.g. 'TTYWrap'). */
  ignore?: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 1000;
const DEFAULT_INTERVAL_MS = 20;
/** Types the test runner or the polling itself creates and frees on its own schedule. */
const ALWAYS_IGNORED = ['TTYWrap', 'PipeWrap', 'Immediate'];

/** Counts of live async resources by type, right now; native UDP sockets (not Node handles) count as `NativeUdpSocket`. */
export function snapshotResources(): ResourceCounts {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  const native = nativeUdpOpenSockets();
  if (native > 0) counts.set('NativeUdpSocket', native);
  return counts;
}

/** Types with more live instances now than in `before`, with the increase. */
export function resourcesAddedSince(before: ResourceCounts, ignore: readonly string[] = []): Map<string, number> {
  const skip = new Set([...ALWAYS_IGNORED, ...ignore]);
  const added = new Map<string, number>();
  for (const [type, n] of snapshotResources()) {
    if (skip.has(type)) continue;
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) added.set(type, extra);
  }
  return added;
}

function format(added: Map<string, number>): string {
  return [...added].map(([t, n]) => `${t} +${n}`).join(', ');
}

/**
 * Resolves once nothing is left over compared with `before`; rejects with
 * the leftover types after `timeoutMs`. The polling timer itself is a
 * `Timeout` that exists only while waiting, so it is discounted.
 */
export async function expectNoLeaks(before: ResourceCounts, options: LeakCheckOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const added = resourcesAddedSince(before, options.ignore);
    if (added.size === 0) return;
    if (performance.now() >= deadline) {
      throw new Error(`resources left after close: ${format(added)} (before: ${format(new Map(before))})`);
    }
    await new Promise<void>((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Runs `body` and then asserts nothing it created is left alive:
 * `await withLeakCheck(async () => { ...create, use, close... })`.
 */
export async function withLeakCheck<T>(body: () => Promise<T>, options?: LeakCheckOptions): Promise<T> {
  const before = snapshotResources();
  const result = await body();
  await expectNoLeaks(before, options);
  return result;
}
