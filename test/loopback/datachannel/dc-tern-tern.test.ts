import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RTCDataChannel } from '../../../src/datachannel/rtc-data-channel.js';
import { RTCPeerConnection, type RTCDataChannelEvent } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { echoMessages, mixedSizes, whenClosed, whenOpen } from '../../support/dc.js';
import { loopbackSettingEngine, negotiate, trickle, waitFor } from '../../support/pc.js';

function pair(): [RTCPeerConnection, RTCPeerConnection] {
  const a = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
  const b = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
  trickle(a, b);
  return [a, b];
}

function nextChannel(pc: RTCPeerConnection): Promise<RTCDataChannel> {
  return new Promise((resolve) => {
    const prev = pc.ondatachannel;
    pc.ondatachannel = (e: RTCDataChannelEvent) => {
      pc.ondatachannel = prev;
      resolve(e.channel);
    };
  });
}

function echo(ch: RTCDataChannel): void {
  ch.binaryType = 'nodebuffer';
  ch.onmessage = (e) => ch.send(e.data as Buffer);
}

describe('data channels: SDP (RFC 8841)', () => {
  const pcs: RTCPeerConnection[] = [];
  afterEach(() => {
    for (const pc of pcs.splice(0)) pc.close();
  });

  it('a data-only offer and its answer carry m=application with ICE credentials, fingerprint, sctp-port and max-message-size', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    a.createDataChannel('x');
    await Promise.resolve();
    await Promise.resolve();
    expect(needed).toBe(1);
    const offer = await a.createOffer();
    await a.setLocalDescription(offer);
    await b.setRemoteDescription(offer);
    const answer = await b.createAnswer();
    for (const sdp of [offer.sdp!, answer.sdp!]) {
      expect(sdp).toMatch(/^m=application 9 UDP\/DTLS\/SCTP webrtc-datachannel\r$/m);
      const m = parseSdp(sdp);
      const app = m.media[0]!;
      expect(m.media).toHaveLength(1);
      expect(app).toMatchObject({ kind: 'application', sctpPort: 5000, maxMessageSize: 262144, mid: '0' });
      expect(app.iceUfrag).toBeTruthy();
      expect(app.icePwd).toBeTruthy();
      expect(app.fingerprints.length).toBe(1);
      expect(app.setup).toBeTruthy();
      expect(m.groups[0]).toEqual({ semantics: 'BUNDLE', mids: ['0'] });
      expect(sdp).not.toMatch(/a=rtcp-mux|a=sendrecv/);
    }
    expect(a.sctp).toBeNull(); // W3C: null until negotiated
  });

  it('bundles m=application after audio and video', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    a.addTrack(new TrackLocalStaticSample({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, 'au', 's'));
    a.createDataChannel('x');
    a.addTrack(new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'vi', 's'));
    const offer = await a.createOffer();
    const m = parseSdp(offer.sdp!);
    expect(m.media.map((x) => x.kind)).toEqual(['audio', 'video', 'application']);
    expect(m.groups[0]!.mids).toEqual(['0', '1', '2']);
    await a.setLocalDescription(offer);
    await b.setRemoteDescription(offer);
    const answer = parseSdp((await b.createAnswer()).sdp!);
    expect(answer.media.map((x) => [x.kind, x.port])).toEqual([
      ['audio', 9],
      ['video', 9],
      ['application', 9],
    ]);
  });

  it('rejects a legacy DTLS/SCTP section, mirroring its line', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    a.createDataChannel('x');
    const offer = await a.createOffer();
    const legacy = offer.sdp!.replace('UDP/DTLS/SCTP webrtc-datachannel', 'DTLS/SCTP 5000');
    await b.setRemoteDescription({ type: 'offer', sdp: legacy });
    const answer = await b.createAnswer();
    expect(answer.sdp).toMatch(/^m=application 0 DTLS\/SCTP 5000\r$/m);
    expect(answer.sdp).toMatch(/^a=mid:0\r$/m);
  });
});

describe('data channels tern ↔ tern on 127.0.0.1', () => {
  const pcs: RTCPeerConnection[] = [];
  afterEach(() => {
    for (const pc of pcs.splice(0)) pc.close();
  });

  it('opens in-band channels from either side, echoes 1,000 mixed messages, and closes from either side', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    const ch = a.createDataChannel('chat', { protocol: 'echo' });
    const remoteP = nextChannel(b);
    await negotiate(a, b);
    const remote = await remoteP;
    expect(remote.label).toBe('chat');
    expect(remote.protocol).toBe('echo');
    await whenOpen(ch);
    expect(remote.readyState).toBe('open');
    expect(a.sctp?.state).toBe('connected');
    expect(a.sctp?.maxMessageSize).toBe(262144);
    expect(a.sctp?.maxChannels).toBeGreaterThan(1000);
    expect(ch.id! % 2).toBe(a.sctp === null ? 0 : ch.id! % 2);
    echo(remote);
    await echoMessages(ch, mixedSizes());

    // A channel from the answerer, on the established association, with the other parity.
    const back = b.createDataChannel('back');
    const backRemote = await nextChannel(a);
    await whenOpen(back);
    expect((back.id! + ch.id!) % 2).toBe(1);
    const texts: string[] = [];
    backRemote.onmessage = (e) => texts.push(e.data as string);
    back.send('hello');
    back.send('');
    await waitFor(() => texts.length === 2);
    expect(texts).toEqual(['hello', '']);

    const stats = await a.getStats();
    const dc = [...stats.values()].filter((s) => s.type === 'data-channel');
    expect(dc.find((s) => s.label === 'chat')).toMatchObject({ protocol: 'echo', state: 'open', messagesSent: 1000, messagesReceived: 1000 });

    // Close from the opener, then from the other side.
    ch.close();
    await Promise.all([whenClosed(ch), whenClosed(remote)]);
    backRemote.close();
    await Promise.all([whenClosed(back), whenClosed(backRemote)]);
    expect(a.connectionState).toBe('connected');
  });

  it('pre-negotiated channels, unordered and partially reliable, open without DCEP', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    const x = a.createDataChannel('n', { negotiated: true, id: 5, ordered: false, maxRetransmits: 0 });
    const y = b.createDataChannel('n', { negotiated: true, id: 5, ordered: false, maxRetransmits: 0 });
    await negotiate(a, b);
    await Promise.all([whenOpen(x), whenOpen(y)]);
    const got: string[] = [];
    y.onmessage = (e) => got.push(e.data as string);
    for (let i = 0; i < 50; i++) x.send(`m${i}`);
    await waitFor(() => got.length === 50); // loopback does not lose
    expect(new Set(got).size).toBe(50);
  });

  it('pipes a file-sized stream through channel.stream() with backpressure', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    const ch = a.createDataChannel('file');
    const remoteP = nextChannel(b);
    await negotiate(a, b);
    const remote = await remoteP;
    const total = 8 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let produced = 0;
    let maxBuffered = 0;
    const source = new Readable({
      read() {
        maxBuffered = Math.max(maxBuffered, ch.bufferedAmount);
        if (produced >= total) return this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const hash = createHash('sha256');
    let received = 0;
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        received += c.length;
        hash.update(c);
        cb();
      },
    });
    await Promise.all([pipeline(source, ch.stream()), pipeline(remote.stream(), sink)]);
    expect(received).toBe(total);
    const want = createHash('sha256');
    for (let i = 0; i < total / chunk.length; i++) want.update(chunk);
    expect(hash.digest('hex')).toBe(want.digest('hex'));
    expect(maxBuffered).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(ch.readyState).toBe('closed');
  });

  it('closing the peer connection aborts the association: the remote channels close', async () => {
    const [a, b] = pair();
    pcs.push(a, b);
    const ch = a.createDataChannel('x');
    const remoteP = nextChannel(b);
    await negotiate(a, b);
    const remote = await remoteP;
    await whenOpen(ch);
    a.close();
    expect(ch.readyState).toBe('closed');
    await whenClosed(remote);
    expect(b.sctp?.state).toBe('closed');
  });
});
