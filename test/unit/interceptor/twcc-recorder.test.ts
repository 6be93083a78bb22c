import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DropCounter } from '../../../src/common/drop-counter.js';
import {
  MAX_TWCC_FEEDBACKS_PER_ROUND,
  MAX_TWCC_PACKETS_PER_FEEDBACK,
  MAX_TWCC_PENDING,
  MAX_TWCC_SEQ_JUMP,
  MAX_TWCC_SLOTS_PER_FEEDBACK,
  TWCC_RESYNC_PACKETS,
  TWCC_SLOT_BUDGET_EXTRA,
  TWCC_SLOT_BUDGET_FACTOR,
  TwccRecorder,
} from '../../../src/interceptor/twcc-recorder.js';
import { parseRtcp, serializeRtcp } from '../../../src/rtcp/index.js';
import type { TransportCcFeedback } from '../../../src/rtcp/transport-cc.js';

function slots(fbs: TransportCcFeedback[]): number {
  return fbs.reduce((n, f) => n + f.statuses.length, 0);
}

function received(fbs: TransportCcFeedback[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of fbs) for (const r of f.packetResults()) if (r.arrivalTimeUs !== undefined) out.set(r.sequenceNumber, r.arrivalTimeUs);
  return out;
}

describe('TwccRecorder limits', () => {
  it('drops and counts wild jumps of 32,767: the feedback stays as small as the honest packets', () => {
    const drops = new DropCounter();
    const r = new TwccRecorder(drops);
    let seq = 100;
    let t = 0;
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      r.record(seq & 0xffff, 1, t++); // honest
      seq++;
      if (i % 2 === 0) r.record((seq + 32767 * ((i % 4) + 1)) & 0xffff, 1, t); // hostile
    }
    const fbs = r.feedback(5);
    expect(performance.now() - started).toBeLessThan(500);
    expect(received(fbs).size).toBe(2000);
    expect(slots(fbs)).toBe(2000);
    expect(drops.count('twcc-seq-jump')).toBe(1000);
  });

  it('reports a gap slot by slot only within the round budget, never by the span', () => {
    const r = new TwccRecorder(new DropCounter());
    // Each packet 4,000 after the previous one (inside the jump window): a span of 40 million.
    for (let i = 0; i < 10_000; i++) r.record((i * 4000) & 0xffff, 1, i);
    const fbs = r.feedback(5);
    const reported = received(fbs).size;
    expect(fbs.length).toBeLessThanOrEqual(MAX_TWCC_FEEDBACKS_PER_ROUND);
    expect(slots(fbs)).toBeLessThanOrEqual(reported * (1 + TWCC_SLOT_BUDGET_FACTOR) + TWCC_SLOT_BUDGET_EXTRA);
  });

  it('bounds pending packets', () => {
    const drops = new DropCounter();
    const r = new TwccRecorder(drops);
    for (let i = 0; i < MAX_TWCC_PENDING + 10; i++) r.record(i & 0xffff, 1, i);
    expect(r.pending).toBe(MAX_TWCC_PENDING);
    expect(drops.count('twcc-pending-full')).toBe(10);
  });

  it('follows a sender whose numbering really moved, after TWCC_RESYNC_PACKETS in a row', () => {
    const drops = new DropCounter();
    const r = new TwccRecorder(drops);
    for (let i = 0; i < 10; i++) r.record(i, 1, i);
    r.feedback(5);
    for (let i = 0; i < TWCC_RESYNC_PACKETS + 4; i++) r.record(30_000 + i, 1, 100 + i);
    expect(drops.count('twcc-seq-jump')).toBe(TWCC_RESYNC_PACKETS - 1);
    const fbs = r.feedback(5);
    expect([...received(fbs).keys()]).toEqual([30_015, 30_016, 30_017, 30_018, 30_019]);
  });

  it('splits a long round into MTU-sized feedback packets, counting what does not fit', () => {
    const drops = new DropCounter();
    const r = new TwccRecorder(drops);
    for (let i = 0; i < MAX_TWCC_PENDING; i++) r.record(i, 1, i * 0.1);
    const fbs = r.feedback(5);
    expect(fbs.length).toBe(MAX_TWCC_FEEDBACKS_PER_ROUND);
    for (const f of fbs) {
      expect(f.statuses.length).toBeLessThanOrEqual(MAX_TWCC_SLOTS_PER_FEEDBACK);
      expect(f.deltas.length).toBeLessThanOrEqual(MAX_TWCC_PACKETS_PER_FEEDBACK);
      expect(serializeRtcp([f]).length).toBeLessThanOrEqual(1200);
    }
    expect(received(fbs).size + drops.count('twcc-feedback-overflow')).toBe(MAX_TWCC_PENDING);
  });

  it('splits where a receive delta would not fit 16 bits', () => {
    const r = new TwccRecorder();
    r.record(1, 1, 0);
    r.record(2, 1, 20_000); // 20 s later
    const fbs = r.feedback(5);
    expect(fbs.length).toBe(2);
    expect([...received(fbs).keys()]).toEqual([1, 2]);
  });

  it('property: any input gives feedback that round-trips, is bounded by the packets reported and loses no in-window arrival', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), dt: fc.integer({ min: 0, max: 20_000 }) }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 3 }),
        (input, rounds) => {
          const drops = new DropCounter();
          const r = new TwccRecorder(drops);
          let t = 0;
          let overflowBefore = 0;
          const per = Math.ceil(input.length / rounds);
          for (let k = 0; k < rounds; k++) {
            for (const { seq, dt } of input.slice(k * per, (k + 1) * per)) r.record(seq, 7, (t += dt / 10));
            const pending = r.pending;
            const fbs = r.feedback(9);
            expect(fbs.length).toBeLessThanOrEqual(MAX_TWCC_FEEDBACKS_PER_ROUND);
            expect(slots(fbs)).toBeLessThanOrEqual(pending * (1 + TWCC_SLOT_BUDGET_FACTOR) + TWCC_SLOT_BUDGET_EXTRA);
            // Every pending packet is reported once, or counted as not fitting the round.
            const reported = fbs.reduce((n, f) => n + f.deltas.length, 0);
            expect(reported + drops.count('twcc-feedback-overflow') - overflowBefore).toBe(pending);
            overflowBefore = drops.count('twcc-feedback-overflow');
            for (const f of fbs) {
              const back = parseRtcp(serializeRtcp([f]))[0] as TransportCcFeedback;
              expect(back.statuses).toEqual(f.statuses);
              expect(back.deltas).toEqual(f.deltas);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('jump window constant is below half the sequence space', () => {
    expect(MAX_TWCC_SEQ_JUMP).toBeLessThan(0x8000);
  });
});

describe('transport-cc parsing of hostile feedback', () => {
  /** One feedback claiming 65,535 statuses in nine run-length chunks (40 bytes). */
  function runLengthBomb(): Buffer {
    const one = Buffer.alloc(40);
    one[0] = 0x80 | 15;
    one[1] = 205;
    one.writeUInt16BE(40 / 4 - 1, 2);
    one.writeUInt32BE(1, 4);
    one.writeUInt32BE(2, 8);
    one.writeUInt16BE(0xffff, 14);
    for (let k = 0; k < 9; k++) one.writeUInt16BE(0x1fff, 20 + 2 * k); // not received × 8191
    return one;
  }

  it('costs O(bytes), not O(statuses claimed): 30 × 65,535 statuses in one datagram parse at once', () => {
    const datagram = Buffer.concat(Array.from({ length: 30 }, runLengthBomb));
    const started = performance.now();
    for (let i = 0; i < 50; i++) expect(parseRtcp(datagram)).toHaveLength(30);
    expect(performance.now() - started).toBeLessThan(500);
    const fb = parseRtcp(datagram)[0] as TransportCcFeedback;
    expect(fb.packetStatusCount).toBe(0xffff);
    // Reading the statuses expands them (the reader asked for them).
    expect(fb.statuses.length).toBe(0xffff);
    expect(fb.deltas).toEqual([]);
  });

  it('property: parse validates everything the lazy expansion reads (random bytes: a decode error or readable statuses)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 120 }), fc.integer({ min: 0, max: 0xffff }), (body, count) => {
        const b = Buffer.from(body);
        b[0] = 0x80 | 15;
        b[1] = 205;
        b.writeUInt16BE(Math.floor(b.length / 4) - 1, 2);
        b.writeUInt16BE(count % 600, 14);
        const datagram = b.subarray(0, Math.floor(b.length / 4) * 4);
        let packets;
        try {
          packets = parseRtcp(datagram);
        } catch (err) {
          expect((err as Error).name).toBe('RtcpDecodeError');
          return;
        }
        for (const p of packets) {
          if (p.kind !== 'twcc') continue;
          expect(p.statuses.length).toBe(p.packetStatusCount);
          const received = p.statuses.filter((s) => s === 1 || s === 2).length;
          expect(p.deltas.length).toBe(received);
          const back = parseRtcp(serializeRtcp([p]))[0] as TransportCcFeedback;
          expect(back.statuses).toEqual(p.statuses);
          expect(back.deltas).toEqual(p.deltas);
        }
      }),
      { numRuns: 300 },
    );
  });
});
