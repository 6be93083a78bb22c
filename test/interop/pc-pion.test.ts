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

describe.skipIf(!pionAvailable())('Pion offerer sending from the start: no packet lost at the DTLS to SRTP hand-over', () => {
  let binary = '';
  beforeAll(() => {
    binary = pionBinary('pc-peer');
  }, 300_000);

  it('over 20 calls, every packet Pion sent after the handshake is received', async () => {
    const CALLS = 20;
    const STREAM = 60;
    const missingPerCall: number[] = [];
    for (let call = 0; call < CALLS; call++) {
      const pion = new GoPeer(binary, ['-role', 'offer', '-stream', String(STREAM), '-timeout', '20s']);
      const tern = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
      try {
        const seen = new Set<number>();
        tern.ontrack = ({ track: t }) => {
          if (t.kind === 'video') t.onRtp((p) => seen.add(p.header.sequenceNumber));
        };
        const offer = await pion.next('offer');
        await tern.setRemoteDescription({ type: 'offer', sdp: offer['sdp'] as string });
        await tern.setLocalDescription(await tern.createAnswer());
        await gathered(tern);
        pion.send({ type: 'answer', sdp: tern.localDescription!.sdp! });
        const streamed = await pion.next('streamed', 15_000);
        const first = streamed['first'] as number;
        const last = streamed['last'] as number;
        expect(streamed['sent']).toBe(STREAM);
        const expected = last - first + 1;
        await waitFor(() => {
          for (let s = first; s <= last; s++) if (!seen.has(s)) return false;
          return true;
        }, 3_000).catch(() => undefined);
        let missing = 0;
        for (let s = first; s <= last; s++) if (!seen.has(s)) missing++;
        expect(expected).toBeGreaterThanOrEqual(STREAM);
        expect(pion.messages.filter((m) => m.type === 'error')).toEqual([]);
        missingPerCall.push(missing);
      } finally {
        tern.close();
        await pion.close();
      }
    }
    expect(missingPerCall).toEqual(new Array<number>(CALLS).fill(0));
  }, 180_000);
});
