import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DropCounter } from '../../../src/common/drop-counter.js';
import {
  MAX_RETRANSMIT_AGE_MS,
  MAX_SEQS_PER_NACK,
  MIN_RESEND_INTERVAL_MS,
  NACK_BURST,
  NackResponder,
  RETRANSMIT_BUDGET_BYTES,
} from '../../../src/interceptor/nack-responder.js';

const packet = Buffer.alloc(1200);
const lookup = (): Buffer => packet;

function sentUpTo(r: NackResponder, count: number, at = 0): void {
  for (let s = 0; s < count; s++) r.onSent(s, at);
}

describe('NackResponder', () => {
  it('resends each requested packet once, then de-duplicates within the resend interval', () => {
    const drops = new DropCounter();
    const r = new NackResponder({ drops });
    sentUpTo(r, 100);
    const seqs = [1, 2, 3, 3, 4];
    expect(r.respond(seqs, 10, lookup, () => true)).toBe(4);
    expect(r.respond(seqs, 20, lookup, () => true)).toBe(0);
    expect(drops.count('nack-duplicate')).toBe(2);
    expect(r.respond(seqs, 10 + MIN_RESEND_INTERVAL_MS, lookup, () => true)).toBe(4);
  });

  it('skips packets too old to matter and packets never sent', () => {
    const drops = new DropCounter();
    const r = new NackResponder({ drops });
    r.onSent(5, 0);
    r.onSent(6, 900);
    expect(r.respond([5, 6, 7], MAX_RETRANSMIT_AGE_MS + 1, lookup, () => true)).toBe(1);
    expect(drops.count('nack-too-old')).toBe(1);
    expect(drops.count('nack-unknown')).toBe(1);
  });

  it('rate-limits NACK packets per sender', () => {
    const drops = new DropCounter();
    const r = new NackResponder({ drops, limits: { budgetBytes: 1e9, minResendIntervalMs: 0 } });
    sentUpTo(r, 1000);
    let answered = 0;
    for (let i = 0; i < 300; i++) if (r.respond([i], 0, lookup, () => true) > 0) answered++;
    expect(answered).toBe(NACK_BURST);
    expect(drops.count('nack-rate-limited')).toBe(300 - NACK_BURST);
    // 50 per second refill: 100 ms later five more.
    let later = 0;
    for (let i = 0; i < 20; i++) if (r.respond([500 + i], 100, lookup, () => true) > 0) later++;
    expect(later).toBe(5);
  });

  it('spends at most the byte budget per interval and caps the sequence numbers per NACK', () => {
    const drops = new DropCounter();
    const r = new NackResponder({ drops });
    sentUpTo(r, 1024);
    const all = Array.from({ length: 5100 }, (_, i) => i % 1024);
    const sent = r.respond(all, 1, lookup, () => true);
    expect(sent).toBe(Math.floor(RETRANSMIT_BUDGET_BYTES / packet.length));
    expect(drops.count('nack-too-many')).toBe(1);
    expect(r.skipped).toBe(5100 - sent);
    expect(MAX_SEQS_PER_NACK).toBeLessThan(5100);
  });

  it('property: never resends more than the budget allows nor a packet twice within the interval', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 200 }), seqs: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }) }), { maxLength: 60 }),
        (nacks) => {
          const r = new NackResponder();
          for (let s = 0; s < 1024; s++) r.onSent(s, 0);
          let now = 0;
          const last = new Map<number, number>();
          const packets = new Map<number, Buffer>();
          const byseq = (s: number): Buffer | undefined => {
            if (s >= 1024) return undefined;
            let p = packets.get(s);
            if (!p) packets.set(s, (p = Buffer.alloc(1200))).get(s)!.writeUInt16BE(s, 0);
            return p;
          };
          for (const { dt, seqs } of nacks) {
            now += dt;
            let bytes = 0;
            r.respond(seqs, now, byseq, (p) => {
              const seq = p.readUInt16BE(0);
              const prev = last.get(seq);
              expect(prev === undefined || now - prev >= MIN_RESEND_INTERVAL_MS).toBe(true);
              last.set(seq, now);
              bytes += p.length;
              return true;
            });
            expect(bytes).toBeLessThanOrEqual(RETRANSMIT_BUDGET_BYTES);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
