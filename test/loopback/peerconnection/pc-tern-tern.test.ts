import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCTrackEvent } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP, TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { loopbackSettingEngine, waitFor } from '../../support/pc.js';

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
