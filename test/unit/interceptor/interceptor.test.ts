import { describe, expect, it } from 'vitest';
import { ReceiveLog } from '../../../src/interceptor/receive-log.js';
import { ReceiverStats } from '../../../src/interceptor/receiver-stats.js';
import { SendHistory } from '../../../src/interceptor/send-history.js';
import { ntpMiddle32, ntpTime, SenderStats } from '../../../src/interceptor/sender-stats.js';
import type { TransportCcFeedback } from '../../../src/rtcp/transport-cc.js';

describe('ReceiveLog', () => {
  it('reports gaps once per call up to the NACK limit', () => {
    const log = new ReceiveLog(64, 2);
    for (const s of [10, 11, 14, 15]) log.add(s);
    expect(log.missing()).toEqual([12, 13]);
    expect(log.missing()).toEqual([12, 13]);
    expect(log.missing()).toEqual([]);
    log.add(12);
    expect(log.missing()).toEqual([]);
  });
  it('handles sequence wrap-around', () => {
    const log = new ReceiveLog(64);
    for (const s of [65533, 65534, 1, 2]) log.add(s);
    expect(log.missing()).toEqual([65535, 0]);
  });
  it('skips the newest packets when asked and forgets after a large jump', () => {
    const log = new ReceiveLog(64);
    for (const s of [1, 3, 5]) log.add(s);
    expect(log.missing(2)).toEqual([2]);
    log.add(1000);
    expect(log.missing()).toEqual([]);
  });
});

describe('SendHistory', () => {
  it('returns stored packets until overwritten', () => {
    const h = new SendHistory(4);
    h.put(1, Buffer.from([1]));
    h.put(5, Buffer.from([5]));
    expect(h.get(1)).toBeUndefined();
    expect(h.get(5)).toEqual(Buffer.from([5]));
    expect(h.get(9)).toBeUndefined();
  });
});

describe('ReceiverStats', () => {
  it('computes loss, extended sequence and report blocks (RFC 3550 A.3)', () => {
    const s = new ReceiverStats(42, 90000);
    let now = 0;
    for (const seq of [65530, 65531, 65533, 65534, 65535, 0, 1]) s.onPacket(seq, seq * 3000, 100, (now += 33));
    expect(s.extendedHighestSequence).toBe(65536 + 1);
    expect(s.cumulativeLost).toBe(1);
    const rb = s.reportBlock(now)!;
    expect(rb.packetsLost).toBe(1);
    expect(rb.fractionLost).toBe(Math.floor((1 << 8) / 8));
    s.onSenderReport(0x12345678, now);
    expect(s.reportBlock(now + 1000)!.delaySinceLastSenderReport).toBe(65536);
  });
  it('ntp helpers', () => {
    const [sec, frac] = ntpTime(Date.UTC(2026, 0, 1) + 500);
    expect(frac).toBe(0x80000000);
    expect(ntpMiddle32(sec, frac)).toBe((((sec & 0xffff) << 16) | 0x8000) >>> 0);
  });
});

describe('TwccRecorder', () => {
  it('reports arrivals and losses since the last feedback, across a wrap', async () => {
    const { TwccRecorder } = await import('../../../src/interceptor/twcc-recorder.js');
    const r = new TwccRecorder();
    expect(r.feedback(1)).toEqual([]);
    r.record(65534, 9, 1000);
    r.record(0, 9, 1010); // 65535 lost
    const [fb] = r.feedback(1) as [TransportCcFeedback];
    expect(fb.baseSequenceNumber).toBe(65534);
    expect(fb.mediaSsrc).toBe(9);
    const results = fb.packetResults();
    expect(results.map((x) => x.sequenceNumber)).toEqual([65534, 65535, 0]);
    expect(results[1]!.arrivalTimeUs).toBeUndefined();
    expect(results[2]!.arrivalTimeUs! - results[0]!.arrivalTimeUs!).toBe(10_000);
    r.record(65535, 9, 1020); // late: already reported as lost
    r.record(1, 9, 1030);
    const [next] = r.feedback(1) as [TransportCcFeedback];
    expect(next.baseSequenceNumber).toBe(1);
    expect(next.feedbackPacketCount).toBe(1);
  });
});

describe('SenderStats reception reports (remote-inbound-rtp)', () => {
  const block = { ssrc: 5, fractionLost: 64, packetsLost: 3, highestSequence: 100, jitter: 900, lastSenderReport: 0, delaySinceLastSenderReport: 0 };

  it('keeps loss and jitter, and measures no round trip before a report refers to one of our SRs', () => {
    const s = new SenderStats(5, 90000);
    s.onReceptionReport(block, 1_700_000_000_000);
    expect(s.remote).toMatchObject({ fractionLost: 0.25, packetsLost: 3, jitter: 900, reportsReceived: 1, roundTripTime: undefined, roundTripTimeMeasurements: 0 });
  });

  it('round trip = arrival − LSR − DLSR (RFC 3550 §6.4.1)', () => {
    const s = new SenderStats(5, 90000);
    const srSentAt = 1_700_000_000_000;
    const lsr = ntpMiddle32(...ntpTime(srSentAt));
    // The remote held our SR for 250 ms; its report arrives 330 ms after we sent the SR: 80 ms of network.
    s.onReceptionReport({ ...block, lastSenderReport: lsr, delaySinceLastSenderReport: 0.25 * 65536 }, srSentAt + 330);
    expect(s.remote!.roundTripTime).toBeCloseTo(0.08, 3);
    s.onReceptionReport({ ...block, lastSenderReport: lsr, delaySinceLastSenderReport: 0.25 * 65536 }, srSentAt + 350);
    expect(s.remote!.roundTripTimeMeasurements).toBe(2);
    expect(s.remote!.totalRoundTripTime).toBeCloseTo(0.18, 3);
    // A DLSR longer than the elapsed time (clock step) measures nothing.
    s.onReceptionReport({ ...block, lastSenderReport: lsr, delaySinceLastSenderReport: 2 * 65536 }, srSentAt + 350);
    expect(s.remote!.roundTripTimeMeasurements).toBe(2);
  });
});
