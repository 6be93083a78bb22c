/**
 * One peer-connection measurement in a fresh process (run transpiled, with
 * --expose-gc): `node pc-worker.js <impl> <connect|media|idle> [arg]`, impl one of
 * ours, werift, bare, and for media only the ceilings bare-gcm and bare-gcm-workers (pc-ceiling.ts).
 * Prints one JSON line. Two peers in this process, on 127.0.0.1 only.
 */
import { createSocket } from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection as WeriftPeerConnection } from 'werift';
import { RTCPeerConnection, SettingEngine, TrackLocalStaticRTP } from '../src/index.js';
import { bareGcmPair, bareGcmWorkersPair, type CeilingPair } from './pc-ceiling.js';

const [impl = 'ours', mode = 'connect', arg] = process.argv.slice(2);
const IN_FLIGHT = 64;
const PAYLOAD = 1200;
/** Connections made before the steady-state measurement (Pion's figure gets the same warm-up). */
const CONNECT_WARMUP = 100;
/** Pairs connected (all at once) and closed before the idle baseline is taken. */
const IDLE_WARMUP_PAIRS = 20;
/** Connections made before the early measurement, reported in the notes. */
const EARLY_WARMUP = 3;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function until(pred: () => boolean, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > ms) return reject(new Error('timed out'));
      setImmediate(tick);
    };
    tick();
  });
}

interface Pair {
  close(): void;
  /** Sends one 1200-byte RTP packet from a to b. */
  send(seq: number): void;
  onReceive(cb: () => void): void;
}

/** Fills `buf` (12 + PAYLOAD bytes) as the VP8 RTP packet number `seq`, in place. */
function rtpPacket(buf: Buffer, seq: number): Buffer {
  buf[0] = 0x80;
  buf[1] = 96 | 0x80;
  buf.writeUInt16BE(seq & 0xffff, 2);
  buf.writeUInt32BE((seq * 3000) >>> 0, 4);
  buf[12] = 0x10;
  return buf;
}

/** 127.0.0.1 only; SRTP inline, or on `srtpWorkers` worker threads. */
function loopbackSettings(srtpWorkers = 0): SettingEngine {
  const s = new SettingEngine();
  s.setIncludeLoopbackCandidate(true);
  s.setInterfaceFilter((n) => n === 'lo');
  s.setIPFilter((ip) => ip === '127.0.0.1');
  s.setNetworkTypes(['udp4']);
  s.setSRTPWorkers(srtpWorkers);
  return s;
}
const settings = loopbackSettings();
/** The same with SRTP on one worker thread (SettingEngine.setSRTPWorkers). */
const workerSettings = loopbackSettings(1);

/** The offer/answer surface both stacks share, enough to connect two peers. */
interface Negotiable<D> {
  createOffer(): Promise<D>;
  createAnswer(): Promise<D>;
  setLocalDescription(d: D): Promise<unknown>;
  setRemoteDescription(d: D): Promise<unknown>;
  readonly localDescription: D | null | undefined;
  readonly iceGatheringState: string;
  readonly connectionState: string;
}

/** Non-trickle offer/answer (each side gathers fully first), then waits for both to connect. */
async function connectNonTrickle<D>(a: Negotiable<D>, b: Negotiable<D>): Promise<void> {
  await a.setLocalDescription(await a.createOffer());
  await until(() => a.iceGatheringState === 'complete');
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await until(() => b.iceGatheringState === 'complete');
  await a.setRemoteDescription(b.localDescription!);
  await until(() => a.connectionState === 'connected' && b.connectionState === 'connected');
}

async function oursPair(engine = settings): Promise<Pair> {
  const a = new RTCPeerConnection({}, { settingEngine: engine });
  const b = new RTCPeerConnection({}, { settingEngine: engine });
  const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
  a.addTrack(track);
  let onReceive: () => void = () => undefined;
  b.ontrack = ({ track: t }) => t.onRtp(() => onReceive());
  await connectNonTrickle(a, b);
  const packet = Buffer.alloc(12 + PAYLOAD);
  return {
    close: () => {
      a.close();
      b.close();
    },
    send: (seq) => track.write(rtpPacket(packet, seq)),
    onReceive: (cb) => {
      onReceive = cb;
    },
  };
}

function weriftConfig(): ConstructorParameters<typeof WeriftPeerConnection>[0] {
  return { iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } };
}

async function weriftPair(): Promise<Pair> {
  const a = new WeriftPeerConnection(weriftConfig());
  const b = new WeriftPeerConnection(weriftConfig());
  const track = new MediaStreamTrack({ kind: 'video' });
  a.addTransceiver(track, { direction: 'sendonly' });
  let onReceive: () => void = () => undefined;
  b.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => onReceive()));
  await connectNonTrickle(a, b);
  const packet = Buffer.alloc(12 + PAYLOAD);
  return {
    close: () => {
      void a.close();
      void b.close();
    },
    send: (seq) => track.writeRtp(Buffer.from(rtpPacket(packet, seq))),
    onReceive: (cb) => {
      onReceive = cb;
    },
  };
}

/** Plain dgram between two sockets: the bare Node limit for the same packets. */
async function barePair(): Promise<Pair> {
  const a = createSocket('udp4');
  const b = createSocket('udp4');
  await Promise.all([new Promise<void>((r) => a.bind(0, '127.0.0.1', r)), new Promise<void>((r) => b.bind(0, '127.0.0.1', r))]);
  const port = b.address().port;
  const packet = Buffer.alloc(12 + PAYLOAD);
  let onReceive: () => void = () => undefined;
  b.on('message', () => onReceive());
  return {
    close: () => {
      a.close();
      b.close();
    },
    send: (seq) => a.send(rtpPacket(packet, seq), port, '127.0.0.1'),
    onReceive: (cb) => {
      onReceive = cb;
    },
  };
}

/** A ceiling from pc-ceiling.ts, fed the same RTP packets (a new buffer each when it queues them). */
async function ceilingPair(make: () => Promise<CeilingPair>, queues: boolean): Promise<Pair> {
  const c = await make();
  const packet = Buffer.alloc(12 + PAYLOAD);
  return {
    close: () => c.close(),
    send: (seq) => c.send(rtpPacket(queues ? Buffer.alloc(12 + PAYLOAD) : packet, seq)),
    onReceive: (cb) => c.onReceive(cb),
  };
}

const pairs: Record<string, () => Promise<Pair>> = {
  ours: () => oursPair(),
  'ours-workers': () => oursPair(workerSettings),
  werift: weriftPair,
  bare: barePair,
  'bare-gcm': () => ceilingPair(bareGcmPair, false),
  'bare-gcm-workers': () => ceilingPair(bareGcmWorkersPair, true),
};
const newPair = pairs[impl] ?? oursPair;

async function connect(runs: number): Promise<Record<string, number>> {
  const measure = async (): Promise<{ ms: number; cpuMs: number }> => {
    const times: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < runs; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const p = await newPair();
      times.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpus.push((cpu.user + cpu.system) / 1000);
      p.close();
    }
    times.sort((x, y) => x - y);
    cpus.sort((x, y) => x - y);
    return { ms: times[times.length >> 1]!, cpuMs: cpus[cpus.length >> 1]! };
  };
  // Early: a process that has made only a few connections still runs much of its code unoptimized.
  for (let i = 0; i < EARLY_WARMUP; i++) (await newPair()).close();
  const early = await measure();
  // Steady: warmed up as a long-lived server is (V8 optimizes a function after many calls).
  for (let i = EARLY_WARMUP + runs; i < CONNECT_WARMUP; i++) (await newPair()).close();
  const steady = await measure();
  // CPU time is the figure to trust on a loaded machine; wall time includes waiting for the cores.
  return { medianMs: steady.ms, cpuMsPerConnect: steady.cpuMs, earlyMedianMs: early.ms, earlyCpuMsPerConnect: early.cpuMs };
}

async function media(seconds: number): Promise<Record<string, number>> {
  const p = await newPair();
  let received = 0;
  let base = 0;
  let sent = 0;
  // Woken by the receive path once half the window has arrived (not a setImmediate spin, whose
  // idle polling would be counted as CPU per packet); a timer covers lost packets.
  let wake: (() => void) | undefined;
  p.onReceive(() => {
    received++;
    if (wake !== undefined && sent - (received - base) <= IN_FLIGHT / 2) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  let seq = 0;
  await until(() => {
    p.send(seq++);
    return received > 0;
  });
  base = received;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  // PC_MEDIA_PACKETS=n sends exactly n packets instead (for instruction counts with `perf stat`, which
  // unlike wall or CPU time do not drift on a loaded machine: compare two packet counts).
  const packets = Number(process.env['PC_MEDIA_PACKETS'] ?? 0);
  while (packets > 0 ? sent < packets : performance.now() < end) {
    // At most IN_FLIGHT packets outstanding; yield to the event loop so nothing is dropped.
    while (sent - (received - base) < IN_FLIGHT && (packets === 0 || sent < packets)) {
      p.send(seq++);
      sent++;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, 20);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  await new Promise((r) => setTimeout(r, 200));
  const elapsed = (performance.now() - t0) / 1000 - 0.2;
  const got = received - base;
  const cpu = process.cpuUsage(cpu0);
  p.close();
  return { pktsPerSec: got / elapsed, cpuUsPerPkt: (cpu.user + cpu.system) / got, lossPct: Math.max(0, (100 * (sent - got)) / sent) };
}

async function idle(pairs: number): Promise<Record<string, number>> {
  // Warm the process first, as a long-running server is: the runtime's per-process pools (V8's
  // young generation grows to its working size, code is compiled) are not a cost per pair.
  const warm: Pair[] = [];
  for (let i = 0; i < IDLE_WARMUP_PAIRS; i++) warm.push(await newPair());
  for (const p of warm) p.close();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const before = process.memoryUsage();
  const live: Pair[] = [];
  for (let i = 0; i < pairs; i++) live.push(await newPair());
  await new Promise((r) => setTimeout(r, 1000));
  gc();
  const after = process.memoryUsage();
  const kib = (x: number): number => x / 1024 / pairs;
  const out = {
    kibPerPair: kib(after.rss - before.rss),
    heapKibPerPair: kib(after.heapUsed + after.external - before.heapUsed - before.external),
  };
  for (const p of live) p.close();
  return out;
}

const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ error: 'timeout' }));
  process.exit(2);
}, 110_000);
try {
  const n = arg === undefined ? undefined : Number(arg);
  const result = mode === 'media' ? await media(n ?? 5) : mode === 'idle' ? await idle(n ?? 100) : await connect(n ?? 20);
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: String(err) }));
}
clearTimeout(watchdog);
process.exit(0);
