/**
 * stun-encode-per-sec: the Binding success response an ICE agent sends for
 * each check (request's transaction ID, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY,
 * FINGERPRINT) built and encoded; Pion builds it with `stun.Build` as pion/ice does.
 *
 * stun-msgs-per-sec: ICE Binding requests (USERNAME, PRIORITY, ICE-CONTROLLING,
 * USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT) decoded, their ICE attributes
 * read, integrity (short-term key) and fingerprint checked, one thread.
 * tern-rtc vs werift-ice (`parseMessage(data, key)`, which does the same in one
 * call) vs Pion (`test/interop/pion/stun-bench`, GOMAXPROCS=1), each the median
 * of 5 runs of ~1 s over the same 64 messages.
 */
import { execFileSync } from 'node:child_process';
import { classes, Message as WeriftMessage, methods, parseMessage } from 'werift-ice';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { SeededRng } from '../src/common/rng.js';
import {
  newTransactionId,
  shortTermKey,
  StunClass,
  StunIntegrityKey,
  StunMessage,
  StunMethod,
} from '../src/stun/index.js';
import { median, round } from './stats.js';
import type { Bench, BenchResult } from './types.js';

const RUNS = 5;
const RUN_MS = 1000;
const MESSAGES = 64;
const PASSWORD = 'asd88fgpdd777uzjYhagZg'; // 22 ice-chars, RFC 8445 §5.3 length

function makeMessages(): Buffer[] {
  const rng = new SeededRng(5389);
  const key = shortTermKey(PASSWORD);
  const out: Buffer[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    out.push(
      new StunMessage(StunMethod.Binding, StunClass.Request, newTransactionId(rng))
        .setUsername(`remoteUfrag${i % 10}:localUf`)
        .setPriority(1853817087 - i)
        .setIceControlling(BigInt(rng.uint32()) * 0x100000000n + BigInt(rng.uint32()))
        .setUseCandidate()
        .encode({ integrityKey: key, fingerprint: true }),
    );
  }
  return out;
}

/** Runs `work` over the messages for ~RUN_MS, returns messages per second. */
function timed(msgs: Buffer[], work: (b: Buffer) => void): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(RUN_MS) * 1_000_000n;
  let now = start;
  do {
    for (let i = 0; i < 1000; i++) work(msgs[n++ % msgs.length]!);
    now = process.hrtime.bigint();
  } while (now < limit);
  return n / (Number(now - start) / 1e9);
}

function oursWork(key: Buffer | StunIntegrityKey): (b: Buffer) => void {
  let sink = 0;
  return (b) => {
    const m = StunMessage.decode(b);
    const username = m.getUsername();
    const priority = m.getPriority();
    const tie = m.getIceControlling();
    if (
      username === undefined ||
      priority === undefined ||
      tie === undefined ||
      !m.hasUseCandidate() ||
      !m.verifyIntegrity(key) ||
      !m.verifyFingerprint()
    ) {
      throw new Error('ours: check failed');
    }
    sink += username.length + priority;
    if (sink < 0) console.log(sink);
  };
}

function weriftWork(key: Buffer): (b: Buffer) => void {
  let sink = 0;
  return (b) => {
    // parseMessage checks FINGERPRINT and, given the key, MESSAGE-INTEGRITY; undefined when either fails.
    const m = parseMessage(b, key);
    if (m === undefined) throw new Error('werift: check failed');
    const username = m.getAttributeValue('USERNAME') as string | undefined;
    const priority = m.getAttributeValue('PRIORITY') as number | undefined;
    const tie = m.getAttributeValue('ICE-CONTROLLING') as bigint | undefined;
    if (username === undefined || priority === undefined || tie === undefined || !m.attributesKeys.includes('USE-CANDIDATE')) {
      throw new Error('werift: attribute missing');
    }
    sink += username.length + priority;
    if (sink < 0) console.log(sink);
  };
}

function pionRate(msgs: Buffer[], mode: 'bench' | 'bench-encode'): number | null {
  if (!pionAvailable()) return null;
  try {
    const out = execFileSync(pionBinary('stun-bench'), ['-mode', mode, '-password', PASSWORD, '-runs', String(RUNS), '-ms', String(RUN_MS)], {
      input: msgs.map((m) => m.toString('hex')).join('\n') + '\n',
      env: { ...process.env, GOMAXPROCS: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return (JSON.parse(out.trim().split('\n').pop()!) as { medianMsgsPerSec: number }).medianMsgsPerSec;
  } catch (err) {
    console.error('stun-bench (Pion) failed:', err);
    return null;
  }
}

const MAPPED = { address: '192.0.2.33', port: 40000 };

function oursEncodeWork(key: StunIntegrityKey, ids: Buffer[]): (b: Buffer) => void {
  let k = 0;
  let sink = 0;
  return () => {
    const out = new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, ids[k++ % ids.length]!)
      .setXorMappedAddress(MAPPED)
      .encode({ integrityKey: key, fingerprint: true });
    sink += out.length;
    if (sink < 0) console.log(sink);
  };
}

function weriftEncodeWork(key: Buffer, ids: Buffer[]): (b: Buffer) => void {
  let k = 0;
  let sink = 0;
  return () => {
    const out = new WeriftMessage(methods.BINDING, classes.RESPONSE, ids[k++ % ids.length]!)
      .setAttribute('XOR-MAPPED-ADDRESS', [MAPPED.address, MAPPED.port])
      .addMessageIntegrity(key)
      .addFingerprint().bytes;
    sink += out.length;
    if (sink < 0) console.log(sink);
  };
}

/** Warms up, then runs the variants interleaved (so machine load affects all alike); medians. */
function measure(msgs: Buffer[], variants: Record<string, (b: Buffer) => void>): Record<string, number> {
  const names = Object.keys(variants);
  for (let i = 0; i < 20_000; i++) for (const n of names) variants[n]!(msgs[i % msgs.length]!);
  const runs: Record<string, number[]> = {};
  for (let r = 0; r < RUNS; r++) for (const n of names) (runs[n] ??= []).push(timed(msgs, variants[n]!));
  return Object.fromEntries(names.map((n) => [n, median(runs[n]!)]));
}

async function run(): Promise<BenchResult[]> {
  const msgs = makeMessages();
  const ids = msgs.map((m) => Buffer.from(m.subarray(8, 20)));
  const rawKey = shortTermKey(PASSWORD);
  const cachedKey = new StunIntegrityKey(rawKey);

  const dec = measure(msgs, { ours: oursWork(cachedKey), oursBufferKey: oursWork(rawKey), werift: weriftWork(rawKey) });
  const decPion = pionRate(msgs, 'bench');
  const enc = measure(msgs, { ours: oursEncodeWork(cachedKey, ids), werift: weriftEncodeWork(rawKey, ids) });
  const encPion = pionRate(msgs, 'bench-encode');
  const result = (bench: string, r: Record<string, number>, pion: number | null, notes: Record<string, number | string>): BenchResult => ({
    bench,
    unit: 'msg/s',
    better: 'higher',
    ours: round(r['ours']!),
    werift: round(r['werift']!),
    pion: pion === null ? null : round(pion),
    bare: null,
    notes: {
      ...notes,
      vsWerift: round(r['ours']! / r['werift']!, 3),
      ...(pion === null ? {} : { vsPion: round(r['ours']! / pion, 3) }),
      pionGomaxprocs: 1,
    },
  });
  return [
    result('stun-msgs-per-sec', dec, decPion, {
      oursBufferKey: round(dec['oursBufferKey']!),
      message: `ICE Binding request, ${msgs[0]!.length} bytes`,
    }),
    result('stun-encode-per-sec', enc, encPion, { message: 'Binding success response, XOR-MAPPED-ADDRESS + MI + FINGERPRINT' }),
  ];
}

export const benches: Bench[] = [{ name: 'stun', run }];
