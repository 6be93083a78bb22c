/**
 * DTLS 1.2 benchmarks: tern-rtc's DtlsConnection vs werift-dtls vs Pion
 * dtls v2, all on 127.0.0.1, measured in the same run. Every handshake is a
 * WebRTC-style one: ECDSA P-256 certificates on both sides (generated once up
 * front), the server requires the client's certificate, extended master
 * secret, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, use_srtp, and whatever
 * cookie exchange (HelloVerifyRequest) the server does by default.
 *
 * - `dtls-handshake-ms` (lower): one full handshake, client and server in the
 *   same process over two UDP sockets, from starting both to both done.
 *   Median of 20 after 100 warm-ups (Pion's too), each contender in a fresh
 *   process, three rounds taking turns, median of the rounds. Pion's figure
 *   comes from test/interop/pion/dtls-bench (`-mode handshake`, same shape). Notes carry
 *   the CPU time per handshake (both endpoints) and Pion with GOMAXPROCS=1.
 * - `dtls-handshakes-per-sec` (higher): server-side handshakes per second with
 *   32 concurrent clients. The server under test runs in its own process
 *   pinned to CPU 0 (Node: this file with TERN_DTLS_BENCH_SERVER=ours|werift;
 *   Pion: `-mode server` with GOMAXPROCS=1); the load comes from Pion clients
 *   (`-mode clients`) pinned to CPU 1, the same load generator for all three.
 *   After a warm-up of 1.5 s the server is sampled over 4 windows of 500 ms.
 *   The printed figure is handshakes per second of server CPU time (from
 *   /proc), i.e. what one fully used core sustains: on a shared 2-core
 *   machine the load generator rarely saturates the server, so the wall-clock
 *   rate (median of the windows) and the server's CPU use (percent of one
 *   core) are printed as notes.
 *
 * Run with TERN_DTLS_BENCH_SERVER=ours|werift this file is that server child
 * (one file on purpose, so the child and the bench share their code; hence
 * its length).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import type { DatagramTransport } from '../src/transport/datagram-transport.js';
import type { TransportAddress, UdpSocket } from '../src/transport/net.js';
import { GoPeer } from '../test/support/go-peer.js';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { WeriftDtlsPeer, generateWeriftCertificate } from '../test/support/werift-dtls-peer.js';
import { runBenchChild } from './child.js';
import { median, round } from './stats.js';
import { transpileForBench, transpiledDir } from './transpile.js';
import type { Bench, BenchResult } from './types.js';

type DtlsModule = typeof import('../src/dtls/index.js');
type Cert = Awaited<ReturnType<DtlsModule['DtlsCertificate']['generate']>>;

const LOOPBACK = '127.0.0.1';
const HANDSHAKE_RUNS = 20;
/** Warm-up handshakes (not measured) so V8 has compiled the hot paths, as in a long-running server. */
const HANDSHAKE_WARMUP = 100;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const LOAD_CONCURRENCY = 32;
const LOAD_WARMUP_MS = 1_500;
const LOAD_WINDOW_MS = 500;
const LOAD_WINDOWS = 4;
/** Bound on per-remote server state in the Node servers. */
const MAX_PENDING_HANDSHAKES = 4096;
const SERVER_ENV = 'TERN_DTLS_BENCH_SERVER';
/** Set (ours|werift), this file is a handshake-latency child: prints one JSON line and exits. */
const HANDSHAKE_ENV = 'TERN_DTLS_BENCH_HANDSHAKE';
/** Rounds of fresh processes for `dtls-handshake-ms`, the contenders taking turns. */
const HANDSHAKE_ROUNDS = 3;
const SUITE = 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' as const;

const here = fileURLToPath(import.meta.url);

type NodeNetModule = typeof import('../src/transport/node-net.js');
type UdpTransportModule = typeof import('../src/transport/udp-datagram-transport.js');

/**
 * The children of this file (handshake and server children) load what the parent transpiled:
 * transpiling all of src/ again in each child costs seconds of CPU, enough on a busy machine to
 * miss the server's 30 s start-up bound.
 */
let transpiled = process.env[SERVER_ENV] !== undefined || process.env[HANDSHAKE_ENV] !== undefined;
/** Our code as `npm run build` ships it (see transpile.ts), not through tsx. */
async function loadTranspiled<T>(...path: string[]): Promise<T> {
  if (!transpiled) transpileForBench();
  transpiled = true;
  return (await import(pathToFileURL(join(transpiledDir, 'src', ...path)).href)) as T;
}

async function loadDtls(): Promise<DtlsModule> {
  return loadTranspiled<DtlsModule>('dtls', 'index.js');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------- handshake latency

interface HandshakeResult {
  medianMs: number;
  /** CPU time of the process (both endpoints) per handshake. */
  cpuMsPerHandshake: number;
}

async function oursHandshakeMs(): Promise<HandshakeResult> {
  const { DtlsCertificate, DtlsConnection } = await loadDtls();
  const { nodeNet } = await loadTranspiled<NodeNetModule>('transport', 'node-net.js');
  const { UdpDatagramTransport } = await loadTranspiled<UdpTransportModule>('transport', 'udp-datagram-transport.js');
  const [serverCert, clientCert] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate()]);
  const samples: number[] = [];
  let cpuUs = 0;
  for (let i = 0; i < HANDSHAKE_WARMUP + HANDSHAKE_RUNS; i++) {
    const [sa, sb] = await Promise.all([
      nodeNet.bindUdp({ address: LOOPBACK, port: 0 }),
      nodeNet.bindUdp({ address: LOOPBACK, port: 0 }),
    ]);
    const ta = new UdpDatagramTransport(sa, sb.localAddress);
    const tb = new UdpDatagramTransport(sb, sa.localAddress);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const [client, server] = await withTimeout(
      Promise.all([
        DtlsConnection.connect(ta, { role: 'client', certificate: clientCert, insecureSkipVerify: true, cipherSuites: [SUITE] }),
        DtlsConnection.connect(tb, { role: 'server', certificate: serverCert, insecureSkipVerify: true, cipherSuites: [SUITE] }),
      ]),
      HANDSHAKE_TIMEOUT_MS,
      'tern-rtc handshake',
    );
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    client.close();
    server.close();
    ta.close();
    tb.close();
    if (i >= HANDSHAKE_WARMUP) {
      samples.push(elapsed);
      cpuUs += cpu.user + cpu.system;
    }
  }
  return { medianMs: median(samples), cpuMsPerHandshake: cpuUs / 1000 / HANDSHAKE_RUNS };
}

async function weriftHandshakeMs(): Promise<HandshakeResult> {
  const [serverCert, clientCert] = await Promise.all([generateWeriftCertificate('ecdsa'), generateWeriftCertificate('ecdsa')]);
  const samples: number[] = [];
  let cpuUs = 0;
  for (let i = 0; i < HANDSHAKE_WARMUP + HANDSHAKE_RUNS; i++) {
    const server = await WeriftDtlsPeer.create({ role: 'server', certificate: serverCert });
    const client = await WeriftDtlsPeer.create({ role: 'client', certificate: clientCert, remotePort: server.port });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let elapsed: number;
    let cpu: NodeJS.CpuUsage;
    try {
      await Promise.all([server.connect(HANDSHAKE_TIMEOUT_MS), client.connect(HANDSHAKE_TIMEOUT_MS)]);
      elapsed = performance.now() - t0;
      cpu = process.cpuUsage(cpu0);
    } finally {
      await Promise.all([client.close(), server.close()]);
    }
    if (i >= HANDSHAKE_WARMUP) {
      samples.push(elapsed);
      cpuUs += cpu.user + cpu.system;
    }
  }
  return { medianMs: median(samples), cpuMsPerHandshake: cpuUs / 1000 / HANDSHAKE_RUNS };
}

async function pionHandshakeMs(gomaxprocs?: number): Promise<HandshakeResult | null> {
  if (!pionAvailable()) return null;
  const peer = new GoPeer(pionBinary('dtls-bench'), ['-mode', 'handshake', '-n', String(HANDSHAKE_RUNS), '-warmup', String(HANDSHAKE_WARMUP)], {
    maxLifetimeMs: 60_000,
    ...(gomaxprocs === undefined ? {} : { env: { GOMAXPROCS: String(gomaxprocs) } }),
  });
  try {
    const m = await peer.next('result', 60_000);
    return { medianMs: Number(m['medianMs']), cpuMsPerHandshake: Number(m['cpuMsPerHandshake']) };
  } finally {
    await peer.close();
  }
}

// ------------------------------------------------- server handshake rate

/** One remote's view of a shared server socket, as a DatagramTransport. */
class RemoteTransport implements DatagramTransport {
  #handler: ((data: Buffer) => void) | undefined;
  #onClose: ((reason?: Error) => void) | undefined;
  #closed = false;

  constructor(
    private readonly socket: UdpSocket,
    private readonly remote: TransportAddress,
    private readonly release: () => void,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Uint8Array): void {
    if (!this.#closed) this.socket.send(data, this.remote);
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.#handler = handler;
  }

  onClose(handler: (reason?: Error) => void): void {
    this.#onClose = handler;
  }

  deliver(data: Buffer): void {
    this.#handler?.(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.release();
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.();
  }
}

/** RFC 6347 §4.1/§4.2.2: handshake record, epoch 0, first message client_hello. */
function isClientHello(d: Buffer): boolean {
  return d.length > 25 && d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 1;
}

interface ServerCounter {
  port: number;
  handshakes(): number;
}

async function startOurServer(): Promise<ServerCounter> {
  const { DtlsCertificate, DtlsConnection } = await loadDtls();
  const { nodeNet } = await loadTranspiled<NodeNetModule>('transport', 'node-net.js');
  const certificate: Cert = await DtlsCertificate.generate();
  const cookieSecret = randomBytes(32);
  const socket = await nodeNet.bindUdp({ address: LOOPBACK, port: 0 });
  const remotes = new Map<string, RemoteTransport>();
  let count = 0;
  socket.onMessage((data, from) => {
    const key = `${from.address}:${from.port}`;
    let t = remotes.get(key);
    if (!t) {
      if (!isClientHello(data) || remotes.size >= MAX_PENDING_HANDSHAKES) return;
      const transport = new RemoteTransport(socket, from, () => remotes.delete(key));
      t = transport;
      remotes.set(key, transport);
      DtlsConnection.connect(transport, {
        role: 'server',
        certificate,
        insecureSkipVerify: true,
        cookieSecret,
        remoteAddressKey: key,
        handshakeTimeoutMs: 5_000,
      }).then(
        (conn) => {
          count++;
          conn.close();
          transport.close();
        },
        () => transport.close(),
      );
    }
    t.deliver(data);
  });
  return { port: socket.localAddress.port, handshakes: () => count };
}

async function startWeriftServer(): Promise<ServerCounter> {
  const cert = await generateWeriftCertificate('ecdsa');
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  const remotes = new Map<string, { onData: (d: Buffer, a: [string, number]) => void }>();
  let count = 0;
  socket.on('message', (data, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let t = remotes.get(key);
    if (!t) {
      if (!isClientHello(data) || remotes.size >= MAX_PENDING_HANDSHAKES) return;
      const transport = {
        type: 'udp',
        closed: false,
        onData: (_d: Buffer, _a: [string, number]): void => undefined,
        get address(): AddressInfo {
          return socket.address();
        },
        send: (buf: Buffer): Promise<void> => {
          if (!transport.closed) socket.send(buf, rinfo.port, rinfo.address);
          return Promise.resolve();
        },
        close: (): Promise<void> => {
          transport.closed = true;
          remotes.delete(key);
          return Promise.resolve();
        },
      };
      t = transport;
      remotes.set(key, transport);
      const server = new DtlsServer({
        transport: transport as never,
        cert: cert.certPem,
        key: cert.keyPem,
        signatureHash: cert.signatureHash,
        certificateRequest: true,
        extendedMasterSecret: true,
        srtpProfiles: [7, 1] as never[],
      });
      // werift has no handshake timeout of its own: drop stalled state.
      const timer = setTimeout(() => void transport.close(), 5_000);
      server.onConnect.subscribe(() => {
        count++;
        clearTimeout(timer);
        void transport.close();
      });
    }
    try {
      t.onData(data, [rinfo.address, rinfo.port]);
    } catch {
      // werift reports its own errors
    }
  });
  return { port: (socket.address() as AddressInfo).port, handshakes: () => count };
}

/** Child-process entry: a server printing JSON lines, one count per stdin line. */
async function serveFromChild(kind: string): Promise<void> {
  const server = kind === 'ours' ? await startOurServer() : await startWeriftServer();
  const print = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
  print({ type: 'listening', port: server.port });
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (let i = 0; i < chunk.split('\n').length - 1; i++) print({ type: 'count', handshakes: server.handshakes() });
  });
  process.stdin.on('end', () => process.exit(0));
  // Hard bound whatever happens.
  setTimeout(() => process.exit(3), 60_000).unref();
}

/** CPU time (ms) used so far by process `pid`, from /proc (Linux). */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ');
  if (!fields) return undefined;
  // utime and stime are fields 14 and 15 (1-based) of /proc/pid/stat, in clock ticks (USER_HZ = 100).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
}

interface RateResult {
  perSec: number;
  serverCpuPercent: number | undefined;
  /** Handshakes per second of server CPU time: robust when the machine is shared. */
  perCpuSecond: number | undefined;
  clientFailures: number;
  /** Client-observed handshake latency. */
  p50Ms: number;
  p99Ms: number;
}

type ServerKind = 'ours' | 'werift' | 'pion';

/** Spawns the server under test pinned to CPU 0; resolves once it listens. */
async function startServer(kind: ServerKind): Promise<{ peer: GoPeer; port: number }> {
  const [cmd, args] =
    kind === 'pion'
      ? pinned(0, pionBinary('dtls-bench'), ['-mode', 'server', '-duration', '60s'])
      : pinned(0, process.execPath, ['--import', 'tsx', here]);
  const peer = new GoPeer(cmd, args, {
    env: kind === 'pion' ? { GOMAXPROCS: '1' } : { [SERVER_ENV]: kind },
    maxLifetimeMs: 90_000,
  });
  try {
    const listening = await peer.next('listening', 30_000);
    return { peer, port: Number(listening['port']) };
  } catch (err) {
    await peer.close(500);
    throw err;
  }
}

/** Loads a listening server with the Pion client process pinned to CPU 1 and samples its counter. */
async function measureRate(server: { peer: GoPeer; port: number }): Promise<RateResult> {
  const durationMs = LOAD_WARMUP_MS + LOAD_WINDOW_MS * LOAD_WINDOWS + 300;
  const [ccmd, cargs] = pinned(1, pionBinary('dtls-bench'), [
    '-mode',
    'clients',
    '-remote',
    `${LOOPBACK}:${server.port}`,
    '-concurrency',
    String(LOAD_CONCURRENCY),
    '-duration',
    `${durationMs}ms`,
  ]);
  const clients = new GoPeer(ccmd, cargs, { maxLifetimeMs: durationMs + 20_000 });
  try {
    const seen = new Set<object>();
    const sample = async (): Promise<{ at: number; n: number; cpu: number | undefined }> => {
      server.peer.send({ type: 'count' });
      const m = await server.peer.next((x) => x.type === 'count' && !seen.has(x), 5_000);
      seen.add(m);
      return { at: performance.now(), n: Number(m['handshakes']), cpu: cpuMs(server.peer.pid) };
    };
    await new Promise((r) => setTimeout(r, LOAD_WARMUP_MS));
    const points = [await sample()];
    for (let w = 0; w < LOAD_WINDOWS; w++) {
      await new Promise((r) => setTimeout(r, LOAD_WINDOW_MS));
      points.push(await sample());
    }
    const rates: number[] = [];
    for (let w = 1; w < points.length; w++) {
      rates.push(((points[w]!.n - points[w - 1]!.n) * 1000) / (points[w]!.at - points[w - 1]!.at));
    }
    const first = points[0]!;
    const last = points[points.length - 1]!;
    const cpuUsedMs = first.cpu !== undefined && last.cpu !== undefined ? last.cpu - first.cpu : undefined;
    const cpu = cpuUsedMs === undefined ? undefined : round((100 * cpuUsedMs) / (last.at - first.at), 3);
    const perCpuSecond = cpuUsedMs ? ((last.n - first.n) * 1000) / cpuUsedMs : undefined;
    const result = await clients.next('result', durationMs + 15_000);
    return {
      perSec: median(rates),
      serverCpuPercent: cpu,
      perCpuSecond,
      clientFailures: Number(result['failures']),
      p50Ms: round(Number(result['p50Ms'])),
      p99Ms: round(Number(result['p99Ms'])),
    };
  } finally {
    await clients.close();
  }
}

/** One contender's handshake latency measured in a fresh Node process (this file as a child). */
function handshakeChild(kind: 'ours' | 'werift'): Promise<HandshakeResult> {
  return runBenchChild<HandshakeResult>(here, { [HANDSHAKE_ENV]: kind }, 120_000);
}

/** The median over rounds of each round's figures. */
function medianResult(results: readonly HandshakeResult[]): HandshakeResult {
  return { medianMs: median(results.map((r) => r.medianMs)), cpuMsPerHandshake: median(results.map((r) => r.cpuMsPerHandshake)) };
}

export const benches: Bench[] = [
  {
    name: 'dtls-handshake-ms',
    async run(): Promise<BenchResult[]> {
      // Every contender in a fresh process, taking turns round by round, so no one's garbage or
      // timers land in another's measurement and the machine's slow spells hit all alike.
      transpileForBench();
      const rounds: { ours: HandshakeResult[]; werift: HandshakeResult[]; pion: HandshakeResult[]; pionOneCore: HandshakeResult[] } = {
        ours: [],
        werift: [],
        pion: [],
        pionOneCore: [],
      };
      for (let i = 0; i < HANDSHAKE_ROUNDS; i++) {
        rounds.ours.push(await handshakeChild('ours'));
        rounds.werift.push(await handshakeChild('werift'));
        const p = await pionHandshakeMs();
        if (p) rounds.pion.push(p);
        // Node runs both endpoints on one thread; Pion's goroutines may use both cores.
        const p1 = await pionHandshakeMs(1);
        if (p1) rounds.pionOneCore.push(p1);
      }
      const ours = medianResult(rounds.ours);
      const werift = medianResult(rounds.werift);
      const pion = rounds.pion.length ? medianResult(rounds.pion) : null;
      const pionOneCore = rounds.pionOneCore.length ? medianResult(rounds.pionOneCore) : null;
      return [
        {
          bench: 'dtls-handshake-ms',
          unit: 'ms',
          better: 'lower',
          ours: round(ours.medianMs),
          werift: round(werift.medianMs),
          pion: pion === null ? null : round(pion.medianMs),
          bare: null,
          notes: {
            runs: HANDSHAKE_RUNS,
            rounds: HANDSHAKE_ROUNDS,
            suite: SUITE,
            pionGomaxprocs1Ms: pionOneCore === null ? 'n/a' : round(pionOneCore.medianMs),
            // CPU time per handshake of both endpoints together: stable when the machine is busy.
            oursCpuMs: round(ours.cpuMsPerHandshake),
            weriftCpuMs: round(werift.cpuMsPerHandshake),
            pionCpuMs: pion === null ? 'n/a' : round(pion.cpuMsPerHandshake),
          },
        },
      ];
    },
  },
  {
    name: 'dtls-handshakes-per-sec',
    async run(): Promise<BenchResult[]> {
      if (!pionAvailable()) throw new Error('dtls-handshakes-per-sec needs Go and Pion for its load generator');
      transpileForBench();
      // Start the three servers together (Node start-up dominates), then load them one at a time.
      const kinds: ServerKind[] = ['ours', 'werift', 'pion'];
      const started = await Promise.allSettled(kinds.map((k) => startServer(k)));
      const servers = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      try {
        const failed = started.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        const [ours, werift, pion] = [
          await measureRate(servers[0]!),
          await measureRate(servers[1]!),
          await measureRate(servers[2]!),
        ];
        // Headline: handshakes per second of server CPU time (one core fully used). On a shared
        // 2-core machine the load generator rarely saturates the server; the wall rates are notes.
        const headline = (r: RateResult): number => round(r.perCpuSecond ?? r.perSec);
        return [
          {
            bench: 'dtls-handshakes-per-sec',
            unit: 'handshakes/s per core',
            better: 'higher',
            ours: headline(ours),
            werift: headline(werift),
            pion: headline(pion),
            bare: null,
            notes: {
              concurrency: LOAD_CONCURRENCY,
              oursWallPerSec: round(ours.perSec),
              weriftWallPerSec: round(werift.perSec),
              pionWallPerSec: round(pion.perSec),
              oursServerCpuPercent: ours.serverCpuPercent ?? 'n/a',
              weriftServerCpuPercent: werift.serverCpuPercent ?? 'n/a',
              pionServerCpuPercent: pion.serverCpuPercent ?? 'n/a',
              clientFailures: `${ours.clientFailures}/${werift.clientFailures}/${pion.clientFailures}`,
              latencyP50Ms: `${ours.p50Ms}/${werift.p50Ms}/${pion.p50Ms}`,
              latencyP99Ms: `${ours.p99Ms}/${werift.p99Ms}/${pion.p99Ms}`,
            },
          },
        ];
      } finally {
        await Promise.all(servers.map((s) => s?.peer.close(1_000)));
      }
    },
  },
];

const childKind = process.env[SERVER_ENV];
if (childKind === 'ours' || childKind === 'werift') await serveFromChild(childKind);
const handshakeKind = process.env[HANDSHAKE_ENV];
if ((handshakeKind === 'ours' || handshakeKind === 'werift') && process.argv[1] === here) {
  const r = handshakeKind === 'ours' ? await oursHandshakeMs() : await weriftHandshakeMs();
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}
