import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from '../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP } from '../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { GoPeer } from '../support/go-peer.js';
import { pionAvailable, pionBinary } from '../support/pion.js';
import { loopbackSettingEngine, waitFor } from '../support/pc.js';

function gathered(pc: RTCPeerConnection): Promise<void> {
  return waitFor(() => pc.iceGatheringState === 'complete');
}

describe.skipIf(!pionAvailable())('tern ↔ Pion webrtc peer connection (RTP both ways)', () => {
  let binary = '';
  const cleanups: (() => unknown)[] = [];
  beforeAll(() => {
    binary = pionBinary('pc-peer');
  }, 300_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  for (const ternOffers of [true, false]) {
    it(`${ternOffers ? 'tern' : 'Pion'} offers`, async () => {
      const COUNT = 100;
      const pion = new GoPeer(binary, ['-role', ternOffers ? 'answer' : 'offer', '-count', String(COUNT)]);
      const tern = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
      cleanups.push(() => tern.close(), () => pion.close());
      const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'tern-video', 'tern');
      let received = 0;
      tern.ontrack = ({ track: t }) => t.onRtp(() => received++);
      if (ternOffers) {
        tern.addTrack(track);
        tern.addTransceiver('audio', { direction: 'recvonly' });
        await tern.setLocalDescription(await tern.createOffer());
        await gathered(tern);
        pion.send({ type: 'offer', sdp: tern.localDescription!.sdp! });
        const answer = await pion.next('answer');
        await tern.setRemoteDescription({ type: 'answer', sdp: answer['sdp'] as string });
      } else {
        const offer = await pion.next('offer');
        await tern.setRemoteDescription({ type: 'offer', sdp: offer['sdp'] as string });
        const video = tern.getTransceivers().find((t) => t.kind === 'video')!;
        await video.sender.replaceTrack(track);
        video.direction = 'sendrecv';
        await tern.setLocalDescription(await tern.createAnswer());
        await gathered(tern);
        pion.send({ type: 'answer', sdp: tern.localDescription!.sdp! });
      }
      await pion.next((m) => m.type === 'state' && m['state'] === 'connected', 15_000);
      await waitFor(() => tern.connectionState === 'connected');
      pion.send({ type: 'send' });
      for (let i = 0; i < COUNT; i++) {
        track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, 1, 2, 3])));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
      }
      await waitFor(() => received >= COUNT * 0.95);
      let pionReceived = 0;
      await waitFor(() => {
        pion.send({ type: 'stats' });
        const last = [...pion.messages].reverse().find((m) => m.type === 'stats');
        pionReceived = (last?.['received'] as number | undefined) ?? 0;
        return pionReceived >= COUNT * 0.95;
      });
      expect(received).toBeGreaterThanOrEqual(COUNT * 0.95);
      expect(pionReceived).toBeGreaterThanOrEqual(COUNT * 0.95);
    }, 60_000);
  }
});
