import { describe, expect, it } from 'vitest';
import { RtcpPacketConverter, RtcpTransportLayerFeedback, TransportWideCC } from 'werift-rtp';
import { RtcpDecodeError } from '../../../src/rtcp/errors.js';
import { FullIntraRequest, GenericNack, PictureLossIndication, ReceiverEstimatedMaxBitrate } from '../../../src/rtcp/feedback.js';
import { RawRtcpPacket } from '../../../src/rtcp/raw-packet.js';
import { ReceiverReport, SenderReport } from '../../../src/rtcp/reports.js';
import { parseRtcp, serializeRtcp, type RtcpPacket } from '../../../src/rtcp/rtcp-packet.js';
import { ApplicationDefined, Goodbye, SdesItemType, SourceDescription } from '../../../src/rtcp/sdes-bye-app.js';
import { TransportCcFeedback, TwccStatus } from '../../../src/rtcp/transport-cc.js';

const block = {
  ssrc: 0x1234,
  fractionLost: 25,
  packetsLost: -3,
  highestSequence: 0x1ffff,
  jitter: 77,
  lastSenderReport: 0xabcdef01,
  delaySinceLastSenderReport: 65536,
};

function roundTrip(packets: RtcpPacket[]): RtcpPacket[] {
  const wire = serializeRtcp(packets);
  expect(wire.length % 4).toBe(0);
  const back = parseRtcp(wire);
  expect(serializeRtcp(back)).toEqual(wire);
  return back;
}

describe('RTCP packets', () => {
  it('round-trips a compound SR + RR + SDES + BYE + APP', () => {
    const back = roundTrip([
      new SenderReport({ ssrc: 1, ntpTimestamp: 0xe1234567_89abcdefn, rtpTimestamp: 90000, packetCount: 10, octetCount: 12000, reports: [block] }),
      new ReceiverReport({ ssrc: 2, reports: [block, { ...block, ssrc: 5 }] }),
      new SourceDescription([
        { source: 1, items: [{ type: SdesItemType.Cname, text: 'user@host' }, { type: SdesItemType.Tool, text: 'tern' }] },
        { source: 2, items: [{ type: SdesItemType.Cname, text: 'abc' }] },
      ]),
      new Goodbye([1, 2], 'bye now'),
      new ApplicationDefined({ subtype: 3, ssrc: 9, name: 'TERN', data: Buffer.from([1, 2, 3, 4]) }),
    ]);
    const [sr, rr, sdes, bye, app] = back as [SenderReport, ReceiverReport, SourceDescription, Goodbye, ApplicationDefined];
    expect(sr.kind).toBe('sr');
    expect(sr.ntpTimestamp).toBe(0xe1234567_89abcdefn);
    expect(sr.compactNtp).toBe(0x456789ab);
    expect(sr.reports[0]).toEqual(block);
    expect(rr.reports.map((r) => r.ssrc)).toEqual([0x1234, 5]);
    expect(sdes.chunks[0]!.items[1]).toEqual({ type: SdesItemType.Tool, text: 'tern' });
    expect(bye.sources).toEqual([1, 2]);
    expect(bye.reason).toBe('bye now');
    expect(app).toMatchObject({ subtype: 3, ssrc: 9, name: 'TERN' });
  });

  it('round-trips reduced-size feedback (RFC 5506): NACK, PLI, FIR, REMB', () => {
    const back = roundTrip([
      GenericNack.fromLostSequenceNumbers(1, 2, [65534, 3, 65535, 0, 20, 100]),
      new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }),
      new FullIntraRequest({ senderSsrc: 1, entries: [{ ssrc: 2, sequenceNumber: 7 }, { ssrc: 3, sequenceNumber: 255 }] }),
      new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, bitrate: 2_500_000, ssrcs: [2, 3] }),
    ]);
    const nack = back[0] as GenericNack;
    expect(nack.lostSequenceNumbers()).toEqual([65534, 65535, 0, 3, 20, 100]);
    expect(nack.pairs.length).toBe(3);
    expect(back[1]).toMatchObject({ kind: 'pli', senderSsrc: 1, mediaSsrc: 2 });
    expect((back[2] as FullIntraRequest).entries).toEqual([{ ssrc: 2, sequenceNumber: 7 }, { ssrc: 3, sequenceNumber: 255 }]);
    const remb = back[3] as ReceiverEstimatedMaxBitrate;
    expect(remb.ssrcs).toEqual([2, 3]);
    expect(remb.bitrate).toBeLessThanOrEqual(2_500_000);
    expect(remb.bitrate).toBeGreaterThan(2_490_000);
  });

  it('keeps unknown types and formats raw and parses what follows', () => {
    const xr = new RawRtcpPacket(207, 0, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const afb = new RawRtcpPacket(206, 15, Buffer.from('00000001000000004142434400000000', 'hex'));
    const back = roundTrip([xr, afb, new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 })]);
    expect(back.map((p) => p.kind)).toEqual(['raw', 'raw', 'pli']);
  });

  it('strips padding', () => {
    const wire = Buffer.from(serializeRtcp([new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 })]));
    const padded = Buffer.concat([wire, Buffer.from([0, 0, 0, 4])]);
    padded[0] = padded[0]! | 0x20;
    padded.writeUInt16BE(3, 2);
    expect(parseRtcp(padded)[0]).toMatchObject({ kind: 'pli', mediaSsrc: 2 });
  });

  it('rejects malformed input with RtcpDecodeError', () => {
    for (const bad of ['80', '40c90001', '80c90005 00000001', '81c80000', 'a0ce0002 00000001 00000000', '80cd0002 00000001 00000002 0000']) {
      expect(() => parseRtcp(Buffer.from(bad.replace(/\s/g, ''), 'hex')), bad).toThrow(RtcpDecodeError);
    }
  });
});

describe('transport-wide CC feedback', () => {
  it('encodes run-length and both status-vector chunks and reconstructs arrivals', () => {
    const arrivals: (number | undefined)[] = [];
    let t = 1_000_000;
    for (let i = 0; i < 40; i++) arrivals.push((t += 1000)); // run of small deltas
    for (let i = 0; i < 5; i++) arrivals.push(i % 2 ? undefined : (t += 500)); // 1-bit vector
    arrivals.push((t += 100_000)); // large delta -> 2-bit vector
    arrivals.push((t -= 2_000)); // negative delta
    for (let i = 0; i < 20; i++) arrivals.push(undefined); // run of losses
    arrivals.push((t += 250));
    const fb = TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65500, feedbackPacketCount: 9, arrivals });
    expect(fb.statuses.filter((s) => s === TwccStatus.LargeDelta).length).toBe(2);
    const back = roundTrip([fb])[0] as TransportCcFeedback;
    expect(back.statuses).toEqual(fb.statuses);
    expect(back.deltas).toEqual(fb.deltas);
    const results = back.packetResults();
    expect(results.length).toBe(arrivals.length);
    expect(results[0]!.sequenceNumber).toBe(65500);
    expect(results[40]!.sequenceNumber).toBe((65500 + 40) & 0xffff);
    results.forEach((r, i) => {
      const a = arrivals[i];
      if (a === undefined) expect(r.arrivalTimeUs).toBeUndefined();
      else expect(Math.abs(r.arrivalTimeUs! - a)).toBeLessThanOrEqual(125);
    });
  });

  it('interoperates with werift-rtp in both directions', () => {
    const arrivals = [1000, 2000, undefined, 5000, 400_000, 399_000, undefined, undefined, 399_250].map((x) =>
      x === undefined ? undefined : 64_000_000 + x,
    );
    const fb = TransportCcFeedback.fromArrivals({ senderSsrc: 11, mediaSsrc: 22, baseSequenceNumber: 100, feedbackPacketCount: 3, arrivals });
    const wire = serializeRtcp([fb]);
    const [w] = RtcpPacketConverter.deSerialize(wire) as [RtcpTransportLayerFeedback];
    const wfb = w.feedback as TransportWideCC;
    expect(wfb.baseSequenceNumber).toBe(100);
    expect(wfb.packetStatusCount).toBe(arrivals.length);
    // werift's packetResults only walks run-length chunks; compare its decoded deltas instead.
    expect(wfb.recvDeltas.map((d) => d.delta)).toEqual(fb.deltas.map((d) => d * 250));
    const ours = parseRtcp(w.serialize())[0] as TransportCcFeedback;
    expect(ours.statuses).toEqual(fb.statuses);
    expect(ours.deltas).toEqual(fb.deltas);
  });

  it('werift parses our NACK, REMB and SR', () => {
    // One packet per datagram: werift hands feedback parsers the rest of a compound packet.
    type Parsed = Array<{ type: number; feedback?: { lost?: number[]; bitrate?: bigint }; senderInfo?: { packetCount: number } }>;
    const one = (p: RtcpPacket): Parsed => RtcpPacketConverter.deSerialize(serializeRtcp([p])) as unknown as Parsed;
    const sr = one(new SenderReport({ ssrc: 1, ntpTimestamp: 5n << 32n, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [block] }));
    expect(sr[0]!.type).toBe(200);
    expect(sr[0]!.senderInfo!.packetCount).toBe(4);
    expect(one(GenericNack.fromLostSequenceNumbers(1, 2, [10, 12, 30]))[0]!.feedback!.lost).toEqual([10, 12, 30]);
    expect(Number(one(new ReceiverEstimatedMaxBitrate({ senderSsrc: 1, bitrate: 1_000_000, ssrcs: [2] }))[0]!.feedback!.bitrate)).toBe(1_000_000);
  });
});
