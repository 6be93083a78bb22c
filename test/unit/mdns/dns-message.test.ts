import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DNS_CLASS_IN,
  DNS_FLAG_AUTHORITATIVE,
  DNS_FLAG_RESPONSE,
  DnsType,
  MAX_MDNS_MESSAGE_BYTES,
  MdnsDecodeError,
  MdnsError,
  canonicalName,
  decodeDnsMessage,
  encodeDnsMessage,
  type DnsMessage,
} from '../../../src/mdns/index.js';
import { bytesToIp, ipv4ToBytes, ipv6ToBytes } from '../../../src/mdns/ip-bytes.js';

const empty = { id: 0, flags: 0, questions: [], answers: [], authorities: [], additionals: [] };

describe('DNS message codec', () => {
  it('decodes a hand-built response with a compressed name (RFC 1035 §4.1.4)', () => {
    // Header: id 0, flags 0x8400, 0 questions, 2 answers.
    const hex =
      '000084000000000200000000' +
      // answer 1 at offset 12: "abc.local" A 10.0.0.1, TTL 120, cache-flush
      '03616263' + '056c6f63616c00' + '0001' + '8001' + '00000078' + '0004' + '0a000001' +
      // answer 2: "x" + pointer to offset 16 ("local"), AAAA ::1
      '0178c010' + '001c' + '0001' + '0000000a' + '0010' + '00000000000000000000000000000001';
    const m = decodeDnsMessage(Buffer.from(hex, 'hex'));
    expect(m.flags).toBe(DNS_FLAG_RESPONSE | DNS_FLAG_AUTHORITATIVE);
    expect(m.answers).toHaveLength(2);
    expect(m.answers[0]).toMatchObject({ name: 'abc.local', type: DnsType.A, class: DNS_CLASS_IN, cacheFlush: true, ttlSec: 120 });
    expect(bytesToIp(m.answers[0]!.data)).toBe('10.0.0.1');
    expect(m.answers[1]).toMatchObject({ name: 'x.local', type: DnsType.AAAA, cacheFlush: false, ttlSec: 10 });
    expect(bytesToIp(m.answers[1]!.data)).toBe('::1');
  });

  it('rejects pointer loops, forward pointers and truncation with MdnsDecodeError', () => {
    const header = (qd: number) => Buffer.from([0, 0, 0, 0, 0, qd, 0, 0, 0, 0, 0, 0]);
    const selfLoop = Buffer.concat([header(1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    const forward = Buffer.concat([header(1), Buffer.from([0xc0, 20, 0, 1, 0, 1, 0, 0, 0])]);
    const truncated = Buffer.concat([header(1), Buffer.from([5, 97, 98])]);
    for (const b of [selfLoop, forward, truncated, Buffer.alloc(5), Buffer.alloc(MAX_MDNS_MESSAGE_BYTES + 1)]) {
      expect(() => decodeDnsMessage(b)).toThrow(MdnsDecodeError);
    }
    // Counts larger than the message can hold are rejected before any parsing.
    expect(() => decodeDnsMessage(Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0]))).toThrow(MdnsDecodeError);
    // Non-zero OPCODE (RFC 6762 §18.3).
    expect(() => decodeDnsMessage(Buffer.from([0, 0, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(MdnsDecodeError);
  });

  it('rejects invalid names on encode with a typed error', () => {
    expect(() => encodeDnsMessage({ ...empty, questions: [{ name: `${'a'.repeat(64)}.local`, type: 1, class: 1, unicastResponse: false }] })).toThrow(MdnsError);
    expect(() => encodeDnsMessage({ ...empty, questions: [{ name: 'a..local', type: 1, class: 1, unicastResponse: false }] })).toThrow(MdnsError);
    const long = Array.from({ length: 10 }, () => 'b'.repeat(30)).join('.');
    expect(() => encodeDnsMessage({ ...empty, questions: [{ name: long, type: 1, class: 1, unicastResponse: false }] })).toThrow(MdnsError);
  });

  it('IPv4/IPv6 text and bytes convert both ways (RFC 5952 output)', () => {
    expect(ipv4ToBytes('192.168.1.20')).toEqual(Buffer.from([192, 168, 1, 20]));
    expect(bytesToIp(ipv6ToBytes('2001:DB8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(bytesToIp(ipv6ToBytes('::ffff:10.1.2.3'))).toBe('::ffff:a01:203');
    expect(bytesToIp(ipv6ToBytes('fe80::1'))).toBe('fe80::1');
    expect(bytesToIp(ipv6ToBytes('::'))).toBe('::');
    expect(bytesToIp(ipv6ToBytes('1:0:2:3:4:5:6:7'))).toBe('1:0:2:3:4:5:6:7');
    expect(() => ipv6ToBytes('1.2.3.4')).toThrow(MdnsError);
    expect(canonicalName('ABC.Local.')).toBe('abc.local');
  });

  const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
  const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => `${ls.join('.')}.local`);
  const record = fc.record({
    name,
    type: fc.constantFrom(DnsType.A, DnsType.AAAA, DnsType.TXT),
    class: fc.constant(DNS_CLASS_IN),
    cacheFlush: fc.boolean(),
    ttlSec: fc.nat(),
  }).chain((r) =>
    fc.uint8Array({ minLength: r.type === DnsType.A ? 4 : r.type === DnsType.AAAA ? 16 : 0, maxLength: r.type === DnsType.A ? 4 : r.type === DnsType.AAAA ? 16 : 40 })
      .map((d) => ({ ...r, data: Buffer.from(d) })),
  );
  const message: fc.Arbitrary<DnsMessage> = fc.record({
    id: fc.integer({ min: 0, max: 0xffff }),
    flags: fc.constantFrom(0, DNS_FLAG_RESPONSE | DNS_FLAG_AUTHORITATIVE),
    questions: fc.array(fc.record({ name, type: fc.constantFrom(1, 28, 255), class: fc.constant(1), unicastResponse: fc.boolean() }), { maxLength: 4 }),
    answers: fc.array(record, { maxLength: 4 }),
    authorities: fc.array(record, { maxLength: 2 }),
    additionals: fc.array(record, { maxLength: 2 }),
  });

  it('round-trips random messages', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeDnsMessage(encodeDnsMessage(m))).toEqual(m);
      }),
      { numRuns: 200 },
    );
  });

  it('fuzz: random and mutated bytes throw only MdnsDecodeError', () => {
    const check = (bytes: Uint8Array): void => {
      try {
        decodeDnsMessage(bytes);
      } catch (err) {
        if (!(err instanceof MdnsDecodeError)) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: 1000 });
    fc.assert(
      fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (m, flips) => {
        const b = encodeDnsMessage(m);
        for (const [i, v] of flips) b[i % b.length] = v;
        check(b);
        check(b.subarray(0, flips[0]![0] % (b.length + 1)));
      }),
      { numRuns: 1000 },
    );
    // Pointer chains: every label a pointer to the previous byte pair.
    const chain = Buffer.alloc(12 + 2 * 2000);
    chain.writeUInt16BE(1, 4);
    for (let i = 0; i < 2000; i++) chain.writeUInt16BE(0xc000 | Math.max(0, 12 + 2 * (i - 1)), 12 + 2 * i);
    check(chain);
  });
});
