/**
 * Two tern-rtc peer connections in one process: one sends a VP8 track, the
 * other receives it through `ontrack` and reads RTP from it.
 *   npx tsx examples/two-peers/main.ts
 */
import { RTCPeerConnection, SettingEngine, TrackLocalStaticSample } from '../../src/index.js';

const settings = new SettingEngine();
settings.setIncludeLoopbackCandidate(true);
settings.setInterfaceFilter((name) => name === 'lo');

const sender = new RTCPeerConnection({}, { settingEngine: settings });
const receiver = new RTCPeerConnection({}, { settingEngine: settings });
sender.onicecandidate = ({ candidate }) => void receiver.addIceCandidate(candidate).catch(() => undefined);
receiver.onicecandidate = ({ candidate }) => void sender.addIceCandidate(candidate).catch(() => undefined);

const video = new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'camera', 'stream');
sender.addTrack(video);

receiver.ontrack = async ({ track }) => {
  console.log(`ontrack: ${track.kind} ${track.codec.mimeType} ssrc=${track.ssrc}`);
  for (let i = 0; i < 5; i++) {
    const packet = await track.readRTP();
    console.log(`  rtp seq=${packet.header.sequenceNumber} ts=${packet.header.timestamp} ${packet.payload.length} bytes`);
  }
  sender.close();
  receiver.close();
  clearInterval(timer);
};

await sender.setLocalDescription(await sender.createOffer());
await receiver.setRemoteDescription(sender.localDescription!);
await receiver.setLocalDescription(await receiver.createAnswer());
await sender.setRemoteDescription(receiver.localDescription!);

// A made-up VP8 "frame" every 33 ms (a real application writes encoder output here).
const frame = Buffer.alloc(2000, 0x42);
frame[0] = 0x10;
const timer = setInterval(() => video.writeSample({ data: frame, durationMs: 33 }), 33);
sender.connectionState$.subscribe((s) => console.log(`sender: ${s}`));
