import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median } from './stats.js';

// A full GC between warm-up and measuring so one contender's garbage is not collected on another's clock.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** CPU microseconds (user + system, all threads) spent running `step` `n` times. */
function cpuUsOf(step: () => void, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) step();
  const u = process.cpuUsage(start);
  return u.user + u.system;
}

export interface InterleaveOptions {
  /** Calls of each step before measuring. */
  warmup: number;
  /** Rounds of `runMs` per contender the measurement lasts. */
  rounds: number;
  runMs: number;
  /** Calls per batch; a batch's rate is `batch` over its CPU time. */
  batch: number;
}

/**
 * Per-CPU-second rates of several contenders, measured in fine-grained
 * interleaving: one batch of each in turn (rotating who goes first), so load
 * from other processes on the shared machine hits all of them alike.
 * Returns each contender's median batch rate (calls per CPU-second).
 */
export function interleavedRates<K extends string>(steps: Record<K, () => void>, o: InterleaveOptions): Record<K, number> {
  const order = Object.keys(steps) as K[];
  for (const k of order) for (let i = 0; i < o.warmup; i++) steps[k]();
  collectGarbage();
  const runs = Object.fromEntries(order.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const deadline = process.hrtime.bigint() + BigInt(o.rounds * o.runMs * order.length) * 1_000_000n;
  let turn = 0;
  while (process.hrtime.bigint() < deadline) {
    for (let k = 0; k < order.length; k++) {
      const name = order[(k + turn) % order.length]!;
      const us = cpuUsOf(steps[name], o.batch);
      if (us > 0) runs[name].push(o.batch / (us / 1e6));
    }
    turn++;
  }
  return Object.fromEntries(order.map((k) => [k, median(runs[k])])) as Record<K, number>;
}
