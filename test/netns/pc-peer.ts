/**
 * RTCPeerConnections run as a child process inside a network namespace by
 * the netns peer-connection tests. One process serves several calls, one
 * after the other, so a test pays the start-up once per side. Signalling
 * goes through the parent as JSON lines on stdin/stdout:
 *
 *   in:  {type:'start', id, offerer, config, tlsCa?, timeouts?}   new call
 *        {type:'sdp', id, sdp:{type,sdp}} | {type:'candidate', id, candidate}
 *        {type:'stats', id} | {type:'close', id} | {type:'exit'}
 *   out: {type:'sdp'|'candidate'|'state'|'media'|'stats'|'closed'|'error', id, ...}
 *
 * Each call sends one video track (an RTP packet every 20 ms) and counts what
 * arrives on the remote track: media both ways.
 */
import { createInterface } from 'node:readline';
import { RTCPeerConnection } from '../../src/peerconnection/peer-connection.js';
import { SettingEngine } from '../../src/peerconnection/setting-engine.js';
import { TrackLocalStaticRTP } from '../../src/peerconnection/track-local.js';
import type { RTCConfiguration } from '../../src/peerconnection/types.js';
import { RtpPacket } from '../../src/rtp/rtp-packet.js';

type Msg = { type: string; id?: number; [k: string]: unknown };

function out(message: Msg): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

interface Call {
  pc: RTCPeerConnection;
  timer: NodeJS.Timeout;
  received: number;
}

const calls = new Map<number, Call>();

async function start(msg: Msg): Promise<void> {
  const id = msg.id!;
  const s = new SettingEngine();
  s.setNetworkTypes(['udp4']);
  if (typeof msg['tlsCa'] === 'string') s.setTURNTLSConfig({ ca: msg['tlsCa'] });
  const t = msg['timeouts'] as [number, number, number] | undefined;
  if (t) s.setICETimeouts(t[0], t[1], t[2]);
  const pc = new RTCPeerConnection(msg['config'] as RTCConfiguration, { settingEngine: s });
  const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, `v${id}`, `s${id}`);
  pc.addTrack(track);
  let seq = 0;
  const call: Call = {
    pc,
    received: 0,
    timer: setInterval(() => {
      track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: seq * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, 0, 0, seq & 0xff])));
      seq++;
    }, 20),
  };
  calls.set(id, call);
  pc.onicecandidate = (e) => out({ type: 'candidate', id, candidate: e.candidate });
  pc.onconnectionstatechange = (state) => out({ type: 'state', id, state, at: Date.now() });
  pc.ontrack = ({ track: remote }) =>
    remote.onRtp(() => {
      call.received++;
      if (call.received === 25) out({ type: 'media', id, received: call.received });
    });
  if (msg['offerer'] === true) {
    await pc.setLocalDescription(await pc.createOffer());
    out({ type: 'sdp', id, sdp: pc.localDescription });
  }
}

async function onSdp(call: Call, id: number, sdp: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
  await call.pc.setRemoteDescription(sdp);
  if (sdp.type === 'offer') {
    await call.pc.setLocalDescription(await call.pc.createAnswer());
    out({ type: 'sdp', id, sdp: call.pc.localDescription });
  }
}

async function stats(call: Call, id: number): Promise<void> {
  const report = [...(await call.pc.getStats()).values()];
  const transport = report.find((r) => r.type === 'transport');
  const pair = report.find((r) => r.id === transport?.['selectedCandidatePairId']);
  const local = report.find((r) => r.id === pair?.['localCandidateId']);
  const remote = report.find((r) => r.id === pair?.['remoteCandidateId']);
  const outbound = report.find((r) => r.type === 'outbound-rtp');
  out({
    type: 'stats',
    id,
    local: local?.['candidateType'],
    remote: remote?.['candidateType'],
    packetsSent: outbound?.['packetsSent'] ?? 0,
    received: call.received,
    iceBytesSent: call.pc.iceAgent.bytesSent,
    locals: call.pc.iceAgent.getLocalCandidates().map((c) => c.type),
  });
}

function close(id: number): void {
  const call = calls.get(id);
  if (!call) return;
  calls.delete(id);
  clearInterval(call.timer);
  call.pc.close();
  // Let the relays' Refresh (LIFETIME 0) go out.
  setTimeout(() => out({ type: 'closed', id }), 300);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  let msg: Msg;
  try {
    msg = JSON.parse(line) as Msg;
  } catch {
    return;
  }
  const id = msg.id ?? -1;
  const call = calls.get(id);
  const fail = (err: unknown): void => out({ type: 'error', id, message: (err as Error).message });
  try {
    if (msg.type === 'start') void start(msg).catch(fail);
    else if (msg.type === 'sdp' && call) void onSdp(call, id, msg['sdp'] as { type: 'offer' | 'answer'; sdp: string }).catch(fail);
    else if (msg.type === 'candidate' && call) void call.pc.addIceCandidate(msg['candidate'] as null).catch(fail);
    else if (msg.type === 'stats' && call) void stats(call, id).catch(fail);
    else if (msg.type === 'close') close(id);
    else if (msg.type === 'exit') {
      for (const k of [...calls.keys()]) close(k);
      setTimeout(() => process.exit(0), 400);
    }
  } catch (err) {
    fail(err);
  }
});
process.stdin.on('end', () => process.exit(0));
