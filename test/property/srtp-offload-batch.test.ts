import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchWriter, readBatch, SrtpOp, SrtpOpStatus } from '../../src/srtp/offload/batch.js';

const entry = fc.record({
  id: fc.integer({ min: 0, max: 0xfffffffe }),
  op: fc.constantFrom(SrtpOp.ProtectRtp, SrtpOp.ProtectRtcp, SrtpOp.UnprotectRtp, SrtpOp.UnprotectRtcp),
  status: fc.constantFrom(SrtpOpStatus.Ok, SrtpOpStatus.Dropped),
  bytes: fc.uint8Array({ maxLength: 3000 }),
});

describe('SRTP worker batches', () => {
  it('read back every entry in order, whatever the sizes (the writer grows and starts the next buffer at the last size)', () => {
    const writer = new BatchWriter();
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), (entries) => {
        for (const e of entries) writer.append(e.id, e.op, e.status, e.bytes);
        const batch = writer.take();
        if (entries.length === 0) {
          expect(batch).toBeUndefined();
          return;
        }
        const seen: typeof entries = [];
        readBatch(batch!, (id, op, status, bytes) => seen.push({ id, op, status, bytes: Uint8Array.from(bytes) }));
        expect(seen).toEqual(entries.map((e) => ({ ...e, bytes: Uint8Array.from(e.bytes) })));
        expect(writer.count).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('stops at a truncated or garbage batch instead of reading past its end', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let n = 0;
        readBatch(Uint8Array.from(bytes).buffer, (_id, _op, _status, b) => {
          n++;
          expect(b.length).toBeLessThanOrEqual(bytes.length);
        });
        expect(n).toBeLessThanOrEqual(bytes.length / 8);
      }),
    );
  });

  it('refuses a packet no datagram can carry', () => {
    expect(() => new BatchWriter().reserve(1, SrtpOp.ProtectRtp, SrtpOpStatus.Ok, 0x10000)).toThrow(RangeError);
  });
});
