import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pionAvailable } from '../support/pion.js';
import { simulateBottleneck } from '../support/gcc-sim.js';

/**
 * Our GCC against Pion's (Debian's pion/interceptor v0.1.12 pkg/gcc, whose
 * delay-based part is a Kalman filter with an adaptive threshold, not
 * libwebrtc's trendline) on the same deterministic trace: the bottleneck of
 * test/sim/gcc-bottleneck.test.ts, 2 → 0.5 → 3 Mbit/s, 20 ms each way, a
 * 300 ms drop-tail queue, feedback every 100 ms. Pion's estimator reads the
 * clock itself, so gcc-compare/build.sh builds it with a virtual clock.
 */
const STEPS = [
  { atMs: 0, bps: 2_000_000 },
  { atMs: 30_000, bps: 500_000 },
  { atMs: 50_000, bps: 3_000_000 },
];
const END_MS = 90_000;

interface Trace {
  t: number;
  target: number;
}

function mean(trace: readonly Trace[], from: number, to: number): number {
  const s = trace.filter((x) => x.t >= from && x.t < to);
  return s.reduce((a, x) => a + x.target, 0) / s.length;
}

/** First time at or after `from` that the target is below (or above, for rising) `level`. */
function reach(trace: readonly Trace[], from: number, level: number, rising: boolean): number {
  const hit = trace.find((x) => x.t >= from && (rising ? x.target >= level : x.target <= level));
  return hit ? hit.t - from : Infinity;
}

describe.skipIf(!pionAvailable())("GCC compared with Pion's gcc on the same trace", () => {
  it('follows the steps at least as well as Pion', () => {
    const root = join(import.meta.dirname, '..', '..');
    execFileSync(join(root, 'test', 'interop', 'pion', 'gcc-compare', 'build.sh'), { stdio: 'ignore', timeout: 120_000 });
    const out = execFileSync(join(root, 'build', 'pion', 'gcc-compare'), ['-steps', STEPS.map((s) => `${s.atMs}:${s.bps}`).join(','), '-duration', String(END_MS), '-initial', '1000000'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const pion: Trace[] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Trace);
    const ours: Trace[] = simulateBottleneck({ steps: STEPS, durationMs: END_MS, gcc: { initialBitrate: 1_000_000 } }).map((s) => ({ t: s.tMs, target: s.targetBps }));
    const rows: Record<string, [number, number]> = {
      'mean 12-30 s (2 Mbit/s)': [mean(ours, 12_000, 30_000), mean(pion, 12_000, 30_000)],
      'mean 32-50 s (0.5 Mbit/s)': [mean(ours, 32_000, 50_000), mean(pion, 32_000, 50_000)],
      'mean 80-90 s (3 Mbit/s)': [mean(ours, 80_000, END_MS), mean(pion, 80_000, END_MS)],
      'ms to <= 0.6 Mbit/s after the drop': [reach(ours, 30_000, 600_000, false), reach(pion, 30_000, 600_000, false)],
      'ms to >= 2.4 Mbit/s after the rise': [reach(ours, 50_000, 2_400_000, true), reach(pion, 50_000, 2_400_000, true)],
    };
    console.log('GCC vs Pion gcc [ours, pion]:', JSON.stringify(rows));
    const [o1, p1] = rows['mean 12-30 s (2 Mbit/s)']!;
    const [o2, p2] = rows['mean 32-50 s (0.5 Mbit/s)']!;
    const [o3, p3] = rows['mean 80-90 s (3 Mbit/s)']!;
    const [od, pd] = rows['ms to <= 0.6 Mbit/s after the drop']!;
    const [ou, pu] = rows['ms to >= 2.4 Mbit/s after the rise']!;
    // Pion reacts to the drop within a few feedback intervals too: ours no later than 1 s after it.
    expect(od).toBeLessThanOrEqual(pd + 1000);
    // Held rates: each phase within 20 % of Pion's, and closer to the capacity than 25 %.
    expect(Math.abs(o1 - p1) / p1).toBeLessThan(0.2);
    expect(Math.abs(o2 - p2) / p2).toBeLessThan(0.2);
    expect(Math.abs(o3 - p3) / p3).toBeLessThan(0.2);
    expect(Math.abs(o2 - 500_000) / 500_000).toBeLessThan(0.25);
    // Without probing both climb multiplicatively; Pion's controller ramps somewhat faster.
    expect(ou).toBeLessThan(pu + 10_000);
  }, 180_000);
});
