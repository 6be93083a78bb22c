import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtcpDecodeError } from '../../src/rtcp/errors.js';
import { FullIntraRequest, GenericNack, PictureLossIndication, ReceiverEstimatedMaxBitrate } from '../../src/rtcp/feedback.js';
import { ReceiverReport, SenderReport } from '../../src/rtcp/reports.js';
import { parseRtcp, serializeRtcp } from '../../src/rtcp/rtcp-packet.js';
import { Goodbye, SourceDescription } from '../../src/rtcp/sdes-bye-app.js';
import { TransportCcFeedback } from '../../src/rtcp/transport-cc.js';

const block = { ssrc: 1, fractionLost: 2, packetsLost: 3, highestSequence: 4, jitter: 5, lastSenderReport: 6, delaySinceLastSenderReport: 7 };
const seed = serializeRtcp([
  new SenderReport({ ssrc: 1, ntpTimestamp: 123n, reports: [block] }),
  new ReceiverReport({ ssrc: 1, reports: [block] }),
  SourceDescription.cname(1, 'cname'),
  new Goodbye([1], 'x'),
  GenericNack.fromLostSequenceNumbers(1, 2, [1, 5, 9]),
  new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }),
  new FullIntraRequest({ senderSsrc: 1, entries: [{ ssrc: 2, sequenceNumber: 1 }] }),
  new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, bitrate: 1e6, ssrcs: [2] }),
  TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 1, feedbackPacketCount: 0, arrivals: [1000, undefined, 3000, 90_000] }),
]);

function onlyDecodeErrors(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RtcpDecodeError)) throw err;
  }
}

describe('RTCP parser under fuzzing', () => {
  it('throws only RtcpDecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyDecodeErrors(() => parseRtcp(bytes))),
      { numRuns: 3000 },
    );
  });

  it('throws only RtcpDecodeError on mutated valid compound packets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(seed.length),
        (edits, cut) => {
          const b = Buffer.from(seed.subarray(0, Math.max(4, cut)));
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          onlyDecodeErrors(() => {
            const packets = parseRtcp(b);
            for (const p of packets) if (p.kind === 'twcc') p.packetResults();
            serializeRtcp(packets);
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('round-trips NACK lost lists and TWCC arrivals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { maxLength: 60 }), (base, offsets) => {
        const lost = offsets.map((o) => (base + o) & 0xffff);
        const nack = parseRtcp(serializeRtcp([GenericNack.fromLostSequenceNumbers(1, 2, lost)]))[0] as GenericNack;
        const sorted = [...offsets].sort((a, b) => a - b).map((o) => (base + o) & 0xffff);
        expect(nack.lostSequenceNumbers()).toEqual(sorted);
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.option(fc.integer({ min: -20_000, max: 60_000 }), { nil: undefined }), { maxLength: 300 }),
        (base, gaps) => {
          let t = 10_000_000;
          const arrivals = gaps.map((g) => (g === undefined ? undefined : (t += g)));
          const fb = TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: base, feedbackPacketCount: 1, arrivals });
          const back = parseRtcp(serializeRtcp([fb]))[0] as TransportCcFeedback;
          expect(back.statuses).toEqual(fb.statuses);
          expect(back.deltas).toEqual(fb.deltas);
          back.packetResults().forEach((r, i) => {
            const a = arrivals[i];
            if (a === undefined) expect(r.arrivalTimeUs).toBeUndefined();
            else expect(Math.abs(r.arrivalTimeUs! - a)).toBeLessThanOrEqual(125);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
