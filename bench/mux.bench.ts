/**
 * Single-port ICE server benchmarks.
 *
 * - `mux-demux-pkts-per-sec` (higher): datagrams routed per second by
 *   IceMuxServer with 2,000 registered transports, each owning one UDP
 *   5-tuple, on one port of 127.0.0.1. A child process blasts 200-byte
 *   non-STUN datagrams round-robin from 2,000 source ports, so the measured
 *   process's core only receives and routes. `bare`: the same traffic
 *   received by a plain `node:dgram` socket with a counting handler (no
 *   routing). Median of 3 windows of 2 s after a 0.5 s warm-up.
 * - `mux-transport-kib` (lower): live heap (heapUsed + external after GC)
 *   per registered transport with one UDP tuple each, 2,000 transports, in
 *   a fresh child with --expose-gc; median of 3.
 *
 * `pion`: the same traffic into Pion's UDPMuxDefault (pion/ice v2, the
 *   Go program test/interop/pion/mux-bench, GOMAXPROCS=1 like one Node
 *   core): 2,000 muxed conns, each claiming its sender's address by writing
 *   to it, one reading goroutine each. werift has no single-port server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { median, round } from './stats.js';
import type { IceMuxAgent } from '../src/icemux/index.js';
import type { Bench, BenchResult } from './types.js';

const here = fileURLToPath(import.meta.url);
const CHILD_ENV = 'TERN_MUX_BENCH_CHILD';
const TRANSPORTS = 2000;
const WARMUP_MS = 500;
const WINDOW_MS = 2000;
const RUNS = 3;
const PAYLOAD_BYTES = 200;
const LOOPBACK = '127.0.0.1';

/** The sender: binds N sockets, prints their ports, blasts round-robin at `port` after "go"; exits on stdin end. */
const SENDER_JS = `
import dgram from 'node:dgram';
import readline from 'node:readline';
const [n, payloadBytes] = [Number(process.env.N), Number(process.env.PAYLOAD)];
const socks = await Promise.all(Array.from({ length: n }, () => new Promise((res) => {
  const s = dgram.createSocket('udp4'); s.on('error', () => {}); s.bind(0, '127.0.0.1', () => res(s));
})));
process.stdout.write(JSON.stringify(socks.map((s) => s.address().port)) + '\\n');
const payload = Buffer.alloc(payloadBytes, 0x80);
let target = 0; let i = 0;
// No send callbacks: libuv tries a synchronous sendto first; a tick of 64 datagrams, then yield.
function pump() {
  if (!target) return;
  for (let k = 0; k < 64; k++) {
    socks[i].send(payload, target, '127.0.0.1');
    i = (i + 1) % socks.length;
  }
  setImmediate(pump);
}
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (l) => { target = Number(l); if (target) pump(); });
rl.on('close', () => process.exit(0));
`;

interface Sender {
  ports: number[];
  go(port: number): void;
  stop(): void;
}

function startSender(n: number): Promise<Sender> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SENDER_JS], {
      env: { ...process.env, N: String(n), PAYLOAD: String(PAYLOAD_BYTES) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', () => clearTimeout(killTimer));
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const ports = JSON.parse(buf.slice(0, nl)) as number[];
      resolve({
        ports,
        go: (port) => child.stdin!.write(`${port}\n`),
        stop: () => {
          child.stdin!.end();
          setTimeout(() => child.kill('SIGKILL'), 1000).unref();
        },
      });
    });
    child.once('error', reject);
  });
}

/** Counts `count()` over WINDOW_MS windows after a warm-up; returns pkts/s per window and CPU µs/pkt. */
async function measure(count: () => number): Promise<{ rate: number; cpuUsPerPkt: number }> {
  await sleep(WARMUP_MS);
  const rates: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = count();
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const n = count() - c0;
    const u = process.cpuUsage(u0);
    const dt = (performance.now() - t0) / 1000;
    rates.push(n / dt);
    cpus.push(n > 0 ? (u.user + u.system) / n : 0);
  }
  return { rate: median(rates), cpuUsPerPkt: median(cpus) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A registered agent stand-in: the mux needs credentials, restart hook, selected pair, close. */
function stubAgent(i: number): IceMuxAgent {
  return {
    localCredentials: { ufrag: `ufrag${i.toString(36).padStart(4, '0')}`, pwd: `password-for-transport-${i}-xxxxxxxx` },
    onLocalCredentialsChange: () => () => undefined,
    getSelectedPair: () => undefined,
    close: () => undefined,
  };
}

async function demuxOurs(sender: Sender): Promise<{ rate: number; cpuUsPerPkt: number; drops: number }> {
  const { IceMuxServer } = await import('../src/icemux/index.js');
  const mux = await IceMuxServer.listen({ udp: { address: LOOPBACK, port: 0 }, maxUdpTuplesPerTransport: 4 });
  let delivered = 0;
  const ping = Buffer.from([0x80]);
  for (let i = 0; i < TRANSPORTS; i++) {
    const t = mux.register(stubAgent(i));
    t.udpSocket!.onMessage(() => {
      delivered++;
    });
    // The agent sending to its peer claims the 5-tuple (as a check to a remote candidate does).
    t.udpSocket!.send(ping, { address: LOOPBACK, port: sender.ports[i]! });
  }
  sender.go(mux.udpAddress!.port);
  try {
    const m = await measure(() => delivered);
    return { ...m, drops: mux.drops.total };
  } finally {
    sender.go(0);
    mux.close();
  }
}

async function demuxBare(sender: Sender): Promise<{ rate: number; cpuUsPerPkt: number }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, LOOPBACK, () => r()));
  let received = 0;
  sock.on('message', () => {
    received++;
  });
  sender.go(sock.address().port);
  try {
    return await measure(() => received);
  } finally {
    sender.go(0);
    sock.close();
  }
}

/** Pion's UDPMuxDefault in its Go program (see the header), fed by the same sender. */
function demuxPion(sender: Sender): Promise<{ rate: number; cpuUsPerPkt: number } | undefined> {
  if (!pionAvailable()) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(pionBinary('mux-bench'), ['-warmup', `${WARMUP_MS}ms`, '-window', `${WINDOW_MS}ms`, '-runs', String(RUNS)], {
      env: { ...process.env, GOMAXPROCS: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let buf = '';
    let result: { rate: number; cpuUsPerPkt: number } | undefined;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { port?: number; rate?: number; cpuUsPerPkt?: number; error?: string };
        buf = buf.slice(nl + 1);
        if (msg.error) console.error(`pion mux-bench: ${msg.error}`);
        if (msg.port !== undefined) {
          sender.go(msg.port);
          child.stdin.write('go\n');
        }
        if (msg.rate !== undefined) result = { rate: msg.rate, cpuUsPerPkt: msg.cpuUsPerPkt ?? 0 };
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      sender.go(0);
      resolve(result);
    });
    child.once('error', () => resolve(undefined));
    child.stdin.write(`${JSON.stringify(sender.ports)}\n`);
  });
}

async function demuxBench(): Promise<BenchResult[]> {
  const sender = await startSender(TRANSPORTS);
  try {
    const bare = await demuxBare(sender);
    await sleep(200);
    const pion = await demuxPion(sender);
    await sleep(200);
    const ours = await demuxOurs(sender);
    return [
      {
        bench: 'mux-demux-pkts-per-sec',
        unit: 'pkts/s',
        better: 'higher',
        ours: round(ours.rate),
        werift: null,
        pion: pion ? round(pion.rate) : null,
        bare: round(bare.rate),
        notes: {
          transports: TRANSPORTS,
          payload_bytes: PAYLOAD_BYTES,
          ours_cpu_us_per_pkt: round(ours.cpuUsPerPkt),
          bare_cpu_us_per_pkt: round(bare.cpuUsPerPkt),
          ...(pion ? { pion_cpu_us_per_pkt: round(pion.cpuUsPerPkt) } : {}),
          mux_drops: ours.drops,
          werift: 'no single-port server',
          pion: 'UDPMuxDefault, GOMAXPROCS=1',
        },
      },
    ];
  } finally {
    sender.stop();
  }
}

// ---------------------------------------------------------------- memory

async function memoryChildMain(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const { IceMuxServer } = await import('../src/icemux/index.js');
  const mux = await IceMuxServer.listen({ udp: { address: LOOPBACK, port: 0 }, tcp: { address: LOOPBACK, port: 0 } });
  const snap = async (): Promise<number> => {
    await sleep(100);
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  // Warm-up (JIT, map growth), then a baseline with the warm-up freed.
  const warm = Array.from({ length: 200 }, (_, i) => mux.register(stubAgent(100_000 + i)));
  for (const t of warm) t.close('agent-closed');
  const agents = Array.from({ length: TRANSPORTS }, (_, i) => stubAgent(i));
  const before = await snap();
  const ts = agents.map((a) => mux.register(a));
  ts.forEach((t, i) => t.udpSocket!.send(Buffer.from([0x80]), { address: LOOPBACK, port: 10_000 + i }));
  const after = await snap();
  process.stdout.write(`${JSON.stringify({ kib: (after - before) / 1024 / TRANSPORTS, transports: ts.length })}\n`);
  mux.close();
}

function memoryChild(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', here], {
      env: { ...process.env, [CHILD_ENV]: 'memory' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(out.trim().split('\n').pop() ?? '') as { kib: number }).kib);
      } catch {
        reject(new Error(`memory child exited ${code}: ${err.trim().slice(-500)}`));
      }
    });
  });
}

async function memoryBench(): Promise<BenchResult[]> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await memoryChild());
  return [
    {
      bench: 'mux-transport-kib',
      unit: 'KiB/transport',
      better: 'lower',
      ours: round(median(runs)),
      werift: null,
      pion: null,
      bare: null,
      notes: { transports: TRANSPORTS, tuples_per_transport: 1, measure: 'V8 heapUsed+external after GC', werift: 'no single-port server', pion: 'not measured' },
    },
  ];
}

export const benches: Bench[] = [
  { name: 'mux-demux-pkts-per-sec', run: demuxBench },
  { name: 'mux-transport-kib', run: memoryBench },
];

if (process.env[CHILD_ENV] === 'memory') {
  memoryChildMain().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
      process.exit(1);
    },
  );
}
