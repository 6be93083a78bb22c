/**
 * Peer-connection benchmarks: tern-rtc vs werift vs Pion webrtc (and bare
 * Node dgram for media), two peers in one process on 127.0.0.1, each
 * measurement in a fresh process, all in the same run.
 *
 * - `pc-connect-ms` (lower): createOffer → both connected (non-trickle,
 *   certificate generated once per process), median of 20 after 100 warm-up
 *   connections (a long-lived server's steady state; Pion gets the same).
 *   Notes: CPU per connect, and the median of 20 after only 3 warm-ups.
 * - `pc-media-pkts-per-sec` (higher): one pair, 1200-byte RTP written as fast
 *   as the sender can with at most 64 packets in flight, received and counted;
 *   median of 5 runs of 3 s, the contenders taking turns run by run. Notes: CPU µs per received packet, loss, ours
 *   with SRTP on a worker thread (`ours_srtp_worker`, SettingEngine.setSRTPWorkers(1)),
 *   ours with the native SRTP ciphers switched off (`ours_node_crypto`),
 *   ours with the native UDP sockets switched off (`ours_dgram`, node:dgram),
 *   Pion with all cores (`pion` is GOMAXPROCS=1, one core like Node), and
 *   two ceilings for an SRTP stack on Node's crypto API (pc-ceiling.ts): `bare_gcm`,
 *   dgram plus Node's per-packet AES-GCM on one thread, and
 *   `bare_gcm_workers`, the same spread over two worker threads.
 * - `pc-idle-kib` (lower): RSS per idle connected pair with 100 pairs, median
 *   of 3 runs. Every contender's process is warmed first (20 pairs connected,
 *   then closed) so per-process pools, above all V8's young generation, which
 *   grows by 16 MiB steps, are not counted per pair; notes give the V8 heap
 *   per pair.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { median, round } from './stats.js';
import { transpileForBench } from './transpile.js';
import type { Bench, BenchResult } from './types.js';

const run = promisify(execFile);
const MEDIA_RUNS = 5;
const MEDIA_SECONDS = 3;
const IDLE_RUNS = 3;

type Figures = Record<string, number>;

let worker: string | undefined;
function workerPath(): string {
  worker ??= transpileForBench(['bench/pc-worker.ts', 'bench/pc-ceiling.ts'])[0]!;
  return worker;
}

type NodeImpl = 'ours' | 'ours-workers' | 'werift' | 'bare' | 'bare-gcm' | 'bare-gcm-workers';

/** Ours with one native module switched off: SRTP on Node's crypto, or UDP on node:dgram. */
const OURS_VARIANTS = {
  'ours-node-crypto': { TERN_SRTP_NATIVE: '0' },
  'ours-dgram': { TERN_UDP_NATIVE: '0' },
} as const;
type OursVariant = keyof typeof OURS_VARIANTS;

/** One measurement in a fresh process. */
async function node(impl: NodeImpl | OursVariant, mode: string, arg?: number): Promise<Figures | undefined> {
  const variant = impl === 'ours-node-crypto' || impl === 'ours-dgram' ? OURS_VARIANTS[impl] : undefined;
  const env = variant ? { ...process.env, ...variant } : process.env;
  const as: NodeImpl = variant ? 'ours' : (impl as NodeImpl);
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', workerPath(), as, mode, ...(arg === undefined ? [] : [String(arg)])], { timeout: 120_000, env });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Figures & { error?: string };
    if (r.error) throw new Error(String(r.error));
    return r;
  } catch (err) {
    console.error(`pc bench ${impl} ${mode}: ${(err as Error).message}`);
    return undefined;
  }
}

async function pion(mode: string, args: string[], env: Record<string, string> = {}): Promise<Figures | undefined> {
  if (!pionAvailable()) return undefined;
  // One retry: on a loaded machine a Go connection now and then stalls until the program's watchdog.
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(pionBinary('pc-bench'), ['-mode', mode, ...args], { timeout: 130_000, env: { ...process.env, ...env } });
      return JSON.parse(stdout.trim().split('\n').pop()!) as Figures;
    } catch (err) {
      console.error(`pc bench pion ${mode} (attempt ${attempt}): ${(err as Error).message}`);
      if (attempt === 2) return undefined;
    }
  }
}

function pick(f: Figures | undefined, key: string): number | null {
  const v = f?.[key];
  return v === undefined ? null : round(v);
}

/** Each figure's median over the runs that produced any. */
function medianFigures(runs: readonly Figures[]): Figures | undefined {
  if (!runs.length) return undefined;
  return Object.fromEntries(Object.keys(runs[0]!).map((k) => [k, median(runs.map((r) => r[k]!))]));
}

async function medianRuns(times: number, once: () => Promise<Figures | undefined>): Promise<Figures | undefined> {
  const runs: Figures[] = [];
  for (let i = 0; i < times; i++) {
    const r = await once();
    if (r) runs.push(r);
  }
  return medianFigures(runs);
}

async function connect(): Promise<BenchResult[]> {
  const ours = await node('ours', 'connect', 20);
  const werift = await node('werift', 'connect', 20);
  const p = await pion('connect', ['-runs', '20', '-warmup', '100']);
  const notes: Record<string, number> = { warmup_connects: 100 };
  for (const [name, f] of [['ours', ours], ['werift', werift]] as const) {
    if (f?.['cpuMsPerConnect'] !== undefined) notes[`${name}_cpu_ms_per_connect`] = round(f['cpuMsPerConnect'], 3);
    // The same 20 connections measured after only 3 warm-up connections (code not yet optimized).
    if (f?.['earlyMedianMs'] !== undefined) notes[`${name}_early_ms`] = round(f['earlyMedianMs'], 3);
  }
  if (p?.['earlyMedianMs'] !== undefined) notes['pion_early_ms'] = round(p['earlyMedianMs'], 3);
  return [{ bench: 'pc-connect-ms', unit: 'ms', better: 'lower', ours: pick(ours, 'medianMs') ?? NaN, werift: pick(werift, 'medianMs'), pion: pick(p, 'medianMs'), bare: null, notes }];
}

/**
 * Runs every contender once per round, `rounds` rounds, and keeps each one's
 * median: the shared machine has slow spells of several seconds, and
 * interleaving spreads them over all contenders instead of one.
 */
async function interleavedMedians<K extends string>(rounds: number, once: Record<K, () => Promise<Figures | undefined>>): Promise<Record<K, Figures | undefined>> {
  const names = Object.keys(once) as K[];
  const runs = Object.fromEntries(names.map((k) => [k, [] as Figures[]])) as Record<K, Figures[]>;
  for (let r = 0; r < rounds; r++) {
    for (const k of names) {
      const f = await once[k]();
      if (f) runs[k].push(f);
    }
  }
  return Object.fromEntries(names.map((k) => [k, medianFigures(runs[k])])) as Record<K, Figures | undefined>;
}

async function media(): Promise<BenchResult[]> {
  const m = await interleavedMedians(MEDIA_RUNS, {
    ours: () => node('ours', 'media', MEDIA_SECONDS),
    // The same with SettingEngine.setSRTPWorkers(1): SRTP on a worker thread (two cores, like pion_all_cores).
    oursWorkers: () => node('ours-workers', 'media', MEDIA_SECONDS),
    // Ours with SRTP on Node's crypto (TERN_SRTP_NATIVE=0), as where no C compiler built the accelerator.
    oursNodeCrypto: () => node('ours-node-crypto', 'media', MEDIA_SECONDS),
    // Ours with UDP on node:dgram (TERN_UDP_NATIVE=0), as off Linux or without the native sockets.
    oursDgram: () => node('ours-dgram', 'media', MEDIA_SECONDS),
    werift: () => node('werift', 'media', MEDIA_SECONDS),
    bare: () => node('bare', 'media', MEDIA_SECONDS),
    // Ceilings for an SRTP stack on Node's crypto API (pc-ceiling.ts): dgram + per-packet GCM, on one thread and on two workers.
    bareGcm: () => node('bare-gcm', 'media', MEDIA_SECONDS),
    bareGcmWorkers: () => node('bare-gcm-workers', 'media', MEDIA_SECONDS),
    p1: () => pion('media', ['-seconds', String(MEDIA_SECONDS)], { GOMAXPROCS: '1' }),
  });
  const { ours, oursWorkers, oursNodeCrypto, oursDgram, werift, bare, bareGcm, bareGcmWorkers, p1 } = m;
  const pAll = await medianRuns(1, () => pion('media', ['-seconds', String(MEDIA_SECONDS)]));
  const notes: Record<string, number | string> = {};
  const contenders = [
    ['ours', ours],
    ['ours_srtp_worker', oursWorkers],
    ['ours_node_crypto', oursNodeCrypto],
    ['ours_dgram', oursDgram],
    ['werift', werift],
    ['bare', bare],
    ['bare_gcm', bareGcm],
    ['bare_gcm_workers', bareGcmWorkers],
    ['pion', p1],
    ['pion_all_cores', pAll],
  ] as const;
  for (const [name, f] of contenders) {
    if (!f) continue;
    notes[`${name}_cpu_us_per_pkt`] = round(f['cpuUsPerPkt']!, 3);
    notes[`${name}_loss_pct`] = round(f['lossPct']!, 3);
  }
  for (const [name, f] of [['ours_srtp_worker', oursWorkers], ['ours_node_crypto', oursNodeCrypto], ['ours_dgram', oursDgram], ['bare_gcm', bareGcm], ['bare_gcm_workers', bareGcmWorkers], ['pion_all_cores', pAll]] as const) {
    if (f) notes[`${name}_pkts_per_sec`] = round(f['pktsPerSec']!);
  }
  return [
    {
      bench: 'pc-media-pkts-per-sec',
      unit: 'pkt/s',
      better: 'higher',
      ours: pick(ours, 'pktsPerSec') ?? NaN,
      werift: pick(werift, 'pktsPerSec'),
      pion: pick(p1, 'pktsPerSec'),
      bare: pick(bare, 'pktsPerSec'),
      notes,
    },
  ];
}

async function idle(): Promise<BenchResult[]> {
  // Medians of 3: RSS moves by whole V8 young-generation steps (16 MiB) from run to run.
  const ours = await medianRuns(IDLE_RUNS, () => node('ours', 'idle', 100));
  const werift = await medianRuns(IDLE_RUNS, () => node('werift', 'idle', 100));
  const p = await medianRuns(IDLE_RUNS, () => pion('idle', ['-pairs', '100']));
  const notes: Record<string, number | string> = { warmup_pairs: 20 };
  if (ours) notes['ours_heap_kib_per_pair'] = round(ours['heapKibPerPair']!);
  if (werift) notes['werift_heap_kib_per_pair'] = round(werift['heapKibPerPair']!);
  return [{ bench: 'pc-idle-kib', unit: 'KiB/pair', better: 'lower', ours: pick(ours, 'kibPerPair') ?? NaN, werift: pick(werift, 'kibPerPair'), pion: pick(p, 'kibPerPair'), bare: null, notes }];
}

export const benches: Bench[] = [
  { name: 'pc-connect-ms', run: connect },
  { name: 'pc-media-pkts-per-sec', run: media },
  { name: 'pc-idle-kib', run: idle },
];
