/**
 * ICE benchmarks: tern-rtc's IceAgent vs werift-ice vs Pion ice v2, all on
 * 127.0.0.1, measured in the same run.
 *
 * - `ice-connect-ms` (lower): two agents in one process, from constructing
 *   them (then gathering) to both connected; candidates pass as SDP strings.
 *   Each contender runs in its own fresh process (Pion's is
 *   test/interop/pion/ice-bench `-mode connect`): 100 warm-up connects (JIT;
 *   the first, cold one is noted), then 20 measured. Three rounds, the
 *   contenders taking turns, and the median over all 60. Notes carry the
 *   median CPU time per connect (both agents), which is steadier than wall
 *   time on a busy machine.
 * - `ice-agent-kib` (lower): live memory per gathered, connected agent with
 *   1,000 agents (500 connected pairs) alive in one process: after GC, V8
 *   heapUsed + external (Go: HeapAlloc + StackInuse) over a baseline taken
 *   after warm-up pairs, divided by the agents. Each implementation runs in a
 *   fresh child (Node with --expose-gc, or the Go program), median of 3.
 *   Notes carry the RSS delta per agent too; in Node it includes the young
 *   generation growing to its maximum under the allocation rate (reported as
 *   `*_young_kib`), which is GC sizing rather than memory the agents hold.
 *
 * Our agent is benchmarked from src/ transpiled by TypeScript into
 * build/bench-js (what `npm run build` ships), not through tsx: tsx compiles
 * with esbuild's keepNames, which wraps closures in a naming helper that
 * costs time and memory the published package does not have (werift-ice is
 * measured from its published JS as well).
 *
 * When this file is run directly with TERN_ICE_BENCH_CHILD=memory-ours,
 * memory-werift, connect-ours or connect-werift it is that child: prints one
 * JSON line and exits. (That is why the child's
 * code lives here too, a little over the usual 400 lines: the child must
 * measure exactly the connect code the parent benchmarks.)
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import ts from 'typescript';
import { connectWeriftPair, WeriftIcePeer } from '../test/support/werift-ice-peer.js';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { runBenchChild } from './child.js';
import { median, round } from './stats.js';
import type { Bench, BenchResult } from './types.js';
import { transpileForBench, transpiledDir } from './transpile.js';

interface Closable {
  close(): unknown;
}

type AgentModule = typeof import('../src/agent/index.js');
type IceAgentInstance = InstanceType<AgentModule['IceAgent']>;

const LOOPBACK = '127.0.0.1';
const CONNECT_RUNS = 20;
/** Rounds of fresh processes, the contenders taking turns; each round measures CONNECT_RUNS connects after CONNECT_WARMUP. */
const CONNECT_ROUNDS = 3;
/** Warm-up connects (not counted) so both Node stacks run optimized code, as in a long-lived server. */
const CONNECT_WARMUP = 100;
const CONNECT_TIMEOUT_MS = 10_000;
const MEMORY_AGENTS = 1000;
const MEMORY_RUNS = 3;
const MEMORY_CONCURRENCY = 20;
const CHILD_TIMEOUT_MS = 120_000;
const CHILD_ENV = 'TERN_ICE_BENCH_CHILD';

const execFileAsync = promisify(execFile);
const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..');

// ---------------------------------------------------------------- tern-rtc

/** Our agent module from build/bench-js (transpiled by the parent process). */
async function loadAgent(): Promise<AgentModule> {
  return (await import(pathToFileURL(join(transpiledDir, 'src', 'agent', 'index.js')).href)) as AgentModule;
}

function newOurAgent(mod: AgentModule): IceAgentInstance {
  return new mod.IceAgent({
    networkTypes: ['udp4'],
    interfaceFilter: (name) => name === 'lo',
    ipFilter: (ip) => ip === LOOPBACK,
    includeLoopback: true,
  });
}

/** Connects two of our agents; resolves with both open. */
async function connectOurPair(mod: AgentModule): Promise<[IceAgentInstance, IceAgentInstance]> {
  const a = newOurAgent(mod);
  const b = newOurAgent(mod);
  a.onCandidate((c) => b.addRemoteCandidate(c === null ? null : c.toString()));
  b.onCandidate((c) => a.addRemoteCandidate(c === null ? null : c.toString()));
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
  try {
    const gathered = Promise.all([a.gather(), b.gather()]);
    await Promise.all([
      a.dial(b.localCredentials.ufrag, b.localCredentials.pwd, abort.signal),
      b.accept(a.localCredentials.ufrag, a.localCredentials.pwd, abort.signal),
      gathered,
    ]);
  } catch (err) {
    a.close();
    b.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return [a, b];
}

interface Timing {
  ms: number;
  cpuMs: number;
}

async function timed(connect: () => Promise<Closable[]>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const agents = await connect();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const x of agents) await x.close();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// ---------------------------------------------------------------- werift-ice

async function connectWerift(): Promise<[WeriftIcePeer, WeriftIcePeer]> {
  const a = new WeriftIcePeer('controlling');
  const b = new WeriftIcePeer('controlled');
  try {
    await withTimeout(connectWeriftPair(a, b), CONNECT_TIMEOUT_MS, 'werift-ice connect');
  } catch (err) {
    await Promise.all([a.close(), b.close()]);
    throw err;
  }
  return [a, b];
}


// ---------------------------------------------------------------- Node floor

/**
 * What any Node ICE agent pays at least: bind two UDP sockets on 127.0.0.1
 * and make the three round trips of a regular nomination (check, triggered
 * check, nominating check), with no STUN work at all.
 */
async function nodeFloor(): Promise<[Closable, Closable]> {
  const bind = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, LOOPBACK, () => resolve(s));
    });
  const [a, b] = await Promise.all([bind(), bind()]);
  const pa = a.address().port;
  const pb = b.address().port;
  await new Promise<void>((resolve) => {
    let trips = 0;
    b.on('message', (m) => b.send(m, pa, LOOPBACK));
    a.on('message', (m) => (++trips === 3 ? resolve() : a.send(m, pb, LOOPBACK)));
    a.send(Buffer.alloc(100), pb, LOOPBACK);
  });
  return [a, b];
}

// ---------------------------------------------------------------- Pion

interface PionConnectResult {
  medianMs: number;
  medianCpuMs: number;
  runs: number[];
}
interface MemoryResult {
  agents: number;
  rssKiBPerAgent: number;
  heapKiBPerAgent: number;
  youngKiBPerAgent?: number;
  setupMs: number;
}

async function runPion<T>(args: string[]): Promise<T> {
  const { stdout } = await execFileAsync(pionBinary('ice-bench'), args, { timeout: CHILD_TIMEOUT_MS });
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as T & { error?: string };
  if (parsed.error) throw new Error(`ice-bench: ${parsed.error}`);
  return parsed;
}

// ---------------------------------------------------------------- helpers

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function errorNote(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : String(err).slice(0, 200);
}

async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await p };
  } catch (err) {
    return { error: errorNote(err) };
  }
}

/** Runs this file as a child (`mode`: memory-ours, connect-werift, ...); resolves with its last JSON line. */
function runChild<T>(mode: string): Promise<T> {
  return runBenchChild<T>(here, { [CHILD_ENV]: mode }, CHILD_TIMEOUT_MS, ['--expose-gc']);
}

function memoryChild(impl: 'ours' | 'werift'): Promise<MemoryResult> {
  return runChild<MemoryResult>(`memory-${impl}`);
}

/** What a connect child prints: its first (cold) connect and the measured ones; ours adds the bare-dgram floor. */
interface ConnectChildResult {
  firstMs: number;
  samples: Timing[];
  floor?: Timing[];
}

async function medianOf(runs: number, once: () => Promise<MemoryResult>): Promise<MemoryResult> {
  const results: MemoryResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  return {
    agents: results[0]!.agents,
    rssKiBPerAgent: median(results.map((r) => r.rssKiBPerAgent)),
    heapKiBPerAgent: median(results.map((r) => r.heapKiBPerAgent)),
    youngKiBPerAgent: median(results.map((r) => r.youngKiBPerAgent ?? 0)),
    setupMs: median(results.map((r) => r.setupMs)),
  };
}

// ---------------------------------------------------------------- benches

async function iceConnect(): Promise<BenchResult[]> {
  const notes: Record<string, number | string> = { runs: CONNECT_RUNS * CONNECT_ROUNDS, warmup: CONNECT_WARMUP, rounds: CONNECT_ROUNDS, address: LOOPBACK };
  const ours: Timing[] = [];
  const werift: Timing[] = [];
  const floor: Timing[] = [];
  const pionRuns: number[] = [];
  const pionCpu: number[] = [];
  let oursError: string | undefined;
  let weriftError: string | undefined;
  let pionError: string | undefined = pionAvailable() ? undefined : 'Go or Debian Pion sources not installed';
  const transpiled = await settle(Promise.resolve().then(() => transpileForBench()));
  if ('error' in transpiled) oursError = transpiled.error;
  // Every contender in its own fresh process (no one's garbage or timers in another's
  // measurement), taking turns round by round so the shared machine's slow spells hit all alike.
  for (let pass = 0; pass < CONNECT_ROUNDS; pass++) {
    if (oursError === undefined) {
      const r = await settle(runChild<ConnectChildResult>('connect-ours'));
      if ('error' in r) oursError = r.error;
      else {
        ours.push(...r.value.samples);
        floor.push(...(r.value.floor ?? []));
        if (pass === 0) notes['ours_first_ms'] = round(r.value.firstMs);
      }
    }
    if (weriftError === undefined) {
      const r = await settle(runChild<ConnectChildResult>('connect-werift'));
      if ('error' in r) weriftError = r.error;
      else {
        werift.push(...r.value.samples);
        if (pass === 0) notes['werift_first_ms'] = round(r.value.firstMs);
      }
    }
    if (pionError === undefined) {
      const r = await settle(runPion<PionConnectResult>(['-mode', 'connect', '-runs', String(CONNECT_RUNS), '-warmup', String(CONNECT_WARMUP)]));
      if ('error' in r) pionError = r.error;
      else {
        pionRuns.push(...r.value.runs);
        pionCpu.push(r.value.medianCpuMs);
      }
    }
  }
  if (floor.length) {
    notes['node_floor_ms'] = round(median(floor.map((t) => t.ms)));
    notes['node_floor_cpu_ms'] = round(median(floor.map((t) => t.cpuMs)));
  }
  if (oursError) notes['ours_error'] = oursError;
  if (weriftError) notes['werift_error'] = weriftError;
  if (pionError) notes['pion_error'] = pionError;
  const oursMs = ours.length ? median(ours.map((t) => t.ms)) : Number.NaN;
  const weriftMs = werift.length ? median(werift.map((t) => t.ms)) : null;
  const pionMs = pionRuns.length ? median(pionRuns) : null;
  // CPU time and the first quartile are less exposed than the median to the
  // process being descheduled on a busy 2-core machine.
  if (ours.length) {
    notes['ours_cpu_ms'] = round(median(ours.map((t) => t.cpuMs)));
    notes['ours_p25'] = round(quantile(ours.map((t) => t.ms), 0.25));
    notes['ours_max'] = round(Math.max(...ours.map((t) => t.ms)));
  }
  if (werift.length) {
    notes['werift_cpu_ms'] = round(median(werift.map((t) => t.cpuMs)));
    notes['werift_p25'] = round(quantile(werift.map((t) => t.ms), 0.25));
  }
  if (pionRuns.length) {
    notes['pion_cpu_ms'] = round(median(pionCpu));
    notes['pion_p25'] = round(quantile(pionRuns, 0.25));
    notes['pion_max'] = round(Math.max(...pionRuns));
  }
  if (ours.length && weriftMs !== null) notes['target_half_werift'] = oursMs <= 0.5 * weriftMs ? 'met' : 'missed';
  if (ours.length && pionMs !== null) notes['target_le_pion'] = oursMs <= pionMs ? 'met' : 'missed';
  return [
    {
      bench: 'ice-connect-ms',
      unit: 'ms',
      better: 'lower',
      ours: round(oursMs),
      werift: weriftMs === null ? null : round(weriftMs),
      pion: pionMs === null ? null : round(pionMs),
      bare: null,
      notes,
    },
  ];
}

async function iceAgentMemory(): Promise<BenchResult[]> {
  const notes: Record<string, number | string> = {
    agents: MEMORY_AGENTS,
    runs: MEMORY_RUNS,
    measure: 'live heap per agent after GC (V8 heapUsed+external; Go HeapAlloc+StackInuse)',
  };
  const transpiled = await settle(Promise.resolve().then(() => transpileForBench()));
  const ours =
    'error' in transpiled ? transpiled : await settle(medianOf(MEMORY_RUNS, () => memoryChild('ours')));
  const werift = await settle(medianOf(MEMORY_RUNS, () => memoryChild('werift')));
  const pion = pionAvailable()
    ? await settle(
        medianOf(MEMORY_RUNS, () =>
          runPion<MemoryResult>(['-mode', 'memory', '-agents', String(MEMORY_AGENTS), '-concurrency', String(MEMORY_CONCURRENCY)]),
        ),
      )
    : { error: 'Go or Debian Pion sources not installed' };
  for (const [name, r] of [
    ['ours', ours],
    ['werift', werift],
    ['pion', pion],
  ] as const) {
    if ('error' in r) notes[`${name}_error`] = r.error;
    else {
      notes[`${name}_rss_kib`] = round(r.value.rssKiBPerAgent);
      if (name !== 'pion') notes[`${name}_young_kib`] = round(r.value.youngKiBPerAgent ?? 0);
      notes[`${name}_setup_ms`] = round(r.value.setupMs);
    }
  }
  const oursKib = 'value' in ours ? ours.value.heapKiBPerAgent : Number.NaN;
  const weriftKib = 'value' in werift ? werift.value.heapKiBPerAgent : null;
  if ('value' in ours && weriftKib !== null) notes['target_half_werift'] = oursKib <= 0.5 * weriftKib ? 'met' : 'missed';
  return [
    {
      bench: 'ice-agent-kib',
      unit: 'KiB',
      better: 'lower',
      ours: round(oursKib),
      werift: weriftKib === null ? null : round(weriftKib),
      pion: 'value' in pion ? round(pion.value.heapKiBPerAgent) : null,
      bare: null,
      notes,
    },
  ];
}

export const benches: Bench[] = [
  { name: 'ice-connect-ms', run: iceConnect },
  { name: 'ice-agent-kib', run: iceAgentMemory },
];

// ---------------------------------------------------------------- memory child

function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

async function snapshot(): Promise<{ rss: number; heap: number; young: number }> {
  await new Promise<void>((resolve) => setTimeout(resolve, 200));
  gcNow();
  const m = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.physical_space_size ?? 0;
  return { rss: m.rss, heap: m.heapUsed + m.external, young };
}

/** The connect function of `impl` (ours or werift), for the children. */
async function pairConnector(impl: string): Promise<() => Promise<[Closable, Closable]>> {
  if (impl === 'ours') {
    const mod = await loadAgent();
    return () => connectOurPair(mod);
  }
  if (impl === 'werift') return connectWerift;
  throw new Error(`unknown implementation ${impl} in ${CHILD_ENV}`);
}

async function memoryChildMain(impl: string): Promise<void> {
  const pairs = MEMORY_AGENTS / 2;
  const connectPair = await pairConnector(impl);
  // Warm-up: as many pairs as connect at once in the measurement, opened and
  // closed, so modules, optimized code and the young generation's grown
  // semi-space are in the baseline rather than charged to the agents.
  const warm = await Promise.all(Array.from({ length: MEMORY_CONCURRENCY }, () => connectPair()));
  for (const x of warm.flat()) await x.close();
  const before = await snapshot();
  const open: Closable[] = [];
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs) {
      next++;
      open.push(...(await connectPair()));
    }
  };
  await Promise.all(Array.from({ length: MEMORY_CONCURRENCY }, worker));
  const setupMs = performance.now() - t0;
  const after = await snapshot();
  const result: MemoryResult = {
    agents: open.length,
    rssKiBPerAgent: (after.rss - before.rss) / 1024 / open.length,
    heapKiBPerAgent: (after.heap - before.heap) / 1024 / open.length,
    youngKiBPerAgent: (after.young - before.young) / 1024 / open.length,
    setupMs,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  for (const x of open) await x.close();
}

// ---------------------------------------------------------------- connect child

async function connectChildMain(impl: string): Promise<void> {
  const connect = await pairConnector(impl);
  let firstMs = Number.NaN;
  const samples: Timing[] = [];
  for (let i = 0; i < CONNECT_WARMUP + CONNECT_RUNS; i++) {
    const t = await timed(connect);
    if (i === 0) firstMs = t.ms;
    if (i >= CONNECT_WARMUP) samples.push(t);
  }
  const result: ConnectChildResult = { firstMs, samples };
  if (impl === 'ours') {
    // The floor (two dgram sockets, three round trips), measured after ours in the same process.
    const floor: Timing[] = [];
    for (let i = 0; i < CONNECT_RUNS; i++) floor.push(await timed(nodeFloor));
    result.floor = floor;
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

const childImpl = process.env[CHILD_ENV];
if (childImpl && process.argv[1] === here) {
  const killer = setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: 'timed out' }) + '\n');
    process.exit(1);
  }, CHILD_TIMEOUT_MS - 5000);
  killer.unref();
  try {
    if (childImpl.startsWith('connect-')) await connectChildMain(childImpl.slice('connect-'.length));
    else await memoryChildMain(childImpl.replace(/^memory-/, ''));
    process.exit(0);
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: errorNote(err) }) + '\n');
    process.exit(1);
  }
}
