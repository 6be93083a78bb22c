import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { getLogger } from '../../../src/common/log.js';
import { SeededRng } from '../../../src/common/rng.js';
import { Attributes } from '../../../src/interceptor/attributes.js';
import { GccInterceptorFactory, type GccInterceptor } from '../../../src/interceptor/gcc/gcc-interceptor.js';
import type { BandwidthEstimate } from '../../../src/interceptor/gcc/gcc-core.js';
import type { StreamInfo } from '../../../src/interceptor/interceptor.js';
import { TRANSPORT_CC_URI } from '../../../src/interceptor/twcc-header-extension.js';
import { serializeRtcp, TransportCcFeedback } from '../../../src/rtcp/index.js';
import { RtpHeaderView } from '../../../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';

const info: StreamInfo = {
  id: 'pc',
  ssrc: 7,
  ssrcRetransmission: 0,
  payloadType: 96,
  mimeType: 'video/VP8',
  clockRate: 90000,
  channels: 0,
  sdpFmtpLine: '',
  rtpHeaderExtensions: [{ uri: TRANSPORT_CC_URI, id: 3 }],
  rtcpFeedback: [{ type: 'transport-cc' }],
  mid: '0',
  rid: undefined,
};

describe('GccInterceptor (driver, fake clock)', () => {
  it('stamps, paces on its one timer, reads transport-cc feedback and publishes estimates; close stops everything', async () => {
    const clock = new FakeClock();
    const factory = new GccInterceptorFactory({ initialBitrate: 400_000 });
    let est: GccInterceptor | undefined;
    factory.onNewPeerConnection((_id, e) => (est = e));
    const gcc = factory.newInterceptor({ id: 'pc', clock, rng: new SeededRng(5), log: getLogger('pc') }) as GccInterceptor;
    expect(est).toBe(gcc);
    const wire: { at: number; packet: Buffer }[] = [];
    const writer = gcc.bindLocalStream(info, { write: (packet) => (wire.push({ at: clock.now(), packet }), true) });
    const rtcp: Buffer[] = [];
    const reader = gcc.bindRTCPReader({ read: (p) => void rtcp.push(p) });
    const seen: BandwidthEstimate[] = [];
    const values: number[] = [];
    const sub = gcc.bandwidthEstimate$.subscribe((e) => values.push(e.targetBitrate));
    gcc.onBandwidthEstimate((e) => seen.push(e));

    // A 20-packet burst (24 kB): at 2.5 × 400 kbit/s it leaves over about 190 ms, not at once.
    for (let i = 0; i < 20; i++) writer.write(new RtpPacket({ payloadType: 96, sequenceNumber: i, ssrc: 7 }, Buffer.alloc(1188)).serialize(), new Attributes());
    expect(gcc.queuedPackets).toBeGreaterThan(10);
    await clock.advance(400);
    expect(wire).toHaveLength(20);
    expect(wire[19]!.at - wire[0]!.at).toBeGreaterThan(120);
    const seqs = wire.map((w) => new RtpHeaderView(w.packet).readExtensionUint(3)!);
    expect(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff))).toBe(true);

    // Feedback: everything arrived, evenly (no queue growth): the estimate may only rise or hold.
    const fb = TransportCcFeedback.fromArrivals({ senderSsrc: 1, mediaSsrc: 7, baseSequenceNumber: seqs[0]!, feedbackPacketCount: 0, arrivals: wire.map((w) => 5_000_000 + w.at * 1000) });
    reader.read(serializeRtcp([fb]), new Attributes());
    expect(rtcp).toHaveLength(1); // passed on to the application
    expect(gcc.estimate.rttMs).toBeDefined();
    expect(gcc.targetBitrate).toBeGreaterThanOrEqual(400_000);
    // Garbage RTCP is counted, not thrown.
    reader.read(Buffer.from([0x80, 205, 0, 9]), new Attributes());
    expect(gcc.drops.count('rtcp-decode')).toBe(1);

    for (let i = 0; i < 5; i++) writer.write(new RtpPacket({ payloadType: 96, sequenceNumber: 100 + i, ssrc: 7 }, Buffer.alloc(1188)).serialize(), new Attributes());
    gcc.close();
    expect(gcc.queuedPackets).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(seen.length).toBe(values.length - 1);
    expect(sub.closed).toBe(true);
  });
});
