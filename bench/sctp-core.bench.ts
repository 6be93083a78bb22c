/**
 * sctp-core-throughput-mbps: two SCTP associations in one process, a reliable ordered stream of
 * 16 KiB messages, no loss, packets handed over in memory (no DTLS, no sockets): what the SCTP
 * layer alone costs per byte, on one core.
 *   ours    tern SctpAssociationCore pair, I-DATA and zero checksum (RFC 9653, as over DTLS, what
 *           two tern peers negotiate); notes carry CPU ms per MiB (sender + receiver, one
 *           thread), the CRC32c variant, and plain DATA with CRC32c (what Pion and usrsctp peers
 *           negotiate)
 *   werift  werift's SCTP (the `werift` package) over an in-memory transport (setImmediate hops)
 *   pion / bare: null (Pion's SCTP is measured end to end by the data-channel benchmarks)
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SeededRng } from '../src/common/rng.js';
import { SctpAssociationCore } from '../src/sctp/association-core.js';
import { median, round } from './stats.js';
import type { Bench, BenchResult } from './types.js';

const MSG = 16 * 1024;
const RUN_MS = 1500;
const ROUNDS = 3;

function oursRun(zeroChecksum: boolean, ms: number, interleaving = true): { mbps: number; cpuMsPerMiB: number } {
  const a = new SctpAssociationCore({ rng: new SeededRng(1), zeroChecksum, interleaving });
  const b = new SctpAssociationCore({ rng: new SeededRng(2), zeroChecksum, interleaving });
  let received = 0;
  const msg = new Uint8Array(MSG).fill(7);
  const pump = (now: number): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (let p = a.pollTransmit(); p; p = a.pollTransmit()) {
        b.handleInput(p, now);
        moved = true;
      }
      for (let p = b.pollTransmit(); p; p = b.pollTransmit()) {
        a.handleInput(p, now);
        moved = true;
      }
      for (let e = b.pollEvent(); e; e = b.pollEvent()) if (e.type === 'message') received += e.data.length;
      while (a.pollEvent());
      const t = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity);
      if (t <= now) {
        a.handleTimeout(now);
        b.handleTimeout(now);
        moved = true;
      }
    }
  };
  let now = performance.now();
  a.connect(now);
  b.connect(now);
  pump(now);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r0 = received;
  while ((now = performance.now()) - t0 < ms) {
    while (a.bufferedAmount(0) < 1 << 20) a.send(0, 53, msg, undefined, now);
    pump(now);
  }
  const c = process.cpuUsage(c0);
  const bytes = received - r0;
  const wall = performance.now() - t0;
  return { mbps: (bytes * 8) / wall / 1000, cpuMsPerMiB: (c.user + c.system) / 1000 / (bytes / 2 ** 20) };
}

async function weriftRun(ms: number): Promise<number | null> {
  let SCTP: {
    client(t: unknown, port?: number): WeriftSctp;
    server(t: unknown, port?: number): WeriftSctp;
  };
  interface WeriftSctp {
    start(port?: number): Promise<void>;
    send(streamId: number, ppid: number, data: Buffer): Promise<void>;
    onReceive: { subscribe(fn: (streamId: number, ppid: number, data: Buffer) => void): unknown };
    stop(): Promise<void>;
    associationState: number;
  }
  try {
    const require = createRequire(import.meta.url);
    // werift's package exports hide its SCTP module; load it by path next to its entry point.
    SCTP = require(join(dirname(require.resolve('werift')), '../../sctp/src/index.js')).SCTP;
  } catch {
    return null;
  }
  interface MemTransport {
    onData: ((b: Buffer) => void) | undefined;
    peer: MemTransport | undefined;
    send(b: Buffer): Promise<void>;
    close(): void;
  }
  const mk = (): MemTransport => {
    const t: MemTransport = {
      onData: undefined,
      peer: undefined,
      send(b: Buffer): Promise<void> {
        setImmediate(() => t.peer?.onData?.(b));
        return Promise.resolve();
      },
      close(): void {},
    };
    return t;
  };
  const ta = mk();
  const tb = mk();
  ta.peer = tb;
  tb.peer = ta;
  const a = SCTP.client(ta, 5000);
  const b = SCTP.server(tb, 5000);
  let received = 0;
  b.onReceive.subscribe((_s, _p, d) => {
    received += d.length;
  });
  await Promise.all([a.start(5000), b.start(5000)]);
  const deadline = Date.now() + 5000;
  while (a.associationState !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  if (a.associationState !== 4) return null;
  const msg = Buffer.alloc(MSG, 7);
  const t0 = performance.now();
  let inflight = 0;
  while (performance.now() - t0 < ms) {
    if (inflight < 64) {
      inflight++;
      void a.send(0, 53, msg).finally(() => inflight--);
    } else await new Promise((r) => setImmediate(r));
  }
  const mbps = (received * 8) / (performance.now() - t0) / 1000;
  await Promise.race([Promise.all([a.stop(), b.stop()]), new Promise((r) => setTimeout(r, 500))]);
  return mbps;
}

export const benches: Bench[] = [
  {
    name: 'sctp-core',
    async run(): Promise<BenchResult[]> {
      oursRun(true, 300); // warm-up
      const ours: number[] = [];
      const cpu: number[] = [];
      const crc: number[] = [];
      const plain: number[] = [];
      const werift: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = oursRun(true, RUN_MS);
        ours.push(r.mbps);
        cpu.push(r.cpuMsPerMiB);
        crc.push(oursRun(false, RUN_MS).mbps);
        plain.push(oursRun(false, RUN_MS, false).mbps);
        const w = await weriftRun(RUN_MS);
        if (w !== null) werift.push(w);
      }
      return [
        {
          bench: 'sctp-core-throughput-mbps',
          unit: 'Mbit/s',
          better: 'higher',
          ours: round(median(ours)),
          werift: werift.length ? round(median(werift)) : null,
          pion: null,
          bare: null,
          notes: {
            cpuMsPerMiB: round(median(cpu), 3),
            crc32cMbps: round(median(crc)),
            dataCrc32cMbps: round(median(plain)),
            messageBytes: MSG,
          },
        },
      ];
    },
  },
];
