import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import type { RTCRtpSender } from '../../../src/peerconnection/rtp-sender.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import type { TrackRemote } from '../../../src/peerconnection/track-remote.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { parseRtcp } from '../../../src/rtcp/index.js';
import { SfuServer } from '../../../src/sfu-ws/sfu-server.js';
import type { SfuServerMessage } from '../../../src/sfu-ws/protocol.js';
import { loopbackSettingEngine, waitFor } from '../../support/pc.js';

/** A tern peer in the browser's role: publishes VP8 and Opus, answers the SFU's offers. */
class Client {
  readonly pc = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
  readonly ws: WebSocket;
  readonly remote = new Map<string, TrackRemote>();
  readonly packets = new Map<string, number>();
  readonly muted = new Set<string>();
  readonly errors: string[] = [];
  readonly videoSender: RTCRtpSender;
  pliReceived = 0;
  answers = 0;
  readonly #video = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'video', 'me');
  readonly #audio = new TrackLocalStaticRTP({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, 'audio', 'me');
  readonly #timer: ReturnType<typeof setInterval>;
  #seq = 0;

  constructor(url: string) {
    this.videoSender = this.pc.addTrack(this.#video);
    this.pc.addTrack(this.#audio);
    this.videoSender.onRtcp((c) => {
      if (parseRtcp(c).some((p) => p.kind === 'pli')) this.pliReceived++;
    });
    this.pc.ontrack = ({ track }) => {
      const key = `${track.streamId}/${track.kind}`;
      this.remote.set(key, track);
      track.onRtp(() => this.packets.set(key, (this.packets.get(key) ?? 0) + 1));
      track.onMute((m) => (m ? this.muted.add(key) : this.muted.delete(key)));
    };
    this.ws = new WebSocket(url);
    this.pc.onicecandidate = ({ candidate }) => this.#send({ type: 'candidate', candidate });
    this.ws.on('message', (data) =>
      // An offer can still be in negotiation when the test closes this client.
      this.#onMessage(JSON.parse(data.toString()) as SfuServerMessage).catch((err: Error) => {
        if (this.pc.connectionState !== 'closed') this.errors.push(err.message);
      }),
    );
    this.#timer = setInterval(() => this.#write(), 20);
  }

  #write(): void {
    const seq = this.#seq++;
    this.#video.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: seq * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, 0, 0x9d, 0x01, 0x2a, 1, 2, 3])));
    this.#audio.writeRTP(new RtpPacket({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: seq * 960, ssrc: 2 }, Buffer.alloc(40, 7)));
  }

  async #onMessage(msg: SfuServerMessage): Promise<void> {
    if (msg.type === 'offer') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.#send({ type: 'answer', sdp: this.pc.localDescription!.sdp });
      this.answers++;
    } else if (msg.type === 'candidate') {
      await this.pc.addIceCandidate(msg.candidate).catch(() => undefined);
    } else {
      this.errors.push(msg.message);
    }
  }

  #send(msg: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
    else this.ws.once('open', () => this.ws.send(JSON.stringify(msg)));
  }

  /** Remote streams with RTP flowing for both kinds. */
  flowing(min = 5): string[] {
    const streams = new Set([...this.remote.keys()].map((k) => k.split('/')[0]!));
    return [...streams].filter((s) => (this.packets.get(`${s}/video`) ?? 0) >= min && (this.packets.get(`${s}/audio`) ?? 0) >= min);
  }

  close(): void {
    clearInterval(this.#timer);
    this.ws.close();
    this.pc.close();
  }
}

describe('sfu-ws on 127.0.0.1', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(options: ConstructorParameters<typeof SfuServer>[0] = {}): Promise<{ sfu: SfuServer; url: (room: string) => string }> {
    const sfu = new SfuServer({ settingEngine: loopbackSettingEngine(), page: '<!doctype html><title>sfu</title>', ...options });
    cleanups.push(() => sfu.close());
    const { port } = await sfu.listen(0, '127.0.0.1');
    return { sfu, url: (room) => `ws://127.0.0.1:${port}/ws?room=${room}` };
  }

  function client(url: string): Client {
    const c = new Client(url);
    cleanups.push(() => c.close());
    return c;
  }

  it('forwards every peer’s audio and video to every other peer of the room, and drops a leaver’s tracks', async () => {
    const { sfu, url } = await start();
    const a = client(url('r1'));
    const b = client(url('r1'));
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1);
    const c = client(url('r1'));
    await waitFor(() => a.flowing().length === 2 && b.flowing().length === 2 && c.flowing().length === 2);
    expect(sfu.stats()).toMatchObject({ rooms: 1, peers: 3, forwardedTracks: 6 });
    // Nobody receives their own tracks: three distinct publishers, each seen by the two others.
    for (const x of [a, b, c]) expect(new Set(x.flowing())).toHaveProperty('size', 2);
    expect(new Set([...a.flowing(), ...b.flowing(), ...c.flowing()]).size).toBe(3);

    // Every new subscriber asks the publisher for a key frame.
    await waitFor(() => a.pliReceived > 0 && b.pliReceived > 0 && c.pliReceived > 0);

    const answersBefore = a.answers;
    c.close();
    await waitFor(() => sfu.stats().peers === 2 && sfu.stats().forwardedTracks === 4);
    // The others renegotiate: C's tracks are no longer sent to them.
    await waitFor(() => a.answers > answersBefore && b.pc.signalingState === 'stable' && a.pc.signalingState === 'stable');
    // …and their remote tracks from C are muted (W3C: the sections no longer receive).
    await waitFor(() => a.muted.size === 2 && b.muted.size === 2);
    const seen = new Map([...a.packets]);
    await new Promise((r) => setTimeout(r, 300));
    const stillFlowing = [...a.packets].filter(([k, n]) => n > (seen.get(k) ?? 0)).map(([k]) => k.split('/')[0]);
    expect(new Set(stillFlowing).size).toBe(1);
    expect(a.errors).toEqual([]);
  });

  it('keeps rooms apart, and forgets a room when its last peer leaves', async () => {
    const { sfu, url } = await start();
    const a1 = client(url('one'));
    const a2 = client(url('one'));
    const b1 = client(url('two'));
    const b2 = client(url('two'));
    await waitFor(() => [a1, a2, b1, b2].every((c) => c.flowing().length === 1));
    expect(sfu.stats()).toMatchObject({ rooms: 2, peers: 4, forwardedTracks: 8 });
    await new Promise((r) => setTimeout(r, 200));
    for (const c of [a1, a2, b1, b2]) expect(c.remote.size).toBe(2);
    b1.close();
    b2.close();
    await waitFor(() => sfu.stats().rooms === 1);
    expect([...sfu.rooms.keys()]).toEqual(['one']);
  });

  it('passes a receiver’s PLI on to the publisher, at most once per 500 ms', async () => {
    const { url } = await start();
    const a = client(url('pli'));
    const b = client(url('pli'));
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1);
    await new Promise((r) => setTimeout(r, 600));
    const before = a.pliReceived;
    const aVideoAtB = [...b.remote.values()].find((t) => t.kind === 'video')!;
    for (let i = 0; i < 5; i++) b.pc.requestKeyFrame(aVideoAtB);
    await waitFor(() => a.pliReceived > before);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.pliReceived - before).toBe(1);
  });

  it('drops malformed signalling, refuses a full room and bad upgrades, and closes everything', async () => {
    const { sfu, url } = await start({ maxPeersPerRoom: 2 });
    const a = client(url('full'));
    const b = client(url('full'));
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1);
    for (const junk of ['nope', '{}', '[1]', '{"type":"answer"}', '{"type":"candidate","candidate":{"candidate":5}}', JSON.stringify({ type: 'answer', sdp: 'v=0' })]) a.ws.send(junk);
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitFor(() => (sfu.stats().dropped['malformed-message'] ?? 0) >= 5 && (sfu.stats().dropped['unexpected-answer'] ?? 0) >= 1);
    expect(sfu.stats().dropped['binary-message']).toBe(1);
    expect(a.pc.connectionState).toBe('connected');

    const third = client(url('full'));
    await waitFor(() => third.errors.length > 0);
    expect(third.errors[0]).toMatch(/full/);

    const bad = new WebSocket(url('full').replace('/ws', '/nope'));
    await new Promise((resolve) => bad.on('error', resolve));
    const badRoom = new WebSocket(url('bad%20room'));
    await new Promise((resolve) => badRoom.on('error', resolve));
    expect(sfu.stats().dropped['bad-upgrade']).toBe(2);

    const closed = new Promise((resolve) => a.ws.once('close', resolve));
    await sfu.close();
    await closed;
    await waitFor(() => a.pc.connectionState !== 'connected');
    expect(sfu.stats()).toMatchObject({ rooms: 0, peers: 0 });
  });
});
