import WebSocket from 'ws';
import { RTCPeerConnection, RtpPacket, SettingEngine, TrackLocalStaticRTP, parseRtcp } from '../src/index.js';

/** The load client of bench/sfu.bench.ts: tern-rtc peers speaking sfu-ws signalling. */
export function loopbackEngine(): SettingEngine {
  const s = new SettingEngine();
  s.setIncludeLoopbackCandidate(true);
  s.setInterfaceFilter((name) => name === 'lo');
  s.setIPFilter((ip) => ip === '127.0.0.1');
  s.setNetworkTypes(['udp4']);
  return s;
}

const KEY = Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a]);
const DELTA = Buffer.from([0x10, 0x01, 0x00, 0x00, 0x00]);

export class LoadPeer {
  readonly pc = new RTCPeerConnection({}, { settingEngine: loopbackEngine() });
  readonly ws: WebSocket;
  received = 0;
  firstAt: number | undefined;
  latencies: number[] = [];
  recordLatency = false;
  /** Packets per 5 ms tick (5: 1,000 packets/s); lowered while subscribers join. */
  perTick = 5;
  sent = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(base: string, token: string, publish: boolean) {
    if (publish) {
      const video = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 'load');
      const sender = this.pc.addTrack(video);
      let keyNow = true;
      sender.onRtcp((c) => {
        if (parseRtcp(c).some((p) => p.kind === 'pli' || p.kind === 'fir')) keyNow = true;
      });
      let seq = 0;
      const payload = Buffer.alloc(1000);
      // `perTick` × 200 packets per second, by elapsed time (timers fire late under load), each carrying its send time.
      let due = 0;
      let last = performance.now();
      this.#timer = setInterval(() => {
        const now = performance.now();
        due = Math.min(due + ((now - last) * this.perTick) / 5, 50);
        last = now;
        for (; due >= 1; due--) {
          const key = keyNow || seq % 500 === 0;
          keyNow = false;
          (key ? KEY : DELTA).copy(payload, 0);
          payload.writeDoubleBE(performance.now(), 8);
          video.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: Math.floor(seq / 5) * 450, ssrc: 1, marker: seq % 5 === 4 }, payload));
          seq++;
          this.sent++;
        }
      }, 2);
    }
    this.pc.ontrack = ({ track }) =>
      track.onRtp((p) => {
        this.received++;
        this.firstAt ??= performance.now();
        if (this.recordLatency && p.payload.length >= 16 && this.latencies.length < 200_000) this.latencies.push(performance.now() - p.payload.readDoubleBE(8));
      });
    this.ws = new WebSocket(base.replace('http', 'ws') + '/ws');
    const send = (m: unknown): void => {
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
    };
    this.ws.on('open', () => send({ type: 'join', token }));
    this.pc.onicecandidate = ({ candidate }) => send({ type: 'candidate', candidate });
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; sdp?: string; candidate?: null };
      void (async () => {
        if (msg.type === 'offer') {
          await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp! });
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          send({ type: 'answer', sdp: this.pc.localDescription!.sdp });
        } else if (msg.type === 'candidate') await this.pc.addIceCandidate(msg.candidate ?? null);
      })().catch(() => undefined);
    });
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.ws.close();
    this.pc.close();
  }
}

export async function joinPeer(base: string, room: string, publish: boolean): Promise<LoadPeer> {
  const res = await fetch(`${base}/rooms/${room}/join`, { method: 'POST', body: '{}' });
  const g = (await res.json()) as { token: string };
  return new LoadPeer(base, g.token, publish);
}
