/**
 * Data-channel benchmarks (issue 13): tern-rtc vs werift, node-datachannel
 * (libdatachannel + usrsctp, `libdatachannel`) and @roamhq/wrtc (libwebrtc +
 * dcsctp, `libwebrtc`), two peer connections of one stack in one process on
 * 127.0.0.1. Each measurement runs in a fresh process inside a loopback-only
 * network namespace (the native stacks gather every interface otherwise);
 * medians of 3 runs, the contenders taking turns run by run.
 *
 * - `dc-throughput-mbps` (higher): reliable ordered channel, 16 KiB messages,
 *   sender paced on bufferedAmount (1 MiB high, 256 KiB low), 3 s after a 1 s
 *   warm-up. Notes: CPU seconds per second of the process (both peers) and CPU µs per MB.
 * - `dc-msgs-per-sec` (higher): 100-byte messages one way, same method.
 * - `dc-open-ms` (lower): createDataChannel on a connected pair (association
 *   up) → open on both sides, median of 20.
 * Pion and bare have no figure here yet (null): no Go data-channel bench peer.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LoopbackNamespace, netnsAvailable } from '../test/support/netns.js';
import { median, round } from './stats.js';
import { transpileForBench } from './transpile.js';
import type { Bench, BenchResult } from './types.js';

const run = promisify(execFile);
const RUNS = 3;
const STACKS = ['ours', 'werift', 'libdatachannel', 'libwebrtc'] as const;
type Stack = (typeof STACKS)[number];
type Figures = Record<string, number>;

let worker: string | undefined;
function workerPath(): string {
  worker ??= transpileForBench(['bench/dc-worker.ts'])[0]!;
  return worker;
}

async function once(stack: Stack, mode: string): Promise<Figures | undefined> {
  const useNs = netnsAvailable();
  const ns = useNs ? new LoopbackNamespace('tern-dcb') : undefined;
  try {
    const cmd = ns ? 'ip' : process.execPath;
    const args = ns ? ['netns', 'exec', ns.name, process.execPath, workerPath(), stack, mode] : [workerPath(), stack, mode];
    const { stdout } = await run(cmd, args, { timeout: 90_000, cwd: process.cwd() });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Figures & { error?: string };
    if (r.error) throw new Error(String(r.error));
    return r;
  } catch (err) {
    console.error(`dc bench ${stack} ${mode}: ${(err as Error).message.slice(0, 400)}`);
    return undefined;
  } finally {
    ns?.delete();
  }
}

async function measure(mode: string): Promise<Map<Stack, Figures>> {
  const runs = new Map<Stack, Figures[]>(STACKS.map((s) => [s, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const s of STACKS) {
      const r = await once(s, mode);
      if (r) runs.get(s)!.push(r);
    }
  }
  const out = new Map<Stack, Figures>();
  for (const [s, rs] of runs) {
    if (rs.length) out.set(s, Object.fromEntries(Object.keys(rs[0]!).map((k) => [k, median(rs.map((r) => r[k]!))])));
  }
  return out;
}

function line(bench: string, unit: string, better: 'higher' | 'lower', m: Map<Stack, Figures>, key: string, notesKeys: string[]): BenchResult {
  const v = (s: Stack): number | null => (m.get(s)?.[key] === undefined ? null : round(m.get(s)![key]!));
  const notes: Record<string, number> = {};
  for (const s of STACKS) for (const k of notesKeys) if (m.get(s)?.[k] !== undefined) notes[`${s}_${k}`] = round(m.get(s)![k]!, 3);
  return { bench, unit, better, ours: v('ours') ?? NaN, werift: v('werift'), pion: null, bare: null, contenders: { libdatachannel: v('libdatachannel'), libwebrtc: v('libwebrtc') }, notes };
}

export const benches: Bench[] = [
  { name: 'dc-throughput-mbps', run: async () => [line('dc-throughput-mbps', 'Mbit/s', 'higher', await measure('throughput'), 'mbps', ['cpuPerSec', 'cpuUsPerMB'])] },
  { name: 'dc-msgs-per-sec', run: async () => [line('dc-msgs-per-sec', 'msg/s', 'higher', await measure('msgs'), 'msgsPerSec', ['cpuPerSec'])] },
  { name: 'dc-open-ms', run: async () => [line('dc-open-ms', 'ms', 'lower', await measure('open'), 'medianMs', [])] },
];
