import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { getLogger } from '../../../src/common/log.js';
import { SeededRng } from '../../../src/common/rng.js';
import { parseRtcp, type RtcpPacket } from '../../../src/rtcp/index.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import type { RtpCodecParameters } from '../../../src/peerconnection/codec.js';
import { HeaderExtensionUri } from '../../../src/peerconnection/media-engine.js';
import type { MediaPipe } from '../../../src/peerconnection/media-pipe.js';
import { MediaRouter } from '../../../src/peerconnection/media-router.js';
import { DEFAULT_NACK_INTERVAL_MS, DEFAULT_REPORT_INTERVAL_MS, RtcpScheduler } from '../../../src/peerconnection/rtcp-scheduler.js';
import { RTCRtpReceiver } from '../../../src/peerconnection/rtp-receiver.js';
import { RTCRtpSender } from '../../../src/peerconnection/rtp-sender.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import { RTCRtpTransceiver } from '../../../src/peerconnection/transceiver.js';

const VP8: RtpCodecParameters = { mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: [{ type: 'nack' }] };
const LOCAL_SSRC = 999;

function world(): { clock: FakeClock; scheduler: RtcpScheduler; router: MediaRouter; sent: RtcpPacket[][]; t: RTCRtpTransceiver; pipe: MediaPipe } {
  const clock = new FakeClock({ wallBaseMs: 1_700_000_000_000 });
  const sender = new RTCRtpSender({ kind: 'video', track: null, ssrc: 4242, rtxSsrc: 4343, cname: 'c', initialSequenceNumber: 0, initialTimestamp: 0 });
  const t = new RTCRtpTransceiver({ kind: 'video', direction: 'sendrecv', sender, receiver: new RTCRtpReceiver('video'), onDirectionChange: () => undefined });
  t.mid = '0';
  t.negotiatedCodecs = [VP8];
  t.negotiatedExtensions = [{ id: 3, uri: HeaderExtensionUri.TransportWideCc }];
  t.setCurrentDirection('sendrecv');
  const router = new MediaRouter({
    log: getLogger('pc'),
    rng: new SeededRng(2),
    transceivers: () => [t],
    signalled: (ssrc) => (ssrc === 77 ? { mid: '0', ssrc: 77 } : undefined),
    now: () => clock.now(),
    wallMs: () => clock.wallMs(),
    onTrack: () => undefined,
  });
  const sent: RtcpPacket[][] = [];
  const pipe: MediaPipe = {
    writeRtp: () => true,
    writeRtcp: (p) => (sent.push(parseRtcp(p)), true),
    now: () => clock.now(),
    wallMs: () => clock.wallMs(),
  };
  const scheduler = new RtcpScheduler({ clock, rng: new SeededRng(3), cname: 'cname-x', localSsrc: LOCAL_SSRC, senders: () => [sender], router }, pipe);
  return { clock, scheduler, router, sent, t, pipe };
}

function rtp(seq: number, twcc?: number): Buffer {
  const p = new RtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 77 }, Buffer.from([0x10, 0]));
  if (twcc !== undefined) p.header.setExtension(3, Buffer.from([twcc >> 8, twcc & 0xff]));
  return p.serialize();
}

describe('RtcpScheduler', () => {
  it('NACKs receive gaps every interval with transport-cc feedback, from the local SSRC while not sending', async () => {
    const { clock, scheduler, router, sent } = world();
    scheduler.start();
    for (const s of [1, 2, 5, 6]) router.handleRtp(rtp(s, s));
    await clock.advance(DEFAULT_NACK_INTERVAL_MS);
    const kinds = sent.flat().map((p) => p.kind);
    expect(kinds).toContain('nack');
    expect(kinds).toContain('twcc');
    const nack = sent.flat().find((p) => p.kind === 'nack');
    expect(nack && nack.kind === 'nack' ? [nack.senderSsrc, nack.mediaSsrc, nack.lostSequenceNumbers()] : undefined).toEqual([LOCAL_SSRC, 77, [3, 4]]);
    expect(scheduler.nacksSent).toBeGreaterThan(0);
    scheduler.stop();
  });

  it('sends a receiver report with SDES while receiving only, and sender reports once sending', async () => {
    const { clock, scheduler, router, sent, t, pipe } = world();
    scheduler.start();
    for (let s = 1; s <= 10; s++) router.handleRtp(rtp(s));
    await clock.advance(DEFAULT_REPORT_INTERVAL_MS * 1.5 + 1);
    const rr = sent.flat().find((p) => p.kind === 'rr');
    expect(rr && rr.kind === 'rr' ? [rr.ssrc, rr.reports[0]?.ssrc] : undefined).toEqual([LOCAL_SSRC, 77]);
    expect(sent.flat().some((p) => p.kind === 'sdes')).toBe(true);
    // Now send: the next report is an SR from the sender's SSRC carrying the reception block.
    t.sender.configure(VP8, undefined);
    t.sender.setPipe(pipe);
    const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
    void t.sender.replaceTrack(track);
    track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.from([0x10, 0, 0])));
    sent.length = 0;
    scheduler.sendReports();
    const sr = sent.flat().find((p) => p.kind === 'sr');
    expect(sr && sr.kind === 'sr' ? [sr.ssrc, sr.packetCount, sr.reports.length] : undefined).toEqual([4242, 1, 1]);
    expect(scheduler.reportsSent).toBeGreaterThanOrEqual(2);
    scheduler.stop();
  });

  it('sends nothing when there is nothing to report, a PLI on request, and no timers after stop', async () => {
    const { clock, scheduler, sent } = world();
    scheduler.start();
    await clock.advance(DEFAULT_REPORT_INTERVAL_MS * 2);
    expect(sent).toHaveLength(0);
    expect(scheduler.requestKeyFrame(77)).toBe(true);
    expect(sent.flat()[0]).toMatchObject({ kind: 'pli', mediaSsrc: 77, senderSsrc: LOCAL_SSRC });
    scheduler.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
