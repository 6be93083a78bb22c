/**
 * Receives a VP8 track and writes it to an IVF file (Pion's save-to-disk):
 * RTP payloads are depacketized, frames are cut at the marker bit.
 * The sender here is a second tern-rtc peer in the same process.
 *   npx tsx examples/save-to-ivf/main.ts [out.ivf]
 */
import { createWriteStream } from 'node:fs';
import { IvfWriter, RTCPeerConnection, SettingEngine, TrackLocalStaticSample, Vp8Depacketizer, type TrackRemote } from '../../src/index.js';

const outPath = process.argv[2] ?? 'output.ivf';
const FRAMES = 60;

export function saveVp8ToIvf(track: TrackRemote, writer: IvfWriter, onFrame: (n: number) => void): void {
  const depacketizer = new Vp8Depacketizer();
  let frame: Buffer[] = [];
  track.onRtp((packet) => {
    const { data } = depacketizer.depacketize(packet.payload);
    frame.push(data);
    if (packet.header.marker) {
      writer.writeFrame(Buffer.concat(frame), packet.header.timestamp);
      frame = [];
      onFrame(writer.framesWritten);
    }
  });
}

const settings = new SettingEngine();
settings.setIncludeLoopbackCandidate(true);
settings.setInterfaceFilter((name) => name === 'lo');
const sender = new RTCPeerConnection({}, { settingEngine: settings });
const receiver = new RTCPeerConnection({}, { settingEngine: settings });
sender.onicecandidate = ({ candidate }) => void receiver.addIceCandidate(candidate).catch(() => undefined);
receiver.onicecandidate = ({ candidate }) => void sender.addIceCandidate(candidate).catch(() => undefined);
const video = new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'camera', 'stream');
sender.addTrack(video);
const file = createWriteStream(outPath);
const writer = new IvfWriter((chunk) => file.write(chunk), { width: 320, height: 240 });

receiver.ontrack = ({ track }) => {
  saveVp8ToIvf(track, writer, (n) => {
    if (n < FRAMES) return;
    clearInterval(timer);
    sender.close();
    receiver.close();
    file.end(() => console.log(`wrote ${n} frames to ${outPath}`));
  });
};

await sender.setLocalDescription(await sender.createOffer());
await receiver.setRemoteDescription(sender.localDescription!);
await receiver.setLocalDescription(await receiver.createAnswer());
await sender.setRemoteDescription(receiver.localDescription!);
const frame = Buffer.alloc(3000, 0x42);
frame[0] = 0x10;
const timer = setInterval(() => video.writeSample({ data: frame, durationMs: 33 }), 33);
