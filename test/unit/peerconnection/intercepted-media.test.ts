import { describe, expect, it } from 'vitest';
import { NoOpInterceptor, type RTPReader, type RTPWriter, type StreamInfo } from '../../../src/interceptor/interceptor.js';
import type { RtpCodecParameters } from '../../../src/peerconnection/codec.js';
import { MediaPath } from '../../../src/peerconnection/intercepted-media.js';
import type { MediaPipe } from '../../../src/peerconnection/media-pipe.js';
import { MAX_INBOUND_STREAMS } from '../../../src/peerconnection/media-router.js';
import { RTCRtpReceiver } from '../../../src/peerconnection/rtp-receiver.js';
import { RTCRtpSender } from '../../../src/peerconnection/rtp-sender.js';
import { RTCRtpTransceiver } from '../../../src/peerconnection/transceiver.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';

const VP8: RtpCodecParameters = { mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 };

class Recorder extends NoOpInterceptor {
  local: StreamInfo[] = [];
  remote: StreamInfo[] = [];
  unboundLocal = 0;
  unboundRemote = 0;
  closed = 0;
  seen = 0;
  override bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter {
    this.local.push(info);
    return { write: (p, a) => (this.seen++, writer.write(p, a)) };
  }
  override bindRemoteStream(info: StreamInfo, reader: RTPReader): RTPReader {
    this.remote.push(info);
    return { read: (p, a) => (this.seen++, reader.read(p, a)) };
  }
  override unbindLocalStream(): void {
    this.unboundLocal++;
  }
  override unbindRemoteStream(): void {
    this.unboundRemote++;
  }
  override close(): void {
    this.closed++;
  }
}

function world(chain: Recorder | undefined) {
  const sender = new RTCRtpSender({ kind: 'video', track: null, ssrc: 10, rtxSsrc: 11, cname: 'c', initialSequenceNumber: 0, initialTimestamp: 0 });
  sender.configure(VP8, 97);
  const t = new RTCRtpTransceiver({ kind: 'video', direction: 'sendrecv', sender, receiver: new RTCRtpReceiver('video'), onDirectionChange: () => undefined });
  t.mid = '0';
  t.negotiatedCodecs = [VP8];
  const delivered: Buffer[] = [];
  const sent: Buffer[] = [];
  const transport: MediaPipe = { writeRtp: (p) => (sent.push(p), true), writeRtcp: () => true, now: () => 0, wallMs: () => 0 };
  const host = { id: 'pc', transceivers: () => [t], deliverRtp: (p: Buffer) => void delivered.push(p), deliverRtcp: () => undefined };
  const path = new MediaPath(chain, host);
  const pipe = path.attach(transport);
  return { path, pipe, transport, host, delivered, sent };
}

const rtp = (ssrc: number, pt = 96): Buffer => new RtpPacket({ payloadType: pt, sequenceNumber: 1, ssrc }, Buffer.from([1])).serialize();

describe('MediaPath', () => {
  it('without interceptors puts nothing between the transport and the router', () => {
    const w = world(undefined);
    expect(w.pipe).toBe(w.transport);
    expect(w.path.onRtp).toBe(w.host.deliverRtp);
  });

  it('binds a local stream once for its main and RTX SSRCs, and a remote one per negotiated SSRC', () => {
    const rec = new Recorder();
    const w = world(rec);
    w.pipe.writeRtp(rtp(10));
    w.pipe.writeRtp(rtp(11, 97));
    expect(rec.local).toHaveLength(1);
    expect(rec.local[0]).toMatchObject({ ssrc: 10, ssrcRetransmission: 11, mimeType: 'video/VP8', mid: '0' });
    expect(w.sent).toHaveLength(2);
    w.path.onRtp(rtp(500));
    w.path.onRtp(rtp(500));
    w.path.onRtp(rtp(501, 100)); // a payload type no section negotiated: straight to the router, unbound
    expect(rec.remote.map((i) => i.ssrc)).toEqual([500]);
    expect(w.delivered).toHaveLength(3);
    expect(rec.seen).toBe(4);
  });

  it(`binds at most ${MAX_INBOUND_STREAMS} remote streams; later ones reach the router unintercepted`, () => {
    const rec = new Recorder();
    const w = world(rec);
    for (let s = 1; s <= MAX_INBOUND_STREAMS + 10; s++) w.path.onRtp(rtp(1000 + s));
    expect(rec.remote).toHaveLength(MAX_INBOUND_STREAMS);
    expect(w.delivered).toHaveLength(MAX_INBOUND_STREAMS + 10);
  });

  it('unbinds every stream and closes the chain once', () => {
    const rec = new Recorder();
    const w = world(rec);
    w.pipe.writeRtp(rtp(10));
    w.pipe.writeRtp(rtp(11, 97));
    w.path.onRtp(rtp(500));
    w.path.close();
    w.path.close();
    expect([rec.unboundLocal, rec.unboundRemote, rec.closed]).toEqual([1, 1, 1]);
  });
});

describe('MediaPath before a transport', () => {
  it('closes a chain that was never attached, once', () => {
    const rec = new Recorder();
    const path = new MediaPath(rec, { id: 'pc', transceivers: () => [], deliverRtp: () => undefined, deliverRtcp: () => undefined });
    expect(path.pipe).toBeUndefined();
    path.close();
    path.close();
    expect(rec.closed).toBe(1);
  });
});
