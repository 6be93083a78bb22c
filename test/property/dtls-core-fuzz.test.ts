/**
 * The sans-IO DtlsCore fed arbitrary datagrams: random bytes, plausible
 * records carrying random handshake fragments, and well-formed ClientHellos
 * with random contents (then mutated). Whatever arrives, `handleInput` and
 * `handleTimeout` never throw, outputs stay bounded, and a server answers a
 * well-formed ClientHello without a cookie with a HelloVerifyRequest
 * (RFC 6347 §4.2.1) and never with more than a cookie exchange's worth of
 * bytes (no amplification).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../src/common/log.js';
import { SeededRng } from '../../src/common/rng.js';
import { DtlsCertificate, DtlsCore } from '../../src/dtls/index.js';
import { encodeClientHello } from '../../src/dtls/handshake/client-hello.js';
import { encodeHandshakeMessage } from '../../src/dtls/handshake/header.js';
import { plaintextRecord } from '../../src/dtls/record/header.js';

const RUNS = Number(process.env['TERN_FUZZ_RUNS'] ?? 150);
const bytes = (min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

/** A handshake record in epoch 0 with a random (possibly fragmented) message. */
const plausibleRecord = fc
  .record({
    msgType: fc.integer({ min: 0, max: 25 }),
    seq: fc.integer({ min: 0, max: 6 }),
    body: bytes(0, 200),
    recordSeq: fc.integer({ min: 0, max: 50 }),
    epoch: fc.constantFrom(0, 0, 0, 1),
    type: fc.constantFrom(20, 21, 22, 22, 22, 23),
  })
  .map((r) => plaintextRecord(r.type, r.epoch, r.recordSeq, r.type === 22 ? encodeHandshakeMessage(r.msgType, r.seq, r.body) : r.body));

const clientHelloRecord = fc
  .record({
    cookie: fc.oneof(fc.constant(Buffer.alloc(0)), bytes(1, 40)),
    suites: fc.array(fc.constantFrom(0xc02b, 0xc02f, 0xc02c, 0xcca9, 0x1301, 0x00ff), { minLength: 1, maxLength: 6 }),
    extensions: fc.uniqueArray(
      fc.record({
        type: fc.constantFrom(10, 11, 13, 14, 23, 0xff01, 43, 51, 0x1234),
        data: bytes(0, 20),
      }),
      { selector: (e) => e.type, maxLength: 6 },
    ),
    random: bytes(32, 32),
  })
  .map((h) => {
    const body = encodeClientHello({
      clientVersion: 0xfefd,
      random: h.random,
      sessionId: Buffer.alloc(0),
      cookie: h.cookie,
      cipherSuites: h.suites,
      compressionMethods: Buffer.from([0]),
      extensions: h.extensions,
    });
    return { cookieless: h.cookie.length === 0, datagram: plaintextRecord(22, 0, 0, encodeHandshakeMessage(1, 0, body)) };
  });

function mutate(d: Buffer, i: number, x: number): Buffer {
  const b = Buffer.from(d);
  b[i % b.length] = b[i % b.length]! ^ x;
  return b;
}

/** Drains the core's outputs; fails when they are unbounded. */
function drain(core: DtlsCore): { transmitted: number; bytes: number } {
  let transmitted = 0;
  let total = 0;
  for (let d = core.pollTransmit(); d; d = core.pollTransmit()) {
    transmitted++;
    total += d.length;
    expect(transmitted).toBeLessThan(200);
  }
  let events = 0;
  while (core.pollEvent()) expect(++events).toBeLessThan(200);
  return { transmitted, bytes: total };
}

describe('DtlsCore under arbitrary input', () => {
  let certificate: DtlsCertificate;
  beforeAll(async () => {
    certificate = await DtlsCertificate.generate();
    // Fuzzed input makes the core warn on every fatal alert it sends; keep the output readable.
    setLogLevel('dtls', 'silent');
  });
  afterAll(() => setLogLevel('dtls', 'warn'));

  const newCore = (role: 'client' | 'server', seed: number): DtlsCore => {
    const core = new DtlsCore({ role, certificate, insecureSkipVerify: true, rng: new SeededRng(seed) });
    core.start(0);
    drain(core);
    return core;
  };

  for (const role of ['client', 'server'] as const) {
    it(`${role}: random and plausible datagrams never throw and keep outputs bounded`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1e9 }),
          fc.array(fc.oneof(bytes(0, 300), plausibleRecord, plausibleRecord.map((r) => Buffer.concat([r, r]))), { maxLength: 30 }),
          (seed, datagrams) => {
            const core = newCore(role, seed);
            let now = 0;
            for (const d of datagrams) {
              now += 7;
              core.handleInput(now, d);
              drain(core);
              const t = core.pollTimeout();
              if (t !== undefined && t <= now + 100) {
                core.handleTimeout(Math.max(now, t));
                drain(core);
              }
            }
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('server: a cookieless ClientHello gets a small HelloVerifyRequest; mutated hellos never throw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), clientHelloRecord, fc.nat(), fc.integer({ min: 1, max: 255 }), (seed, hello, i, x) => {
        const core = newCore('server', seed);
        core.handleInput(1, hello.datagram);
        const out = drain(core);
        if (hello.cookieless) {
          // RFC 6347 §4.2.1: the cookie exchange answers with one small datagram, never the certificate flight.
          expect(out.transmitted).toBeLessThanOrEqual(1);
          expect(out.bytes).toBeLessThanOrEqual(hello.datagram.length + 64);
        }
        const other = newCore('server', seed + 1);
        other.handleInput(1, mutate(hello.datagram, i, x));
        drain(other);
      }),
      { numRuns: RUNS },
    );
  });
});
