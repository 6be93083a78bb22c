/**
 * sfu-ws under load: one 1,000 packet/s publisher and K subscribers (tern-rtc
 * peers in this process), the SFU in a child process so its CPU and memory
 * are its own.
 * - sfu-forward-cpu-us (K = 1, 10, 40): SFU CPU µs per forwarded packet;
 * - sfu-added-latency-p99-ms (K = 10, 40): send → receive p99 through the SFU (includes both client stacks);
 * - sfu-rss-mib (K = 40);
 * - sfu-join-storm-ms: 40 subscribers join at once, until all receive media.
 * The Pion comparison SFU (issue 15) is not built yet: `pion` is null.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { joinPeer, type LoadPeer } from './sfu-load.js';
import type { Bench, BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const WINDOW_MS = Number(process.env['SFU_BENCH_WINDOW_MS'] ?? 4000);

class ServerChild {
  readonly child: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[] = [];

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(here, 'sfu-server-child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#lines = createInterface({ input: this.child.stdout! });
    this.#lines.on('line', (l) => this.#waiting.shift()?.(l));
  }

  next<T>(): Promise<T> {
    return new Promise((resolve) => this.#waiting.push((l) => resolve(JSON.parse(l) as T)));
  }

  async sample(): Promise<{ cpuUs: number; rssMiB: number }> {
    const p = this.next<{ cpuUs: number; rssMiB: number }>();
    this.child.stdin!.write('sample\n');
    return p;
  }

  async stop(): Promise<void> {
    this.child.stdin!.write('quit\n');
    await new Promise((r) => this.child.once('exit', r));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? NaN;
}

async function forwardRun(k: number): Promise<{ cpuUs: number; p99: number; rssMiB: number; loss: number; pps: number }> {
  const server = new ServerChild();
  const { port } = await server.next<{ port: number }>();
  const base = `http://127.0.0.1:${port}`;
  const peers: LoadPeer[] = [];
  try {
    const pub = await joinPeer(base, 'bench', true);
    pub.perTick = 1;
    peers.push(pub);
    const subs: LoadPeer[] = [];
    // Joined in groups of 5 at a low packet rate, so handshakes are not starved on 2 shared cores.
    for (let i = 0; i < k; i += 5) {
      const group = await Promise.all(Array.from({ length: Math.min(5, k - i) }, () => joinPeer(base, 'bench', false)));
      subs.push(...group);
      peers.push(...group);
      if (!(await until(() => group.every((s) => s.received > 10), 60_000))) throw new Error(`K=${k}: subscribers did not all receive media`);
    }
    pub.perTick = 5;
    await until(() => false, 1000);
    await sleep(500);
    for (const s of subs) {
      s.received = 0;
      s.latencies = [];
      s.recordLatency = true;
    }
    const sent0 = pub.sent;
    const a = await server.sample();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const b = await server.sample();
    const elapsed = performance.now() - t0;
    const forwarded = subs.reduce((n, s) => n + s.received, 0);
    const expected = k * (pub.sent - sent0);
    return { cpuUs: (b.cpuUs - a.cpuUs) / forwarded, p99: p99(subs.flatMap((s) => s.latencies)), rssMiB: b.rssMiB, loss: Math.max(0, 1 - forwarded / expected), pps: ((pub.sent - sent0) * 1000) / elapsed };
  } finally {
    for (const p of peers) p.close();
    await server.stop();
  }
}

async function joinStorm(n: number): Promise<number> {
  const server = new ServerChild();
  const { port } = await server.next<{ port: number }>();
  const base = `http://127.0.0.1:${port}`;
  const peers: LoadPeer[] = [];
  try {
    peers.push(await joinPeer(base, 'storm', true));
    await sleep(500);
    const t0 = performance.now();
    const subs = await Promise.all(Array.from({ length: n }, () => joinPeer(base, 'storm', false)));
    peers.push(...subs);
    if (!(await until(() => subs.every((s) => s.firstAt !== undefined), 90_000))) throw new Error('join storm: not every subscriber received media');
    return Math.max(...subs.map((s) => s.firstAt!)) - t0;
  } finally {
    for (const p of peers) p.close();
    await server.stop();
  }
}

const row = (bench: string, unit: string, better: 'lower' | 'higher', ours: number, notes?: Record<string, number | string>): BenchResult => ({
  bench,
  unit,
  better,
  ours: Math.round(ours * 100) / 100,
  werift: null,
  pion: null,
  bare: null,
  ...(notes ? { notes } : {}),
});

export const benches: Bench[] = [
  {
    name: 'sfu-',
    async run() {
      const out: BenchResult[] = [];
      for (const k of [1, 10, 40]) {
        const r = await forwardRun(k).catch((err: Error) => {
          console.error(`sfu bench K=${k}: ${err.message}`);
          return undefined;
        });
        if (!r) continue;
        out.push(row(`sfu-forward-cpu-us-k${k}`, 'us/packet', 'lower', r.cpuUs, { loss: Math.round(r.loss * 1000) / 1000, publisherPps: Math.round(r.pps), pion: 'not built' }));
        if (k >= 10) out.push(row(`sfu-added-latency-p99-ms-k${k}`, 'ms', 'lower', r.p99));
        if (k === 40) out.push(row('sfu-rss-mib-k40', 'MiB', 'lower', r.rssMiB));
      }
      const storm = await joinStorm(40).catch((err: Error) => {
        console.error(`sfu join storm: ${err.message}`);
        return undefined;
      });
      if (storm !== undefined) out.push(row('sfu-join-storm-ms', 'ms', 'lower', storm));
      return out;
    },
  },
];
