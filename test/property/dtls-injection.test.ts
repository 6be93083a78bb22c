/**
 * Bad input on a live DTLS session: random bytes, truncated datagrams and
 * forged records (wrong epoch, bad AEAD tag, altered sequence number,
 * replays, unprotected application data, unknown content types, far-future
 * handshake fragments, lying length fields) are injected next to the real
 * datagrams during and after the handshake, over the in-memory pipe on a
 * fake clock. The handshake still completes with matching keys, application
 * data arrives exactly once and nothing forged is ever delivered, the session
 * stays open, and no input reaches the driver's last-resort exception path.
 *
 * Forgeries that DTLS 1.2 cannot detect by design are left out: an attacker
 * who alters an unprotected (epoch 0) handshake message before the real one
 * arrives can always make that handshake fail; Finished then catches it.
 */
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/common/fake-clock.js';
import { SeededRng } from '../../src/common/rng.js';
import { DtlsCertificate, DtlsConnection, type DtlsConfig } from '../../src/dtls/index.js';
import type { DatagramTransport } from '../../src/transport/datagram-transport.js';
import { createMemoryPipe, type MemoryDatagramTransport } from '../support/memory-pipe.js';

const RECORD_HEADER = 13;

/** Produces forged datagrams to deliver before a real one (or on their own). */
type Injector = (real: Buffer | undefined) => Buffer[];

/** A DatagramTransport that delivers injected datagrams next to the real ones. */
class InjectingTransport implements DatagramTransport {
  #handler: ((data: Buffer) => void) | undefined;
  injector: Injector = () => [];
  injected = 0;

  constructor(private readonly inner: MemoryDatagramTransport) {
    inner.onMessage((real) => {
      this.#deliverForged(real);
      this.#handler?.(real);
    });
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  send(data: Uint8Array): void {
    this.inner.send(data);
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.#handler = handler;
  }

  onClose(handler: (reason?: Error) => void): void {
    this.inner.onClose(handler);
  }

  close(): void {
    this.inner.close();
  }

  /** Delivers forged datagrams that do not accompany a real one. */
  injectAlone(): void {
    this.#deliverForged(undefined);
  }

  #deliverForged(real: Buffer | undefined): void {
    for (const f of this.injector(real)) {
      this.injected++;
      this.#handler?.(f);
    }
  }
}

/** Splits a datagram into its records' byte ranges (no validation beyond lengths). */
function records(d: Buffer): Array<{ start: number; end: number; type: number; epoch: number }> {
  const out: Array<{ start: number; end: number; type: number; epoch: number }> = [];
  let o = 0;
  while (d.length - o >= RECORD_HEADER) {
    const end = o + RECORD_HEADER + d.readUInt16BE(o + 11);
    if (end > d.length) break;
    out.push({ start: o, end, type: d[o]!, epoch: d.readUInt16BE(o + 3) });
    o = end;
  }
  return out;
}

function header(type: number, epoch: number, seq: number, length: number, version = 0xfefd): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  h[0] = type;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUIntBE(seq, 5, 6);
  h.writeUInt16BE(length, 11);
  return h;
}

/** The kinds of bad input, each built from a seeded Rng and (when there is one) the real datagram. */
const FORGERIES = [
  'random',
  'truncated',
  'replay',
  'bad-tag',
  'bad-sequence',
  'future-epoch',
  'plaintext-app-data',
  'unknown-type',
  'far-future-handshake',
  'lying-length',
  'bad-version',
] as const;
type Forgery = (typeof FORGERIES)[number];
/** Unprotected records that are valid enough to pass record parsing and are then discarded. */
const EPOCH0_DISCARDED: readonly Forgery[] = ['plaintext-app-data', 'unknown-type', 'far-future-handshake'];
/** Everything else: authentication, epoch or parsing rejects these. */
const PROTECTED_OR_MALFORMED: readonly Forgery[] = FORGERIES.filter((k) => !EPOCH0_DISCARDED.includes(k));

function forge(kind: Forgery, rng: SeededRng, real: Buffer | undefined): Buffer | undefined {
  const rand = (n: number): Buffer => rng.bytes(n);
  const int = (max: number): number => rng.uint32() % max;
  const protectedRecord = real ? records(real).find((r) => r.epoch >= 1) : undefined;
  switch (kind) {
    case 'random':
      return rand(int(300));
    case 'truncated':
      return real && real.length > 1 ? Buffer.from(real.subarray(0, 1 + int(real.length - 1))) : undefined;
    case 'replay':
      // An exact copy of a real protected record: the replay window must drop it (RFC 6347 §4.1.2.6).
      return protectedRecord ? Buffer.from(real!.subarray(protectedRecord.start, protectedRecord.end)) : undefined;
    case 'bad-tag': {
      if (!protectedRecord) return undefined;
      const f = Buffer.from(real!.subarray(protectedRecord.start, protectedRecord.end));
      const i = RECORD_HEADER + int(f.length - RECORD_HEADER);
      f[i] = f[i]! ^ (1 + int(255));
      // Give it a fresh sequence number so it is not dropped as a replay before authentication.
      f.writeUIntBE(2 ** 40 + int(2 ** 30), 5, 6);
      return f;
    }
    case 'bad-sequence': {
      if (!protectedRecord) return undefined;
      const f = Buffer.from(real!.subarray(protectedRecord.start, protectedRecord.end));
      f.writeUIntBE(2 ** 40 + int(2 ** 30), 5, 6); // AAD mismatch → authentication fails
      return f;
    }
    case 'future-epoch': {
      const body = rand(16 + int(100));
      return Buffer.concat([header(22 + int(2), 2 + int(1000), int(1000), body.length), body]);
    }
    case 'plaintext-app-data': {
      // RFC 6347 §4.1 / RFC 5246 §6.2.1: application data is never accepted unprotected.
      const body = Buffer.from('FORGED-PLAINTEXT');
      return Buffer.concat([header(23, 0, 1000 + int(1000), body.length), body]);
    }
    case 'unknown-type': {
      const body = rand(int(64));
      return Buffer.concat([header(25 + int(38), int(2), int(1000), body.length), body]);
    }
    case 'far-future-handshake': {
      // A complete, well-formed handshake fragment far beyond any message_seq in use.
      const bodyLen = int(40);
      const hs = Buffer.alloc(12 + bodyLen);
      hs[0] = 1 + int(20);
      hs.writeUIntBE(bodyLen, 1, 3);
      hs.writeUInt16BE(1000 + int(60_000), 4);
      hs.writeUIntBE(0, 6, 3);
      hs.writeUIntBE(bodyLen, 9, 3);
      return Buffer.concat([header(22, 0, 2000 + int(1000), hs.length), hs]);
    }
    case 'lying-length': {
      const body = rand(int(50));
      return Buffer.concat([header(22, int(2), int(1000), body.length + 1 + int(2000)), body]);
    }
    case 'bad-version': {
      const body = rand(int(50));
      return Buffer.concat([header(22, 0, int(1000), body.length, [0x0303, 0xfefc, 0x0000][int(3)]), body]);
    }
  }
}

function injector(rng: SeededRng, rate: number, kinds: readonly Forgery[]): Injector {
  return (real) => {
    const out: Buffer[] = [];
    // At most 4 attempts per real datagram (a forgery may not apply, e.g. no protected record to copy).
    for (let attempt = 0; attempt < 4 && rng.float() < rate; attempt++) {
      const f = forge(kinds[rng.uint32() % kinds.length]!, rng, real);
      if (f) out.push(f);
    }
    return out;
  };
}

describe('DTLS under injected bad input', () => {
  let client: DtlsCertificate;
  let server: DtlsCertificate;
  const open: Array<{ close(): void }> = [];

  beforeAll(async () => {
    [client, server] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate()]);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });

  async function session(seed: number, rate: number, kinds: readonly Forgery[]) {
    const clock = new FakeClock();
    const [pa, pb] = createMemoryPipe({ clock, seed, latencyMs: 2 });
    const ta = new InjectingTransport(pa);
    const tb = new InjectingTransport(pb);
    open.push(ta, tb);
    const rng = new SeededRng(seed ^ 0x5eed);
    ta.injector = injector(rng, rate, kinds);
    tb.injector = injector(rng, rate, kinds);
    const common = (role: 'client' | 'server'): DtlsConfig => ({
      role,
      certificate: role === 'client' ? client : server,
      remoteFingerprints: [{ algorithm: 'sha-256', value: (role === 'client' ? server : client).fingerprint() }],
      clock,
      rng: new SeededRng(seed + (role === 'client' ? 1 : 2)),
      handshakeTimeoutMs: 60_000,
    });
    const results: Array<DtlsConnection | Error> = [];
    const pending = [DtlsConnection.connect(ta, common('client')), DtlsConnection.connect(tb, common('server'))];
    pending.forEach((p, i) =>
      p.then(
        (c) => {
          results[i] = c;
          open.push(c);
        },
        (e: Error) => {
          results[i] = e;
        },
      ),
    );
    const done = await clock.runUntil(() => results[0] !== undefined && results[1] !== undefined, 60_000, 20);
    expect(done, 'handshake did not finish in 60 s of virtual time').toBe(true);
    for (const r of results) if (r instanceof Error) throw r;
    return { clock, ta, tb, c: results[0] as DtlsConnection, s: results[1] as DtlsConnection };
  }

  it('completes handshakes and moves data exactly once with forged input during and after the handshake', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.double({ min: 0.2, max: 0.9, noNaN: true }), async (seed, rate) => {
        const { clock, ta, tb, c, s } = await session(seed, rate, PROTECTED_OR_MALFORMED);
        const rng = new SeededRng(seed);
        ta.injector = injector(rng, rate, FORGERIES);
        tb.injector = injector(rng, rate, FORGERIES);
        expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60).equals(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60))).toBe(
          true,
        );

        const atServer: string[] = [];
        const atClient: string[] = [];
        s.onData((d) => atServer.push(d.toString()));
        c.onData((d) => atClient.push(d.toString()));
        const sent = 20;
        for (let i = 0; i < sent; i++) {
          c.send(Buffer.from(`c${i}`));
          s.send(Buffer.from(`s${i}`));
          if (i % 5 === 0) {
            ta.injectAlone();
            tb.injectAlone();
          }
          await clock.advance(3);
        }
        await clock.advance(50);

        expect([...atServer].sort()).toEqual(Array.from({ length: sent }, (_, i) => `c${i}`).sort());
        expect([...atClient].sort()).toEqual(Array.from({ length: sent }, (_, i) => `s${i}`).sort());
        expect(c.closed).toBe(false);
        expect(s.closed).toBe(false);
        // Bad input is dropped by the core, never by the driver's exception guard.
        expect(c.drops.count('exception')).toBe(0);
        expect(s.drops.count('exception')).toBe(0);
        expect(ta.injected + tb.injected).toBeGreaterThan(0);
      }),
      { numRuns: 15 },
    );
  });

  for (const kind of PROTECTED_OR_MALFORMED) {
    it(`completes the handshake with "${kind}" input`, async () => {
      for (const seed of [11, 12, 13]) {
        const { c, s } = await session(seed * kind.length, 0.7, [kind]);
        expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 30).equals(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 30))).toBe(true);
      }
    });
  }

  // RFC 6347 §4.1.2.7: invalid records are silently discarded, and §4.1.2.6: the replay window
  // moves only for records that were accepted. A discarded plaintext record with a high sequence
  // number must therefore not make the genuine epoch-0 handshake records that follow look like
  // replays (otherwise one spoofed datagram stalls the handshake until it times out).
  it('completes the handshake when discarded epoch-0 records with high sequence numbers are injected', async () => {
    for (const kind of EPOCH0_DISCARDED) {
      for (const seed of [21, 22]) {
        const { c, s } = await session(seed * kind.length, 0.5, [kind]);
        expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 30).equals(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 30))).toBe(true);
      }
    }
  });

  for (const kind of FORGERIES) {
    it(`drops "${kind}" input after the handshake`, async () => {
      const { clock, ta, tb, c, s } = await session(kind.length * 7919, 0, FORGERIES);
      const rng = new SeededRng(kind.length);
      const got: Buffer[] = [];
      s.onData((d) => got.push(d));
      // Each direction sends real records first so "replay"/"bad-tag" have material.
      c.send(Buffer.from('before'));
      await clock.advance(10);
      ta.injector = injector(rng, 1, [kind]);
      tb.injector = injector(rng, 1, [kind]);
      for (let i = 0; i < 10; i++) {
        c.send(Buffer.from(`m${i}`));
        s.send(Buffer.from(`r${i}`));
        tb.injectAlone();
        await clock.advance(5);
      }
      await clock.advance(20);
      expect(got.map((d) => d.toString())).toEqual(['before', ...Array.from({ length: 10 }, (_, i) => `m${i}`)]);
      expect(s.closed).toBe(false);
      expect(c.closed).toBe(false);
      expect(s.drops.total + c.drops.total).toBeGreaterThan(0);
      expect(s.drops.count('exception') + c.drops.count('exception')).toBe(0);
    });
  }

  it('ignores an unprotected fatal alert injected after the handshake (epoch 0, RFC 6347 §4.1)', async () => {
    const { clock, tb, c, s } = await session(4242, 0, FORGERIES);
    // level fatal(2), description handshake_failure(40), in epoch 0 with a fresh sequence number.
    tb.injector = () => [Buffer.concat([header(21, 0, 5000, 2), Buffer.from([2, 40])])];
    tb.injectAlone();
    tb.injector = () => [Buffer.concat([header(21, 0, 5001, 2), Buffer.from([1, 0])])]; // warning close_notify
    tb.injectAlone();
    await clock.advance(10);
    expect(s.closed).toBe(false);
    const got: string[] = [];
    s.onData((d) => got.push(d.toString()));
    c.send(Buffer.from('still here'));
    await clock.advance(10);
    expect(got).toEqual(['still here']);
  });
});
