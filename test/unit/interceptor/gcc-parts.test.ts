import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AimdRateControl } from '../../../src/interceptor/gcc/aimd-rate-control.js';
import { GccCore } from '../../../src/interceptor/gcc/gcc-core.js';
import { InterArrival } from '../../../src/interceptor/gcc/inter-arrival.js';
import { LossBasedControl } from '../../../src/interceptor/gcc/loss-based-control.js';
import { MAX_PACER_QUEUE, PacerCore } from '../../../src/interceptor/gcc/pacer-core.js';
import { MAX_ACKS_PER_FEEDBACK, SentPacketLog } from '../../../src/interceptor/gcc/sent-packet-log.js';
import { linearFitSlope, TrendlineEstimator } from '../../../src/interceptor/gcc/trendline-estimator.js';
import { TransportCcFeedback } from '../../../src/rtcp/transport-cc.js';

describe('trendline estimator', () => {
  it('fits a slope', () => {
    expect(linearFitSlope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(linearFitSlope([5, 5], [1, 2])).toBeUndefined();
  });
  it('signals overuse for a growing queue, underuse for a draining one, normal for a steady one', () => {
    const steady = new TrendlineEstimator();
    for (let i = 0; i < 100; i++) steady.update(10, 10, i * 10);
    expect(steady.state).toBe('normal');
    const growing = new TrendlineEstimator();
    let over = false;
    for (let i = 0; i < 100; i++) over ||= growing.update(13, 10, i * 13) === 'overusing';
    expect(over).toBe(true);
    const draining = new TrendlineEstimator();
    for (let i = 0; i < 30; i++) draining.update(13, 10, i * 13);
    let under = false;
    for (let i = 30; i < 60; i++) under ||= draining.update(6, 10, 400 + i * 6) === 'underusing';
    expect(under).toBe(true);
  });
});

describe('inter-arrival groups', () => {
  it('groups packets sent within 5 ms and reports deltas between groups', () => {
    const ia = new InterArrival();
    const out = [];
    for (let g = 0; g < 4; g++) for (let k = 0; k < 3; k++) out.push(ia.add(g * 20 + k, 100 + g * 25 + k, 0, 1000));
    const deltas = out.filter((d) => d !== undefined);
    expect(deltas).toHaveLength(2);
    expect(deltas[0]).toMatchObject({ sendDeltaMs: 20, arrivalDeltaMs: 25 });
  });
});

describe('AIMD rate control', () => {
  it('increases 8 %/s when normal and cuts to 0.85 × the received rate on overuse', () => {
    const r = new AimdRateControl(1_000_000, 10_000, 10_000_000);
    const first = r.update('normal', 2_000_000, 0);
    const second = r.update('normal', 2_000_000, 1000);
    expect(second / first).toBeCloseTo(1.08, 3);
    expect(r.update('overusing', 800_000, 1100)).toBeCloseTo(680_000, -3);
    expect(r.state).toBe('hold');
    expect(r.update('underusing', 800_000, 1200)).toBeCloseTo(680_000, -3);
  });
  it('never runs ahead of 1.5 × the received rate', () => {
    const r = new AimdRateControl(1_000_000, 10_000, 10_000_000);
    for (let t = 0; t < 60_000; t += 100) r.update('normal', 200_000, t);
    expect(r.bitrate).toBeLessThanOrEqual(1_000_000);
  });
});

describe('loss-based control', () => {
  it('cuts by half the loss fraction above 10 % and holds between 2 and 10 %', () => {
    const l = new LossBasedControl(1_000_000, 10_000, 10_000_000);
    expect(l.update(20, 100, 5_000_000, 50, 0)).toBeCloseTo(900_000, -3);
    expect(l.update(5, 100, 5_000_000, 50, 1000)).toBeCloseTo(900_000, -3);
    expect(l.update(0, 100, 5_000_000, 50, 2000)).toBeGreaterThan(900_000);
    expect(l.update(0, 100, 500_000, 50, 3000)).toBe(500_000);
  });
});

describe('pacer', () => {
  it('sends at once below the rate and spreads a burst at the pacing rate', () => {
    const p = new PacerCore<number>(1_000_000, 1); // 125 bytes/ms
    expect(p.enqueue(0, 500, 0)).toBe('now');
    const queued: number[] = [];
    for (let i = 1; i <= 21; i++) if (p.enqueue(i, 1250, 0) === 'queued') queued.push(i);
    // The first interval's budget (5 ms at the rate) lets one more leave at once.
    expect(queued).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const sent: number[] = [];
    let t = 0;
    while (p.queued > 0 && t < 1000) {
      t = p.nextDeadline(t)!;
      sent.push(...p.poll(t));
      if (p.queued > 0 && p.nextDeadline(t) === t) t += 1;
    }
    expect(sent).toEqual(queued);
    // 25 000 bytes at 125 bytes/ms: about 200 ms.
    expect(t).toBeGreaterThan(150);
    expect(t).toBeLessThan(260);
  });
  it('bounds its queue', () => {
    const p = new PacerCore<number>(10_000, 1);
    let dropped = 0;
    for (let i = 0; i < MAX_PACER_QUEUE + 10; i++) if (p.enqueue(i, 1200, 0) === 'dropped') dropped++;
    expect(p.queued).toBe(MAX_PACER_QUEUE);
    expect(dropped).toBeGreaterThan(0);
  });
});

describe('sent packet log and GCC core against hostile feedback', () => {
  it('ignores feedback about packets it never sent, and repeats', () => {
    const log = new SentPacketLog();
    for (let s = 0; s < 10; s++) log.onSent(s, 1000, s);
    const fb = TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 5, feedbackPacketCount: 0, arrivals: [10_000, 11_000, undefined, 13_000, 14_000, 15_000, 16_000] });
    const acks = log.onFeedback(fb);
    expect(acks.map((a) => a.seq)).toEqual([5, 6, 7, 8, 9]);
    expect(acks[2]!.arrivalMs).toBeUndefined();
    expect(log.onFeedback(fb).map((a) => a.seq)).toEqual([7]);
  });
  it('caps the packets one message is looked at', () => {
    const log = new SentPacketLog();
    for (let s = 0; s < 8000; s++) log.onSent(s, 100, s);
    const arrivals = Array.from({ length: 8000 }, (_, i) => i * 1000);
    const acks = log.onFeedback(TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, feedbackPacketCount: 0, arrivals }));
    expect(acks.length).toBe(MAX_ACKS_PER_FEEDBACK);
  });
  it('keeps a finite estimate within its bounds for any feedback', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }), { maxLength: 300 }), (base, deltas) => {
        let t = 1_000_000;
        const arrivals = deltas.map((d) => (d === undefined ? undefined : (t += d)));
        const g = new GccCore({ minBitrate: 50_000, maxBitrate: 5_000_000 });
        for (let s = 0; s < 400; s++) g.onPacketSent((base + s) & 0xffff, 1200, s);
        const e = g.onFeedback(TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: base, feedbackPacketCount: 0, arrivals }), 500);
        return Number.isFinite(e.targetBitrate) && e.targetBitrate >= 50_000 && e.targetBitrate <= 5_000_000;
      }),
      { numRuns: 200 },
    );
  });
});
