/**
 * Fuzzing of the DTLS record and handshake parsers: whatever the bytes, a
 * decoder returns or throws DtlsDecodeError (never another exception, never
 * a hang), valid encodings round-trip, and mutated valid encodings (truncated,
 * bit-flipped, extended) still only ever throw the typed error. The handshake
 * reassembler takes any fragment stream without throwing and releases exactly
 * the messages that were sent, whatever the fragmentation, order and
 * duplication.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtlsDecodeError } from '../../src/dtls/errors.js';
import { decodeEcPointFormats, encodeEcPointFormats } from '../../src/dtls/extensions/ec-point-formats.js';
import { decodeExtensionList, encodeExtensionList, type RawExtension } from '../../src/dtls/extensions/extension-list.js';
import { parseHelloExtensions } from '../../src/dtls/extensions/hello-extensions.js';
import { decodeSignatureAlgorithms, encodeSignatureAlgorithms } from '../../src/dtls/extensions/signature-algorithms.js';
import { decodeSupportedGroups, encodeSupportedGroups } from '../../src/dtls/extensions/supported-groups.js';
import { decodeUseSrtp, encodeUseSrtp } from '../../src/dtls/extensions/use-srtp.js';
import { decodeCertificateRequest, encodeCertificateRequest } from '../../src/dtls/handshake/certificate-request.js';
import { decodeCertificateVerify, encodeCertificateVerify } from '../../src/dtls/handshake/certificate-verify.js';
import { decodeCertificateMessage, encodeCertificateMessage } from '../../src/dtls/handshake/certificate.js';
import { decodeClientHello, encodeClientHello, type ClientHello } from '../../src/dtls/handshake/client-hello.js';
import { decodeClientKeyExchange, encodeClientKeyExchange } from '../../src/dtls/handshake/client-key-exchange.js';
import { decodeFinished } from '../../src/dtls/handshake/finished.js';
import { encodeHandshakeMessage, parseHandshakeFragments, writeHandshakeHeader } from '../../src/dtls/handshake/header.js';
import { decodeHelloVerifyRequest, encodeHelloVerifyRequest } from '../../src/dtls/handshake/hello-verify-request.js';
import { HandshakeReassembler } from '../../src/dtls/handshake/reassembler.js';
import { decodeServerHello, encodeServerHello, type ServerHello } from '../../src/dtls/handshake/server-hello.js';
import { decodeServerKeyExchange, encodeServerKeyExchange } from '../../src/dtls/handshake/server-key-exchange.js';
import { parseRecords, plaintextRecord } from '../../src/dtls/record/header.js';
import { WireReader } from '../../src/dtls/wire.js';

/** Runs per property; raise locally with TERN_FUZZ_RUNS=20000 for a deeper search. */
const RUNS = Number(process.env['TERN_FUZZ_RUNS'] ?? 400);

type Decoder = (b: Buffer) => unknown;

const DECODERS: ReadonlyArray<readonly [string, Decoder]> = [
  ['parseRecords', parseRecords],
  ['parseHandshakeFragments', parseHandshakeFragments],
  ['decodeClientHello', decodeClientHello],
  ['decodeServerHello', decodeServerHello],
  ['decodeHelloVerifyRequest', decodeHelloVerifyRequest],
  ['decodeCertificateMessage', decodeCertificateMessage],
  ['decodeServerKeyExchange', decodeServerKeyExchange],
  ['decodeCertificateRequest', decodeCertificateRequest],
  ['decodeClientKeyExchange', decodeClientKeyExchange],
  ['decodeCertificateVerify', decodeCertificateVerify],
  ['decodeFinished', decodeFinished],
  ['decodeUseSrtp', decodeUseSrtp],
  ['decodeSupportedGroups', decodeSupportedGroups],
  ['decodeSignatureAlgorithms', decodeSignatureAlgorithms],
  ['decodeEcPointFormats', decodeEcPointFormats],
  ['extension list + hello extensions', (b) => parseHelloExtensions(decodeExtensionList(new WireReader(b)))],
];

/** Calls `fn`; anything thrown other than DtlsDecodeError fails the property. */
function onlyDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DtlsDecodeError)) throw err;
    expect((err as DtlsDecodeError).code).toBe('ERR_DTLS_DECODE');
  }
}

const bytes = (min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const u16 = fc.integer({ min: 0, max: 0xffff });

/** Truncations, single-byte changes and trailing junk of a valid encoding. */
function mutations(valid: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }).map((n) => valid.subarray(0, n)),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = Buffer.from(valid);
      if (b.length > 0) b[i % b.length] = b[i % b.length]! ^ x;
      return b;
    }),
    bytes(1, 16).map((extra) => Buffer.concat([valid, extra])),
    fc.tuple(fc.nat(), bytes(1, 8)).map(([i, ins]) => {
      const at = valid.length === 0 ? 0 : i % valid.length;
      return Buffer.concat([valid.subarray(0, at), ins, valid.subarray(at)]);
    }),
  );
}

const extensionArb: fc.Arbitrary<RawExtension[]> = fc
  .uniqueArray(fc.record({ type: u16, data: bytes(0, 40) }), { selector: (e) => e.type, maxLength: 8 })
  .map((l) => l.map((e) => ({ type: e.type, data: e.data })));

const clientHelloArb: fc.Arbitrary<ClientHello> = fc.record({
  clientVersion: u16,
  random: bytes(32, 32),
  sessionId: bytes(0, 32),
  cookie: bytes(0, 255),
  cipherSuites: fc.array(u16, { minLength: 1, maxLength: 20 }),
  compressionMethods: bytes(1, 4),
  extensions: extensionArb,
});

const serverHelloArb: fc.Arbitrary<ServerHello> = fc.record({
  serverVersion: u16,
  random: bytes(32, 32),
  sessionId: bytes(0, 32),
  cipherSuite: u16,
  compressionMethod: fc.integer({ min: 0, max: 255 }),
  extensions: extensionArb,
});

describe('DTLS parsers: arbitrary bytes', () => {
  for (const [name, decode] of DECODERS) {
    it(`${name} returns or throws DtlsDecodeError`, () => {
      fc.assert(
        fc.property(bytes(0, 600), (b) => onlyDecodeError(() => decode(b))),
        { numRuns: RUNS },
      );
    });
  }

  it('parseRecords on datagrams with a plausible record header and random body', () => {
    const header = fc.record({
      type: fc.constantFrom(20, 21, 22, 23, 24, 19, 64),
      version: fc.constantFrom(0xfefd, 0xfeff, 0x0303),
      epoch: fc.integer({ min: 0, max: 3 }),
      length: fc.integer({ min: 0, max: 20_000 }),
    });
    fc.assert(
      fc.property(header, bytes(0, 300), (h, body) => {
        const b = Buffer.alloc(13);
        b[0] = h.type;
        b.writeUInt16BE(h.version, 1);
        b.writeUInt16BE(h.epoch, 3);
        b.writeUInt16BE(h.length, 11);
        onlyDecodeError(() => parseRecords(Buffer.concat([b, body])));
      }),
      { numRuns: RUNS },
    );
  });

  it('parseHandshakeFragments on plausible headers with inconsistent lengths', () => {
    const h = fc.record({
      msgType: fc.integer({ min: 0, max: 255 }),
      length: fc.integer({ min: 0, max: 0xffffff }),
      seq: u16,
      offset: fc.integer({ min: 0, max: 0xffffff }),
      fragLen: fc.integer({ min: 0, max: 0xffffff }),
    });
    fc.assert(
      fc.property(h, bytes(0, 200), (x, body) => {
        const out = Buffer.alloc(12);
        writeHandshakeHeader(out, 0, x.msgType, x.length, x.seq, x.offset, x.fragLen);
        onlyDecodeError(() => {
          for (const f of parseHandshakeFragments(Buffer.concat([out, body]))) {
            expect(f.fragmentOffset + f.fragment.length).toBeLessThanOrEqual(f.length);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('DTLS parsers: round trips and mutations of valid encodings', () => {
  it('ClientHello', () => {
    fc.assert(
      fc.property(clientHelloArb, (m) => {
        const enc = encodeClientHello(m);
        const dec = decodeClientHello(enc);
        expect(dec.clientVersion).toBe(m.clientVersion);
        expect(dec.cipherSuites).toEqual(m.cipherSuites);
        expect(dec.cookie.equals(m.cookie)).toBe(true);
        expect(dec.extensions.map((e) => e.type)).toEqual(m.extensions.map((e) => e.type));
        fc.assert(fc.property(mutations(enc), (b) => onlyDecodeError(() => decodeClientHello(b))), { numRuns: 10 });
      }),
      { numRuns: 100 },
    );
  });

  it('ServerHello', () => {
    fc.assert(
      fc.property(serverHelloArb, (m) => {
        const enc = encodeServerHello(m);
        const dec = decodeServerHello(enc);
        expect(dec.cipherSuite).toBe(m.cipherSuite);
        expect(dec.random.equals(m.random)).toBe(true);
        expect(dec.extensions.length).toBe(m.extensions.length);
        fc.assert(fc.property(mutations(enc), (b) => onlyDecodeError(() => decodeServerHello(b))), { numRuns: 10 });
      }),
      { numRuns: 100 },
    );
  });

  it('HelloVerifyRequest, Certificate, ServerKeyExchange, CertificateRequest, ClientKeyExchange, CertificateVerify', () => {
    const cases: Array<fc.Arbitrary<[Buffer, Decoder]>> = [
      fc.record({ serverVersion: u16, cookie: bytes(1, 255) }).map((m) => [encodeHelloVerifyRequest(m), decodeHelloVerifyRequest]),
      fc.array(bytes(1, 300), { maxLength: 4 }).map((chain) => [encodeCertificateMessage(chain), decodeCertificateMessage]),
      fc
        .record({ namedGroup: u16, publicKey: bytes(1, 97), signatureScheme: u16, signature: bytes(1, 300) })
        .map((m) => [encodeServerKeyExchange(m), decodeServerKeyExchange]),
      fc
        .record({
          certificateTypes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 5 }),
          signatureAlgorithms: fc.array(u16, { minLength: 1, maxLength: 10 }),
          certificateAuthorities: bytes(0, 50),
        })
        .map((m) => [encodeCertificateRequest(m), decodeCertificateRequest]),
      bytes(1, 97).map((k) => [encodeClientKeyExchange(k), decodeClientKeyExchange]),
      fc.record({ signatureScheme: u16, signature: bytes(1, 300) }).map((m) => [encodeCertificateVerify(m), decodeCertificateVerify]),
    ];
    for (const arb of cases) {
      fc.assert(
        fc.property(
          arb.chain(([enc, decode]) => fc.tuple(fc.constant(enc), fc.constant(decode), mutations(enc))),
          ([enc, decode, mutated]) => {
            expect(() => decode(enc)).not.toThrow();
            onlyDecodeError(() => decode(mutated));
          },
        ),
        { numRuns: 200 },
      );
    }
  });

  it('hello extensions: use_srtp, supported_groups, signature_algorithms, ec_point_formats', () => {
    const list = fc
      .record({
        srtp: fc.record({ profiles: fc.array(u16, { minLength: 1, maxLength: 6 }), mki: bytes(0, 10) }),
        groups: fc.array(u16, { minLength: 1, maxLength: 6 }),
        sigs: fc.array(u16, { minLength: 1, maxLength: 10 }),
        formats: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
      })
      .map((x) => {
        const exts: RawExtension[] = [
          { type: 14, data: encodeUseSrtp(x.srtp) },
          { type: 10, data: encodeSupportedGroups(x.groups) },
          { type: 13, data: encodeSignatureAlgorithms(x.sigs) },
          { type: 11, data: encodeEcPointFormats(x.formats) },
          { type: 23, data: Buffer.alloc(0) },
          { type: 0xff01, data: Buffer.from([0]) },
        ];
        return [x, encodeExtensionList(exts)] as const;
      });
    fc.assert(
      fc.property(
        list.chain(([x, enc]) => fc.tuple(fc.constant(x), fc.constant(enc), mutations(enc))),
        ([x, enc, mutated]) => {
          const parsed = parseHelloExtensions(decodeExtensionList(new WireReader(enc)));
          expect(parsed.useSrtp?.profiles).toEqual(x.srtp.profiles);
          expect(parsed.supportedGroups).toEqual(x.groups);
          expect(parsed.signatureAlgorithms).toEqual(x.sigs);
          expect(parsed.ecPointFormats).toEqual(x.formats);
          expect(parsed.extendedMasterSecret).toBe(true);
          onlyDecodeError(() => parseHelloExtensions(decodeExtensionList(new WireReader(mutated))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('records: concatenated records parse back; a damaged tail keeps the intact records', () => {
    const rec = fc.record({
      type: fc.constantFrom(20, 21, 22, 23),
      epoch: fc.integer({ min: 0, max: 0xffff }),
      sequence: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
      fragment: bytes(0, 200),
    });
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 5 }), bytes(0, 12), (records, junk) => {
        const datagram = Buffer.concat(records.map((r) => plaintextRecord(r.type, r.epoch, r.sequence, r.fragment)));
        const parsed = parseRecords(Buffer.concat([datagram, junk]));
        expect(parsed.length).toBe(records.length);
        parsed.forEach((p, i) => {
          expect(p.type).toBe(records[i]!.type);
          expect(p.epoch).toBe(records[i]!.epoch);
          expect(p.sequence).toBe(records[i]!.sequence);
          expect(p.fragment.equals(records[i]!.fragment)).toBe(true);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('Finished accepts exactly 12 bytes', () => {
    fc.assert(
      fc.property(bytes(0, 40), (b) => {
        if (b.length === 12) expect(decodeFinished(b).equals(b)).toBe(true);
        else expect(() => decodeFinished(b)).toThrow(DtlsDecodeError);
      }),
      { numRuns: 100 },
    );
  });
});

/** Splits `body` of message `seq` into fragments (as a sender with a small MTU would). */
function fragmentsOf(msgType: number, seq: number, body: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set([0, ...cuts.map((c) => c % (body.length + 1)), body.length])].sort((a, b) => a - b);
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < points.length || out.length === 0; i++) {
    const start = points[i] ?? 0;
    const end = points[i + 1] ?? body.length;
    const f = Buffer.alloc(12 + end - start);
    writeHandshakeHeader(f, 0, msgType, body.length, seq, start, end - start);
    body.copy(f, 12, start, end);
    out.push(f);
  }
  return out;
}

describe('DTLS handshake reassembly', () => {
  it('releases exactly the sent messages, in order, whatever the fragmentation, order and duplication', () => {
    const msgs = fc.array(fc.record({ type: fc.integer({ min: 1, max: 20 }), body: bytes(0, 400) }), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(
        msgs,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts, order, dups) => {
          const frags = messages.flatMap((m, seq) => fragmentsOf(m.type, seq, m.body, cuts));
          // Shuffle with the generated order, then add duplicates.
          const shuffled = [...frags];
          order.forEach((o, i) => {
            const a = i % shuffled.length;
            const b = o % shuffled.length;
            [shuffled[a], shuffled[b]] = [shuffled[b]!, shuffled[a]!];
          });
          for (const d of dups) shuffled.push(frags[d % frags.length]!);
          const r = new HandshakeReassembler();
          const released: Array<{ type: number; body: Buffer }> = [];
          for (const datagram of shuffled) {
            for (const f of parseHandshakeFragments(datagram)) r.push(f);
            for (let m = r.pop(); m; m = r.pop()) released.push({ type: m.msgType, body: m.body });
          }
          expect(released.length).toBe(messages.length);
          released.forEach((m, i) => {
            expect(m.type).toBe(messages[i]!.type);
            expect(m.body.equals(messages[i]!.body)).toBe(true);
          });
          expect(r.nextSeq).toBe(messages.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes arbitrary fragment streams without throwing and ignores oversized or far-ahead messages', () => {
    const frag = fc.record({
      msgType: fc.integer({ min: 0, max: 255 }),
      length: fc.integer({ min: 0, max: 1 << 22 }),
      messageSeq: fc.integer({ min: 0, max: 40 }),
      fragmentOffset: fc.integer({ min: 0, max: 1 << 22 }),
      fragment: bytes(0, 64),
    });
    fc.assert(
      fc.property(fc.array(frag, { maxLength: 200 }), (stream) => {
        const r = new HandshakeReassembler();
        for (const f of stream) {
          // Only fragments the parser could have produced (offset + len <= length).
          if (f.fragmentOffset + f.fragment.length > f.length) continue;
          r.push(f);
          for (let m = r.pop(); m; m = r.pop()) expect(m.body.length).toBeLessThanOrEqual(1 << 16);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a whole message encodes as one fragment and parses back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), u16, bytes(0, 300), (type, seq, body) => {
        const [f] = parseHandshakeFragments(encodeHandshakeMessage(type, seq, body));
        expect(f).toMatchObject({ msgType: type, messageSeq: seq, fragmentOffset: 0, length: body.length });
        expect(f!.fragment.equals(body)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
