/**
 * pc-connect-nat-ms (lower is better): time from createOffer until both peer
 * connections are `connected`, through NATs on a virtual network with 20 ms
 * on every NAT router's uplink (A reaches the STUN/TURN server in 20 ms and B
 * in 40 ms), trickle signalling without delay.
 *
 * - eim-stun: two endpoint-independent (port-restricted cone) NATs, STUN only.
 * - symmetric-turn: two symmetric NATs, STUN and TURN (UDP).
 *
 * Ours runs on tern-rtc's virtual network with a fake clock, so the figure is
 * deterministic (median over three seeds). Pion (webrtc v3, default
 * SettingEngine) runs the same topology on its own vnet (transport/v2/vnet,
 * pion/turn server) in real time: test/interop/pion/pc-nat-bench.
 */
import { execFileSync } from 'node:child_process';
import { natCall, type NatCallOptions } from '../test/support/pc-nat-vnet.js';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import type { Bench, BenchResult } from './types.js';

const SCENARIOS: { name: 'eim-stun' | 'symmetric-turn'; options: NatCallOptions }[] = [
  { name: 'eim-stun', options: { natA: 'eim', natB: 'eim', servers: 'stun' } },
  { name: 'symmetric-turn', options: { natA: 'symmetric', natB: 'symmetric', servers: 'stun+turn' } },
];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function ours(options: NatCallOptions): Promise<number> {
  const samples: number[] = [];
  for (const seed of [1, 2, 3]) {
    const call = await natCall({ ...options, seed });
    samples.push(call.connectedMs);
    await call.close();
  }
  return median(samples);
}

function pion(scenario: string): number | null {
  if (!pionAvailable()) return null;
  try {
    const out = execFileSync(pionBinary('pc-nat-bench'), [scenario, '5'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 });
    const line = out.trim().split('\n').at(-1) ?? '{}';
    return (JSON.parse(line) as { medianMs?: number }).medianMs ?? null;
  } catch (err) {
    console.error(`pion pc-nat-bench ${scenario}: ${(err as Error).message}`);
    return null;
  }
}

export const benches: Bench[] = [
  {
    name: 'pc-connect-nat-ms',
    async run(): Promise<BenchResult[]> {
      const results: BenchResult[] = [];
      for (const s of SCENARIOS) {
        const o = await ours(s.options);
        const p = pion(s.name);
        results.push({
          bench: `pc-connect-nat-ms/${s.name}`,
          unit: 'ms',
          better: 'lower',
          ours: o,
          werift: null,
          pion: p === null ? null : Math.round(p),
          bare: null,
          notes: { linkMs: 20, ...(p ? { ratioToPion: Math.round((o / p) * 100) / 100 } : {}) },
        });
      }
      return results;
    },
  },
];
