import { describe, expect, it } from 'vitest';
import { meanTarget, simulateBottleneck, type SimSample } from '../support/gcc-sim.js';

/**
 * Google Congestion Control on a deterministic bottleneck (virtual time, no
 * randomness): 20 ms each way, a drop-tail queue of 300 ms, transport-cc
 * feedback every 100 ms through the wire format, a 30 fps source sending at
 * the estimate through the pacer. The capacity steps 2 → 0.5 → 3 Mbit/s.
 *
 * Bounds stated from libwebrtc's design (draft-ietf-rmcat-gcc-02):
 * - a drop is followed within about one feedback interval plus the
 *   overuse time: β = 0.85 of the received rate, so the estimate sits at
 *   0.85-1.0 × capacity below the step within 2 s;
 * - an increase has no probing here, so the estimate climbs at the
 *   multiplicative 8 %/s (plus the additive phase near the old capacity):
 *   0.5 → 3 Mbit/s takes about 25 s, as libwebrtc without probes does.
 */
const STEP_DOWN_MS = 30_000;
const STEP_UP_MS = 50_000;
const END_MS = 90_000;

function at(samples: readonly SimSample[], ms: number): number {
  return samples.find((s) => s.tMs >= ms)!.targetBps;
}

describe('GCC on a stepped bottleneck', () => {
  const samples = simulateBottleneck({
    steps: [
      { atMs: 0, bps: 2_000_000 },
      { atMs: STEP_DOWN_MS, bps: 500_000 },
      { atMs: STEP_UP_MS, bps: 3_000_000 },
    ],
    durationMs: END_MS,
    gcc: { initialBitrate: 1_000_000 },
  });

  it('ramps to a 2 Mbit/s link and holds near it', () => {
    expect(at(samples, 12_000)).toBeGreaterThan(1_500_000);
    const mean = meanTarget(samples, 12_000, STEP_DOWN_MS);
    expect(mean).toBeGreaterThan(1_600_000);
    expect(mean).toBeLessThan(2_200_000);
  });

  it('follows the drop to 0.5 Mbit/s within 2 s and stays near it', () => {
    expect(at(samples, STEP_DOWN_MS + 2_000)).toBeLessThan(600_000);
    for (const s of samples.filter((x) => x.tMs >= STEP_DOWN_MS + 2_000 && x.tMs < STEP_UP_MS)) {
      expect(s.targetBps).toBeGreaterThan(350_000);
      expect(s.targetBps).toBeLessThan(650_000);
    }
    // The queue drains: no standing 300 ms queue once adapted.
    const late = samples.filter((x) => x.tMs >= STEP_DOWN_MS + 5_000 && x.tMs < STEP_UP_MS);
    expect(late.reduce((a, x) => a + x.queueMs, 0) / late.length).toBeLessThan(60);
  });

  it('climbs to the 3 Mbit/s link within 30 s without overshooting it for long', () => {
    expect(at(samples, STEP_UP_MS + 15_000)).toBeGreaterThan(1_000_000);
    expect(at(samples, STEP_UP_MS + 30_000)).toBeGreaterThan(2_300_000);
    const mean = meanTarget(samples, STEP_UP_MS + 30_000, END_MS);
    expect(mean).toBeGreaterThan(2_300_000);
    expect(mean).toBeLessThan(3_300_000);
  });

  it('never asks for more than 1.3 × the link outside 2 s after a drop', () => {
    for (const s of samples) {
      if (s.tMs >= STEP_DOWN_MS && s.tMs < STEP_DOWN_MS + 2_000) continue;
      expect(s.targetBps).toBeLessThan(1.3 * s.capacityBps);
    }
  });

  it('is deterministic', () => {
    const again = simulateBottleneck({ steps: [{ atMs: 0, bps: 2_000_000 }, { atMs: 3000, bps: 500_000 }], durationMs: 6000, gcc: { initialBitrate: 1_000_000 } });
    const once = simulateBottleneck({ steps: [{ atMs: 0, bps: 2_000_000 }, { atMs: 3000, bps: 500_000 }], durationMs: 6000, gcc: { initialBitrate: 1_000_000 } });
    expect(again).toEqual(once);
  });
});
