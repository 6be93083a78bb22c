import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DcepError, decodeDcep, encodeDcepAck, encodeDcepOpen, type Reliability } from '../../src/sctp/dcep.js';

const reliability: fc.Arbitrary<Reliability> = fc.oneof(
  fc.constant({ kind: 'reliable' } as const),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => ({ kind: 'rexmit', maxRetransmits: n }) as const),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => ({ kind: 'timed', maxPacketLifeTimeMs: n }) as const),
);

describe('DCEP codec (RFC 8832)', () => {
  it('encodes the RFC 8832 §5.1 layout', () => {
    const b = encodeDcepOpen({ ordered: false, reliability: { kind: 'rexmit', maxRetransmits: 3 }, priority: 256, label: 'chat', protocol: 'p' });
    expect([...b]).toEqual([0x03, 0x81, 0x01, 0x00, 0, 0, 0, 3, 0, 4, 0, 1, ...Buffer.from('chatp')]);
    expect([...encodeDcepAck()]).toEqual([0x02]);
    expect(decodeDcep(Buffer.from([0x02]))).toEqual({ type: 'ack' });
  });

  it('round-trips every OPEN', () => {
    fc.assert(
      fc.property(fc.boolean(), reliability, fc.integer({ min: 0, max: 0xffff }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), (ordered, rel, priority, label, protocol) => {
        const m = { ordered, reliability: rel, priority, label, protocol };
        expect(decodeDcep(encodeDcepOpen(m))).toEqual({ type: 'open', ...m });
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only DcepError on arbitrary input', () => {
    const openish = fc.uint8Array({ minLength: 0, maxLength: 60 }).map((b) => Buffer.from([0x03, ...b]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), openish), (bytes) => {
        try {
          decodeDcep(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(DcepError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
