import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtpDecodeError } from '../../src/rtp/errors.js';
import { RtpHeader } from '../../src/rtp/rtp-header.js';
import { RtpHeaderView } from '../../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { SeqUnwrapper, seqDiff, isNewerSeq } from '../../src/rtp/sequence.js';

function onlyDecodeErrors(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RtpDecodeError)) throw err;
  }
}

// Inputs biased to look like RTP: version 2 with random flags.
const rtpish = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.boolean())
  .map(([flags, rest, extProfile]) => {
    const b = Buffer.from([0x80 | flags, ...rest]);
    if (extProfile && b.length > 16 + (flags & 0x0f) * 4) b.writeUInt16BE(0xbede, 12 + (flags & 0x0f) * 4);
    return b;
  });

describe('RTP parsers under fuzzing', () => {
  it('throw only RtpDecodeError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }), rtpish), (bytes) => {
        onlyDecodeErrors(() => RtpPacket.parse(bytes));
        onlyDecodeErrors(() => RtpHeader.parse(bytes));
        onlyDecodeErrors(() => {
          const v = new RtpHeaderView(bytes);
          void v.payload;
          for (let id = 0; id < 16; id++) v.getExtension(id);
          v.forEachExtension(() => undefined);
          v.toPacket();
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips arbitrary packets through serialize and parse', () => {
    const ext = fc.record({ id: fc.integer({ min: 1, max: 255 }), data: fc.uint8Array({ minLength: 0, maxLength: 20 }) });
    fc.assert(
      fc.property(
        fc.record({
          marker: fc.boolean(),
          payloadType: fc.integer({ min: 0, max: 127 }),
          sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        }),
        fc.uniqueArray(ext, { selector: (e) => e.id, maxLength: 6 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 40 }),
        (init, exts, payload, padding) => {
          const h = new RtpHeader(init);
          for (const e of exts) h.setExtension(e.id, Buffer.from(e.data));
          const p = new RtpPacket(h, Buffer.from(payload), padding);
          const wire = p.serialize();
          const back = RtpPacket.parse(wire);
          expect(back.header).toMatchObject(init);
          expect(back.payload).toEqual(Buffer.from(payload));
          expect(back.paddingLength).toBe(padding);
          for (const e of exts) expect(back.header.getExtension(e.id)).toEqual(Buffer.from(e.data));
          const v = new RtpHeaderView(wire);
          for (const e of exts) expect(v.getExtension(e.id)).toEqual(Buffer.from(e.data));
          expect(v.payload).toEqual(Buffer.from(payload));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('unwraps any walk of small steps to the true position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.integer({ min: -30000, max: 30000 }), { maxLength: 200 }), (start, steps) => {
        const u = new SeqUnwrapper();
        let truth = start;
        expect(u.unwrap(start)).toBe(start);
        for (const s of steps) {
          const next = truth + s;
          expect(seqDiff(next & 0xffff, truth & 0xffff)).toBe(s);
          if (s !== 0) expect(isNewerSeq(next & 0xffff, truth & 0xffff)).toBe(s > 0);
          truth = next;
          expect(u.unwrap(truth & 0xffff)).toBe(truth);
        }
      }),
    );
  });
});
