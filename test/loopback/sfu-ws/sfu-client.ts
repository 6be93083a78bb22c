import WebSocket from 'ws';
import { RTCPeerConnection, RtpPacket, TrackLocalStaticRTP, parseRtcp, type RTCRtpSender, type TrackRemote } from '../../../src/index.js';
import { SfuServer, type SfuJoinGrant, type SfuPeerInfo, type SfuServerMessage } from '../../../src/sfu-ws/index.js';
import { loopbackSettingEngine } from '../../support/pc.js';

/** VP8 key frame (P bit clear) and delta frame payloads: descriptor byte with S set, then a 3-byte frame tag. */
export const VP8_KEY = Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a, 1, 2, 3]);
export const VP8_DELTA = Buffer.from([0x10, 0x01, 0x00, 0x00, 0x00, 1, 2, 3]);

/** POSTs JSON; resolves status and body. */
export async function post(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface ClientOptions {
  /** Publish VP8 + Opus (default true). */
  publish?: boolean;
  /** Answer offers (default true); false: a client that never answers. */
  answer?: boolean;
  /** Key frame every n-th video packet, plus whenever a PLI arrives (default 50). */
  keyEvery?: number;
  /** Rewrites each offer before it is applied (e.g. a wrong ICE password). */
  mungeOffer?: (sdp: string) => string;
}

/** A tern peer in the browser's role: joins with a token, publishes VP8 and Opus, answers the SFU's offers. */
export class SfuClient {
  readonly pc = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
  ws: WebSocket;
  /** Websocket URLs this client was redirected to (cluster mode), in order. */
  readonly redirects: string[] = [];
  readonly remote = new Map<string, TrackRemote>();
  readonly packets = new Map<string, number>();
  /** Per remote stream/kind: sequence numbers and timestamps seen, in arrival order (bounded). */
  readonly seqs = new Map<string, number[]>();
  readonly muted = new Set<string>();
  readonly lastPayloadSize = new Map<string, number>();
  readonly errors: string[] = [];
  readonly messages: SfuServerMessage[] = [];
  readonly order: string[] = [];
  videoSender: RTCRtpSender | undefined;
  peerId: string | undefined;
  role: string | undefined;
  peers: SfuPeerInfo[] = [];
  pliReceived = 0;
  answers = 0;
  closedCode: number | undefined;
  readonly #video = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'video', 'me');
  readonly #audio = new TrackLocalStaticRTP({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, 'audio', 'me');
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  readonly #o: Required<Omit<ClientOptions, 'mungeOffer'>> & ClientOptions;
  readonly token: string;
  #seq = 0;
  #keyNow = true;
  #simTimer: ReturnType<typeof setInterval> | undefined;
  ssrcBase = 1;

  constructor(wsUrl: string, token: string, options: ClientOptions = {}) {
    this.#o = { publish: true, answer: true, keyEvery: 50, ...options };
    this.token = token;
    if (this.#o.publish) {
      this.videoSender = this.pc.addTrack(this.#video);
      this.pc.addTrack(this.#audio);
      this.videoSender.onRtcp((c) => {
        if (parseRtcp(c).some((p) => p.kind === 'pli' || p.kind === 'fir')) {
          this.pliReceived++;
          this.#keyNow = true;
        }
      });
      this.#timer = setInterval(() => this.#write(), 20);
    }
    this.pc.ontrack = ({ track }) => {
      const key = `${track.streamId}/${track.kind}`;
      this.remote.set(key, track);
      track.onRtp((p) => {
        this.packets.set(key, (this.packets.get(key) ?? 0) + 1);
        const s = this.seqs.get(key) ?? [];
        if (s.length < 5000) s.push(p.header.sequenceNumber);
        this.seqs.set(key, s);
        this.lastPayloadSize.set(key, p.payload.length);
      });
      track.onMute((m) => (m ? this.muted.add(key) : this.muted.delete(key)));
    };
    this.ws = this.#connect(wsUrl, token);
    this.pc.onicecandidate = ({ candidate }) => this.send({ type: 'candidate', candidate });
  }

  #connect(wsUrl: string, token: string): WebSocket {
    const ws = new WebSocket(wsUrl);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', token })));
    ws.on('close', (code) => ws === this.ws && (this.closedCode = code));
    ws.on('error', (err) => this.errors.push(`ws: ${err.message}`));
    ws.on('message', (data) => {
      if (ws !== this.ws) return;
      this.#onMessage(JSON.parse(data.toString()) as SfuServerMessage).catch((err: Error) => {
        if (this.pc.connectionState !== 'closed') this.errors.push(err.message);
      });
    });
    return ws;
  }

  /**
   * Publishes two simulcast layers ('l' and 'h', different payload sizes so the
   * SFU measures different rates) on a new section this client offers.
   * Key frames on every 10th packet of each layer.
   */
  async publishSimulcast(): Promise<void> {
    const vp8 = { mimeType: 'video/VP8', clockRate: 90000 };
    const layers = ['l', 'h'].map((rid) => new TrackLocalStaticRTP(vp8, 'sim', 'me', { rid }));
    const t = this.pc.addTransceiver(layers[0]!, { direction: 'sendonly', sendEncodings: [{ rid: 'l' }, { rid: 'h' }] });
    t.sender.addEncoding(layers[1]!);
    let n = 0;
    this.#simTimer = setInterval(() => {
      const seq = n++;
      const key = seq % 10 === 0;
      layers.forEach((l, i) => {
        const payload = Buffer.concat([key ? VP8_KEY : VP8_DELTA, Buffer.alloc(i === 0 ? 50 : 600, i + 1)]);
        l.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: (seq + i * 20000) & 0xffff, timestamp: (seq * 3000) >>> 0, ssrc: 77 + i, marker: true }, payload));
      });
    }, 20);
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.send({ type: 'offer', sdp: this.pc.localDescription!.sdp });
  }

  /** Sends a new source (as a re-publish would): new SSRC, sequence numbers and timestamps jump. */
  republish(): void {
    this.ssrcBase += 100;
    this.#seq += 30_000;
    this.#keyNow = true;
  }

  #write(): void {
    const seq = this.#seq++;
    const key = this.#keyNow || seq % this.#o.keyEvery === 0;
    this.#keyNow = false;
    this.#video.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: (seq * 3000) >>> 0, ssrc: this.ssrcBase, marker: true }, key ? VP8_KEY : VP8_DELTA));
    this.#audio.writeRTP(new RtpPacket({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: (seq * 960) >>> 0, ssrc: this.ssrcBase + 1 }, Buffer.alloc(40, 7)));
  }

  async #onMessage(msg: SfuServerMessage): Promise<void> {
    this.messages.push(msg);
    this.order.push(msg.type);
    if (msg.type === 'redirect') {
      // The room runs on another node: join there with the fresh token.
      this.redirects.push(msg.url);
      this.ws = this.#connect(msg.url, msg.token);
    } else if (msg.type === 'offer') {
      if (!this.#o.answer) return;
      await this.pc.setRemoteDescription({ type: 'offer', sdp: this.#o.mungeOffer ? this.#o.mungeOffer(msg.sdp) : msg.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.send({ type: 'answer', sdp: this.pc.localDescription!.sdp });
      this.answers++;
    } else if (msg.type === 'answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
    } else if (msg.type === 'candidate') {
      if (!this.#o.answer) return;
      await this.pc.addIceCandidate(msg.candidate);
    } else if (msg.type === 'joined') {
      this.peerId = msg.peerId;
      this.role = msg.role;
      this.peers = msg.peers;
    } else if (msg.type === 'peers') {
      this.peers = msg.peers;
    } else if (msg.type === 'error') {
      this.errors.push(msg.code);
    }
  }

  send(msg: unknown): void {
    const text = typeof msg === 'string' ? msg : JSON.stringify(msg);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.once('open', () => this.ws.send(text));
  }

  /** Remote streams with RTP flowing for both kinds. */
  flowing(min = 5): string[] {
    const streams = new Set([...this.remote.keys()].map((k) => k.split('/')[0]!));
    return [...streams].filter((s) => (this.packets.get(`${s}/video`) ?? 0) >= min && (this.packets.get(`${s}/audio`) ?? 0) >= min);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#simTimer) clearInterval(this.#simTimer);
    this.ws.close();
    this.pc.close();
  }
}

/** Asks the server for a join token of `room` (open rooms: no invite). */
export async function grant(base: string, room: string, invite?: string): Promise<SfuJoinGrant> {
  const r = await post(`${base}/rooms/${room}/join`, invite ? { invite } : {});
  if (r.status !== 200) throw new Error(`join grant: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as unknown as SfuJoinGrant;
}

/** Starts an SfuServer on 127.0.0.1 (single-port media on loopback) and tracks cleanups. */
export async function startSfu(
  cleanups: (() => unknown)[],
  options: ConstructorParameters<typeof SfuServer>[0] = {},
): Promise<{ sfu: SfuServer; base: string; wsUrl: string; join: (room: string, o?: ClientOptions & { invite?: string }) => Promise<SfuClient> }> {
  const sfu = new SfuServer({ settingEngine: loopbackSettingEngine(), page: '<!doctype html><title>sfu</title>', ...options });
  cleanups.push(() => sfu.close());
  const { port } = await sfu.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const join = async (room: string, o: ClientOptions & { invite?: string } = {}): Promise<SfuClient> => {
    const g = await grant(base, room, o.invite);
    const c = new SfuClient(wsUrl, g.token, o);
    cleanups.push(() => c.close());
    return c;
  };
  return { sfu, base, wsUrl, join };
}
