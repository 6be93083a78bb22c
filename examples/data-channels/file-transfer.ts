/**
 * `npx tsx examples/data-channels/file-transfer.ts <file> [out]`: sends a file
 * between two tern-rtc peer connections in this process over a data channel,
 * with `pipeline(fs.createReadStream(file), channel.stream())` on one side and
 * `pipeline(channel.stream(), fs.createWriteStream(out))` on the other. The
 * stream's backpressure keeps at most about 1 MiB queued, whatever the file size.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { RTCPeerConnection, SettingEngine, type RTCDataChannel } from '../../src/index.js';

const file = process.argv[2];
const out = process.argv[3] ?? `${file}.received`;
if (!file) {
  console.error('usage: file-transfer.ts <file> [out]');
  process.exit(2);
}

function loopback(): SettingEngine {
  const s = new SettingEngine();
  s.setIncludeLoopbackCandidate(true);
  s.setInterfaceFilter((n) => n === 'lo');
  return s;
}

const sender = new RTCPeerConnection({}, { settingEngine: loopback() });
const receiver = new RTCPeerConnection({}, { settingEngine: loopback() });
sender.onicecandidate = (e) => void receiver.addIceCandidate(e.candidate).catch(() => undefined);
receiver.onicecandidate = (e) => void sender.addIceCandidate(e.candidate).catch(() => undefined);

const channel = sender.createDataChannel('file', { protocol: 'file-transfer' });
const incoming = new Promise<RTCDataChannel>((resolve) => (receiver.ondatachannel = (e) => resolve(e.channel)));
await sender.setLocalDescription(await sender.createOffer());
await receiver.setRemoteDescription(sender.localDescription!);
await receiver.setLocalDescription(await receiver.createAnswer());
await sender.setRemoteDescription(receiver.localDescription!);
const remote = await incoming;

const size = statSync(file).size;
const started = performance.now();
const hashIn = createHash('sha256');
const hashOut = createHash('sha256');
const tap = (hash: ReturnType<typeof createHash>): PassThrough =>
  new PassThrough({ transform: (chunk: Buffer, _e, cb) => (hash.update(chunk), cb(null, chunk)) });
await Promise.all([
  pipeline(createReadStream(file), tap(hashIn), channel.stream()),
  pipeline(remote.stream(), tap(hashOut), createWriteStream(out)),
]);
const seconds = (performance.now() - started) / 1000;
const a = hashIn.digest('hex');
const b = hashOut.digest('hex');
console.log(`${size} bytes in ${seconds.toFixed(2)} s (${((size * 8) / seconds / 1e6).toFixed(1)} Mbit/s), sha256 ${b} ${a === b ? 'matches' : 'DIFFERS'}`);
sender.close();
receiver.close();
process.exit(a === b ? 0 : 1);
