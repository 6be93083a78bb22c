import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCTrackEvent } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP, TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { loopbackSettingEngine, negotiate as negotiateOnce, trickle, waitFor } from '../../support/pc.js';

async function negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection): Promise<void> {
  offerer.onicecandidate = (e) => void answerer.addIceCandidate(e.candidate).catch(() => undefined);
  answerer.onicecandidate = (e) => void offerer.addIceCandidate(e.candidate).catch(() => undefined);
  await offerer.setLocalDescription(await offerer.createOffer());
  await answerer.setRemoteDescription(offerer.localDescription!);
  await answerer.setLocalDescription(await answerer.createAnswer());
  await offerer.setRemoteDescription(answerer.localDescription!);
}

describe('tern ↔ tern peer connection on 127.0.0.1', () => {
  const pcs: RTCPeerConnection[] = [];
  afterEach(() => {
    for (const pc of pcs.splice(0)) pc.close();
  });

  it('connects and carries audio and video both ways', async () => {
    const a = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const b = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    pcs.push(a, b);
    const aVideo = new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'a-video', 'a-stream');
    const aAudio = new TrackLocalStaticSample({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, 'a-audio', 'a-stream');
    const bVideo = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'b-video', 'b-stream');
    a.addTrack(aVideo);
    a.addTrack(aAudio);
    b.addTrack(bVideo);
    const aTracks: RTCTrackEvent[] = [];
    const bTracks: RTCTrackEvent[] = [];
    a.ontrack = (e) => aTracks.push(e);
    b.ontrack = (e) => bTracks.push(e);
    await negotiate(a, b);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');

    const frame = Buffer.alloc(3000, 1);
    for (let i = 0; i < 10; i++) {
      aVideo.writeSample({ data: frame, durationMs: 33 });
      aAudio.writeSample({ data: Buffer.alloc(100, 2), durationMs: 20 });
      bVideo.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, 1, 2, 3])));
    }
    await waitFor(() => bTracks.length === 2 && aTracks.length === 1);
    const video = bTracks.find((e) => e.track.kind === 'video')!;
    expect(video.track.id).toBe('a-video');
    expect(video.track.streamId).toBe('a-stream');
    expect(video.track.codec.mimeType.toLowerCase()).toBe('video/vp8');
    const first = await video.track.readRTP();
    expect(first.payload.length).toBeGreaterThan(0);
    expect(aTracks[0]!.track.id).toBe('b-video');
    const stats = await b.getStats();
    const types = new Set([...stats.values()].map((s) => s.type));
    for (const t of ['inbound-rtp', 'outbound-rtp', 'candidate-pair', 'local-candidate', 'remote-candidate', 'transport', 'certificate']) {
      expect(types.has(t as never)).toBe(true);
    }
  });
});

describe('tern ↔ tern with SRTP on worker threads (SettingEngine.setSRTPWorkers)', () => {
  it('carries RTP and RTCP both ways, and closing both peers stops the workers', async () => {
    const settings = loopbackSettingEngine();
    settings.setSRTPWorkers(1);
    const a = new RTCPeerConnection({}, { settingEngine: settings });
    const b = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() }); // inline: the two must interoperate
    try {
      const aVideo = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'a-video', 'a');
      const bVideo = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'b-video', 'b');
      const aSender = a.addTrack(aVideo);
      b.addTrack(bVideo);
      const got = { a: 0, b: 0 };
      a.ontrack = (e) => e.track.onRtp(() => got.a++);
      b.ontrack = (e) => e.track.onRtp(() => got.b++);
      trickle(a, b);
      await negotiateOnce(a, b);
      await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
      expect(settings.srtpWorkerPool()!.workerCount).toBe(1);
      for (let i = 0; i < 200; i++) {
        const packet = new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, 1, 2, 3]));
        aVideo.writeRTP(packet);
        bVideo.writeRTP(packet);
      }
      await waitFor(() => got.a === 200 && got.b === 200);
      // RTCP through the worker both ways: b's receiver reports reach a's sender.
      const rtcp = await aSender.readRTCP();
      expect(rtcp.some((p) => (p.kind === 'rr' || p.kind === 'sr') && p.reports.some((r) => r.ssrc === aSender.ssrc))).toBe(true);
      const stats = [...(await a.getStats()).values()];
      expect(stats.find((s) => s.type === 'outbound-rtp')).toMatchObject({ packetsSent: 200, remoteId: `RI-${aSender.ssrc}` });
      expect(stats.find((s) => s.type === 'remote-inbound-rtp')).toMatchObject({ ssrc: aSender.ssrc, localId: `OT-${aSender.ssrc}`, packetsLost: 0 });
      expect(stats.find((s) => s.type === 'inbound-rtp')).toMatchObject({ packetsReceived: 200 });
    } finally {
      a.close();
      b.close();
    }
    expect(settings.srtpWorkerPool()!.workerCount).toBe(0);
  });
});
