/**
 * A user's file, compiled against the installed tarball (test/package/pack.test.ts):
 * the three entry points with their types, and two peers exchanging RTP over
 * the virtual network.
 */
import { RTCPeerConnection, RtpPacket, SettingEngine, TrackLocalStaticRTP, systemClock, type RTCTrackEvent } from 'tern-rtc';
import { SfuServer, type SfuServerOptions } from 'tern-rtc/sfu-ws';
import { VirtualNetwork } from 'tern-rtc/vnet';

const options: SfuServerOptions | undefined = undefined;
void options;

const vnet = new VirtualNetwork({ clock: systemClock });
const router = vnet.addRouter({ lanCidr: '198.18.1.0/24', publicAddress: '198.18.0.1' });
function engine(address: string): SettingEngine {
  const s = new SettingEngine();
  s.setNet(vnet.addHost({ router, address }));
  s.setNetworkTypes(['udp4']);
  return s;
}
const a = new RTCPeerConnection({}, { settingEngine: engine('198.18.1.10') });
const b = new RTCPeerConnection({}, { settingEngine: engine('198.18.1.11') });
a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => undefined);
b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => undefined);
const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
a.addTrack(track);
const got = new Promise<number>((resolve) => {
  b.ontrack = (e: RTCTrackEvent) => e.track.onRtp((p) => resolve(p.header.sequenceNumber));
});
await a.setLocalDescription(await a.createOffer());
await b.setRemoteDescription(a.localDescription!);
await b.setLocalDescription(await b.createAnswer());
await a.setRemoteDescription(b.localDescription!);
const timer = setInterval(() => track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: 7, timestamp: 1, ssrc: 1, marker: true }, Buffer.from([0x10, 0, 0, 0]))), 50);
const timeout = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, state: [a.connectionState, b.connectionState] }));
  process.exit(1);
}, 20_000);
const seq = await got;
clearInterval(timer);
clearTimeout(timeout);
a.close();
b.close();
vnet.close();
console.log(JSON.stringify({ ok: true, seq, sfu: typeof SfuServer }));
