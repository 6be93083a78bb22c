import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { SettingEngine } from '../../../src/peerconnection/setting-engine.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';
import type { Net } from '../../../src/transport/net.js';
import { waitFor } from '../../support/pc.js';

function engineOn(net: Net): SettingEngine {
  const s = new SettingEngine();
  s.setNet(net);
  s.setNetworkTypes(['udp4']);
  return s;
}

describe('peer connection over a lossy virtual network', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  it('recovers 5% loss in both directions with NACK retransmissions', async () => {
    // Real time, seeded loss: the virtual links drop 5% of datagrams each way.
    const vnet = new VirtualNetwork({ clock: systemClock, rng: new SeededRng(7) });
    cleanups.push(() => vnet.close());
    const left = vnet.addRouter({ lanCidr: '198.18.1.0/24', publicAddress: '198.18.0.1', impairment: { lossRate: 0.05, latencyMs: 5 } });
    const right = vnet.addRouter({ lanCidr: '198.18.2.0/24', publicAddress: '198.18.0.2', impairment: { lossRate: 0.05, latencyMs: 5 } });
    const a = new RTCPeerConnection({}, { settingEngine: engineOn(vnet.addHost({ router: left, address: '198.18.1.10' })) });
    const b = new RTCPeerConnection({}, { settingEngine: engineOn(vnet.addHost({ router: right, address: '198.18.2.10' })) });
    cleanups.push(() => a.close(), () => b.close());
    a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => undefined);
    b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => undefined);
    const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
    a.addTrack(track);
    const seen = new Set<number>();
    b.ontrack = ({ track: remote }) => remote.onRtp((p) => seen.add(p.header.sequenceNumber));
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');

    const TOTAL = 400;
    for (let i = 0; i < TOTAL; i++) {
      track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, i & 0xff, 0, 0])));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => seen.size >= TOTAL - 2, 10_000).catch(() => undefined);
    const stats = await a.getStats();
    const out = [...stats.values()].find((s) => s.type === 'outbound-rtp')!;
    // Without NACK about 5% (20) would be missing; retransmissions bring nearly all back.
    expect(out['nackCount'] as number).toBeGreaterThan(0);
    expect(out['retransmittedPacketsSent'] as number).toBeGreaterThan(5);
    expect(seen.size).toBeGreaterThanOrEqual(TOTAL - 2);
  }, 40_000);
});
