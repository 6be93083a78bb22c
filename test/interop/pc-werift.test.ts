import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack, RTCPeerConnection as WeriftPeerConnection, RtpHeader as WeriftRtpHeader, RtpPacket as WeriftRtpPacket } from 'werift';
import { RTCPeerConnection } from '../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP } from '../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { loopbackSettingEngine, waitFor } from '../support/pc.js';

function weriftPeer(): WeriftPeerConnection {
  // Loopback only, no STUN server (werift's default would contact one).
  return new WeriftPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  });
}

describe('tern ↔ werift peer connection (RTP both ways)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  for (const ternOffers of [true, false]) {
    it(`${ternOffers ? 'tern' : 'werift'} offers`, async () => {
      const tern = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
      const werift = weriftPeer();
      cleanups.push(() => tern.close(), () => werift.close());
      tern.onicecandidate = (e) => {
        if (e.candidate) void werift.addIceCandidate({ candidate: e.candidate.candidate!, sdpMid: e.candidate.sdpMid ?? '0', sdpMLineIndex: 0 }).catch(() => undefined);
      };
      werift.onIceCandidate.subscribe((c) => {
        if (c) void tern.addIceCandidate(c.toJSON() as never).catch(() => undefined);
      });

      const ternTrack = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'tern-video', 'tern');
      const weriftTrack = new MediaStreamTrack({ kind: 'video' });
      let ternReceived = 0;
      let weriftReceived = 0;
      tern.ontrack = ({ track }) => track.onRtp(() => ternReceived++);
      werift.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => weriftReceived++));

      if (ternOffers) {
        tern.addTrack(ternTrack);
        await tern.setLocalDescription(await tern.createOffer());
        await werift.setRemoteDescription(tern.localDescription as never);
        werift.getTransceivers()[0]!.sender.replaceTrack(weriftTrack);
        werift.getTransceivers()[0]!.setDirection('sendrecv');
        await werift.setLocalDescription(await werift.createAnswer());
        await tern.setRemoteDescription(werift.localDescription as never);
      } else {
        werift.addTransceiver(weriftTrack, { direction: 'sendrecv' });
        await werift.setLocalDescription(await werift.createOffer());
        await tern.setRemoteDescription(werift.localDescription as never);
        const t = tern.getTransceivers()[0]!;
        await t.sender.replaceTrack(ternTrack);
        t.direction = 'sendrecv';
        await tern.setLocalDescription(await tern.createAnswer());
        await werift.setRemoteDescription(tern.localDescription as never);
      }
      await waitFor(() => tern.connectionState === 'connected' && werift.connectionState === 'connected');

      const COUNT = 100;
      for (let i = 0; i < COUNT; i++) {
        ternTrack.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, 2, 3, 4])));
        weriftTrack.writeRtp(new WeriftRtpPacket(new WeriftRtpHeader({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 2, marker: true }), Buffer.from([0x10, 5, 6, 7])));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
      }
      await waitFor(() => ternReceived >= COUNT * 0.95 && weriftReceived >= COUNT * 0.95);
      expect(ternReceived).toBeGreaterThanOrEqual(COUNT * 0.95);
      expect(weriftReceived).toBeGreaterThanOrEqual(COUNT * 0.95);
    }, 30_000);
  }
});
