/**
 * TURN server benchmarks: tern-rtc's TurnServer against pion/turn v2
 * (test/interop/pion/turn-server-bench, GOMAXPROCS=1) and coturn
 * (`turnserver --relay-threads 1`), all in the same run, each server a child
 * process pinned to CPU 0 (`taskset`, when present) and the load client
 * (bench/turn-load.ts, tern-rtc's batched UDP sockets) on CPU 1. UDP on
 * 127.0.0.1. werift has no TURN server (null); `bare` is null too (no
 * meaningful "no server" relay).
 *
 * - `turn-relay-pkts-per-sec` (higher): 1,200-byte payloads relayed between
 *   a client (ChannelData) and a peer (plain UDP) in both directions at
 *   once; median of 3 windows of 1.5 s after 0.5 s, both directions summed.
 * - `turn-allocations-per-sec` (higher): 1,000 allocations (401 challenge
 *   then authenticated Allocate), 32 in flight.
 * - `turn-allocation-kib` (lower): server RSS growth per idle allocation,
 *   1,000 allocations, read from /proc after 1 s.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { coturnAvailable, startCoturn } from '../test/support/coturn.js';
import { round } from './stats.js';
import type { Bench, BenchResult } from './types.js';

const here = fileURLToPath(import.meta.url);
const loadScript = fileURLToPath(new URL('./turn-load.ts', import.meta.url));
const CHILD_ENV = 'TERN_TURN_BENCH_CHILD';
const CRED = { user: 'bench', pass: 'bench', realm: 'bench' };
const ALLOCATIONS = 1000;

const hasTaskset = ((): boolean => {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface RunningServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Our server in a child process: prints "ready <port>", stops when stdin closes. */
async function childServerMain(): Promise<void> {
  const { TurnServer } = await import('../src/turn-server/turn-server.js');
  const server = await TurnServer.listen({
    realm: CRED.realm,
    users: { [CRED.user]: CRED.pass },
    udp: [{ address: '127.0.0.1', port: 0 }],
    relayAddresses: { 4: '127.0.0.1' },
    allowedPeers: ['127.0.0.0/8'],
    bandwidthBytesPerSec: 0,
    maxAllocations: 100_000,
    maxAllocationsPerUser: 100_000,
  });
  process.stdout.write(`ready ${server.udpAddresses[0]!.port}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    server.close();
    setTimeout(() => process.exit(0), 300);
  });
}

function pin(pid: number): void {
  if (!hasTaskset) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
  } catch {
    // best effort
  }
}

function startChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child: ChildProcess = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /ready (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      pin(child.pid!);
      resolve({
        port: Number(m[1]),
        pid: child.pid!,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(kill);
              r();
            });
            child.stdin!.end();
          }),
      });
    });
  });
}

type Contender = 'ours' | 'pion' | 'coturn';

async function startServer(which: Contender): Promise<RunningServer> {
  if (which === 'ours') return startChild(process.execPath, ['--import', 'tsx', here], { [CHILD_ENV]: '1', TERN_LOG: 'turn=error' });
  if (which === 'pion') return startChild(pionBinary('turn-server-bench'), [CRED.user, CRED.pass, CRED.realm], { GOMAXPROCS: '1' });
  const c = await startCoturn({ user: CRED.user, password: CRED.pass, realm: CRED.realm, extraArgs: ['--relay-threads', '1', '--no-tls', '--log-file', '/dev/null'] });
  pin(c.pid);
  return { port: c.port, pid: c.pid, stop: () => c.stop() };
}

/** Runs the load client in `mode` against `port`; resolves its JSON line. Holds it (idle mode) until `hold` resolves. */
function load(mode: string, port: number, env: Record<string, string> = {}, onReady?: (stop: () => void) => void): Promise<Record<string, number>> {
  const args = [...(hasTaskset ? ['-c', '1', process.execPath] : []), '--import', 'tsx', loadScript, mode];
  const child = spawn(hasTaskset ? 'taskset' : process.execPath, args, {
    env: { ...process.env, SERVER_PORT: String(port), USER_NAME: CRED.user, PASS: CRED.pass, REALM: CRED.realm, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load ${mode} timed out`));
    }, 120_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && mode === 'idle' && onReady) {
        onReady(() => child.stdin!.end());
        onReady = undefined;
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`load ${mode} failed (${code}): ${out}`));
      resolve(JSON.parse(line) as Record<string, number>);
    });
  });
}

function rssKib(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

async function measure(which: Contender): Promise<{ pps: number; allocs: number; kib: number }> {
  let s = await startServer(which);
  let pps: number;
  try {
    pps = (await load('relay', s.port)).pps!;
  } finally {
    await s.stop();
  }
  s = await startServer(which);
  let allocs: number;
  try {
    allocs = (await load('allocs', s.port, { COUNT: String(ALLOCATIONS) })).rate!;
  } finally {
    await s.stop();
  }
  s = await startServer(which);
  let kib = NaN;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssKib(s.pid);
    await load('idle', s.port, { COUNT: String(ALLOCATIONS) }, (stop) => {
      void new Promise((r) => setTimeout(r, 1000)).then(() => {
        kib = (rssKib(s.pid) - before) / ALLOCATIONS;
        stop();
      });
    });
  } finally {
    await s.stop();
  }
  return { pps, allocs, kib };
}

async function runAll(): Promise<BenchResult[]> {
  const ours = await measure('ours');
  const pion = pionAvailable() && existsSync('/usr/share/gocode/src/github.com/pion/turn/v2') ? await measure('pion') : undefined;
  const coturn = coturnAvailable() ? await measure('coturn') : undefined;
  const notes = { taskset: hasTaskset ? 'servers on CPU 0, load on CPU 1' : 'unpinned' };
  const result = (bench: string, unit: string, better: 'higher' | 'lower', pick: (m: { pps: number; allocs: number; kib: number }) => number): BenchResult => ({
    bench,
    unit,
    better,
    ours: round(pick(ours)),
    werift: null,
    pion: pion ? round(pick(pion)) : null,
    bare: null,
    coturn: coturn ? round(pick(coturn)) : null,
    notes,
  });
  return [
    result('turn-relay-pkts-per-sec', 'pkts/s', 'higher', (m) => m.pps),
    result('turn-allocations-per-sec', 'allocs/s', 'higher', (m) => m.allocs),
    result('turn-allocation-kib', 'KiB', 'lower', (m) => m.kib),
  ];
}

if (process.env[CHILD_ENV]) void childServerMain();

export const benches: Bench[] = process.env[CHILD_ENV] ? [] : [{ name: 'turn-', run: runAll }];
