import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { CIPHER_SUITES } from '../../../src/dtls/cipher-suites/cipher-suite.js';
import { ContentType, HANDSHAKE_HEADER_LENGTH } from '../../../src/dtls/constants.js';
import { DtlsDecodeError } from '../../../src/dtls/errors.js';
import { writeFlight } from '../../../src/dtls/flights/flight-writer.js';
import { parseHandshakeFragments } from '../../../src/dtls/handshake/header.js';
import { HandshakeReassembler, MAX_MESSAGES_AHEAD } from '../../../src/dtls/handshake/reassembler.js';
import { parseRecords, plaintextRecord } from '../../../src/dtls/record/header.js';
import { RecordLayer } from '../../../src/dtls/record/record-layer.js';
import { ReplayWindow } from '../../../src/dtls/record/replay-window.js';

describe('ReplayWindow (RFC 6347 §4.1.2.6)', () => {
  it('accepts new numbers, rejects duplicates and numbers left of the window', () => {
    const w = new ReplayWindow(64);
    expect(w.check(0)).toBe(true);
    w.accept(0);
    expect(w.check(0)).toBe(false);
    w.accept(100);
    expect(w.check(100)).toBe(false);
    expect(w.check(37)).toBe(true); // 100 - 63
    expect(w.check(36)).toBe(false); // left of the window
    expect(w.check(99)).toBe(true);
    w.accept(99);
    expect(w.check(99)).toBe(false);
    w.accept(2 ** 48 - 1);
    expect(w.check(2 ** 48 - 1)).toBe(false);
    expect(w.check(2 ** 48 - 2)).toBe(true);
  });

  it('matches a reference set model for random sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), (seqs) => {
        const w = new ReplayWindow(64);
        const seen = new Set<number>();
        let max = -1;
        for (const s of seqs) {
          const expected = !seen.has(s) && (s > max || max - s < 64);
          expect(w.check(s)).toBe(expected);
          if (expected) {
            w.accept(s);
            seen.add(s);
            max = Math.max(max, s);
          }
        }
      }),
    );
  });
});

describe('record header parsing', () => {
  it('splits several records in one datagram and stops at garbage', () => {
    const a = plaintextRecord(ContentType.Handshake, 0, 1, Buffer.from('abc'));
    const b = plaintextRecord(ContentType.Alert, 0, 2 ** 40 + 5, Buffer.from([1, 0]));
    const recs = parseRecords(Buffer.concat([a, b, Buffer.from([0xff, 0xff])]));
    expect(recs.map((r) => [r.type, r.sequence, r.fragment.toString('hex')])).toEqual([
      [22, 1, '616263'],
      [21, 2 ** 40 + 5, '0100'],
    ]);
  });

  it('throws only DtlsDecodeError on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          parseRecords(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(DtlsDecodeError);
        }
        try {
          parseHandshakeFragments(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(DtlsDecodeError);
        }
      }),
    );
  });
});

function reassemble(datagrams: Buffer[], order: number[]): Array<{ msgType: number; body: Buffer }> {
  const r = new HandshakeReassembler();
  const out: Array<{ msgType: number; body: Buffer }> = [];
  for (const i of order) {
    for (const rec of parseRecords(datagrams[i]!)) {
      if (rec.type !== ContentType.Handshake) continue;
      for (const f of parseHandshakeFragments(rec.fragment)) r.push(f);
    }
    for (let m = r.pop(); m; m = r.pop()) out.push({ msgType: m.msgType, body: Buffer.from(m.body) });
  }
  return out;
}

describe('flight fragmentation and reassembly (RFC 6347 §4.2.3)', () => {
  const bodies = [Buffer.alloc(700, 1), Buffer.alloc(0), Buffer.from(Array.from({ length: 2500 }, (_, i) => i & 0xff)), Buffer.alloc(30, 7)];
  const items = bodies.map((body, i) => ({ kind: 'handshake' as const, epoch: 0, msgType: 11 + i, messageSeq: i, body }));

  for (const mtu of [150, 500, 1200]) {
    it(`every datagram fits MTU ${mtu} and any order with duplicates reassembles`, () => {
      const datagrams = writeFlight(items, mtu, new RecordLayer('server'));
      for (const d of datagrams) expect(d.length).toBeLessThanOrEqual(mtu);
      for (let seed = 1; seed <= 30; seed++) {
        const rng = new SeededRng(seed);
        const order = [...datagrams.keys()];
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.uint32() % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const dups = Array.from({ length: rng.uint32() % (datagrams.length * 2) }, () => rng.uint32() % datagrams.length);
        const out = reassemble(datagrams, [...dups, ...order]);
        expect(out.map((m) => m.msgType)).toEqual([11, 12, 13, 14]);
        out.forEach((m, i) => expect(m.body.equals(bodies[i]!)).toBe(true));
      }
    });
  }

  it('epoch-1 items are encrypted and fit too', () => {
    const layer = new RecordLayer('client');
    const suite = CIPHER_SUITES.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    const keys = { clientWriteKey: Buffer.alloc(16, 1), serverWriteKey: Buffer.alloc(16, 2), clientWriteIv: Buffer.alloc(4, 3), serverWriteIv: Buffer.alloc(4, 4) };
    layer.installKeys(suite, keys);
    const datagrams = writeFlight([{ kind: 'ccs' }, { kind: 'handshake', epoch: 1, msgType: 20, messageSeq: 5, body: Buffer.alloc(300, 9) }], 200, layer);
    for (const d of datagrams) expect(d.length).toBeLessThanOrEqual(200);
    const server = new RecordLayer('server');
    server.installKeys(suite, keys);
    const r = new HandshakeReassembler();
    r.reset(5);
    for (const d of datagrams) {
      for (const rec of parseRecords(d)) {
        const plain = server.open(rec);
        expect(Buffer.isBuffer(plain)).toBe(true);
        if (rec.type === ContentType.Handshake) for (const f of parseHandshakeFragments(plain as Buffer)) r.push(f);
      }
    }
    expect(r.pop()?.body).toEqual(Buffer.alloc(300, 9));
  });

  it('bounds what the peer can make it buffer', () => {
    const r = new HandshakeReassembler();
    const frag = (messageSeq: number, length: number) => ({ msgType: 1, length, messageSeq, fragmentOffset: 0, fragment: Buffer.alloc(0) });
    expect(r.push(frag(MAX_MESSAGES_AHEAD, 10))).toBe('ignored');
    expect(r.push(frag(0, 1 << 20))).toBe('ignored');
    expect(r.push(frag(1, 10))).toBe('buffered');
    expect(r.push({ ...frag(1, 11) })).toBe('ignored'); // inconsistent length
    expect(r.pop()).toBeUndefined();
    expect(HANDSHAKE_HEADER_LENGTH).toBe(12);
  });
});
