import { afterEach, describe, expect, it } from 'vitest';
import {
  InterceptorRegistry,
  NoOpInterceptor,
  RTCPeerConnection,
  RtpPacket,
  TrackLocalStaticRTP,
  type Attributes,
  type Interceptor,
  type InterceptorFactory,
  type RTCPReader,
  type RTCPWriter,
  type RTPReader,
  type RTPWriter,
  type StreamInfo,
} from '../../../src/index.js';
import { loopbackSettingEngine, negotiate, trickle, waitFor } from '../../support/pc.js';

/** Counts what passes, per direction, and remembers the streams it was told about. */
class Counter extends NoOpInterceptor {
  rtpOut = 0;
  rtpIn = 0;
  rtcpOut = 0;
  rtcpIn = 0;
  local: StreamInfo[] = [];
  remote: StreamInfo[] = [];
  unbound = 0;
  closed = false;
  override bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter {
    this.local.push(info);
    // RTX retransmissions (their own SSRC) pass the same writer; count the main stream only.
    return { write: (p, a) => (a.rtpHeader(p).ssrc === info.ssrc && this.rtpOut++, writer.write(p, a)) };
  }
  override unbindLocalStream(): void {
    this.unbound++;
  }
  override bindRemoteStream(info: StreamInfo, reader: RTPReader): RTPReader {
    this.remote.push(info);
    return { read: (p, a) => (this.rtpIn++, reader.read(p, a)) };
  }
  override bindRTCPWriter(writer: RTCPWriter): RTCPWriter {
    return { write: (p, a) => (this.rtcpOut++, writer.write(p, a)) };
  }
  override bindRTCPReader(reader: RTCPReader): RTCPReader {
    return { read: (p, a) => (this.rtcpIn++, reader.read(p, a)) };
  }
  override close(): void {
    this.closed = true;
  }
}

/** Drops every outbound packet with an odd sequence number (a user's own packet rule). */
class DropOdd extends NoOpInterceptor {
  override bindLocalStream(_info: StreamInfo, writer: RTPWriter): RTPWriter {
    return {
      write: (p: Buffer, a: Attributes) => {
        if (a.rtpHeader(p).sequenceNumber % 2 === 1) return true;
        return writer.write(p, a);
      },
    };
  }
}

function factory(name: string, make: () => Interceptor, made: Interceptor[] = []): InterceptorFactory {
  return {
    name,
    newInterceptor: () => {
      const i = make();
      made.push(i);
      return i;
    },
  };
}

describe('interceptors through RTCPeerConnection', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  async function pair(left: InterceptorRegistry, right: InterceptorRegistry): Promise<{ a: RTCPeerConnection; b: RTCPeerConnection; track: TrackLocalStaticRTP; seen: number[] }> {
    const sa = loopbackSettingEngine();
    sa.setInterceptorRegistry(left);
    const sb = loopbackSettingEngine();
    sb.setInterceptorRegistry(right);
    const a = new RTCPeerConnection({}, { settingEngine: sa });
    const b = new RTCPeerConnection({}, { settingEngine: sb });
    cleanups.push(() => a.close(), () => b.close());
    trickle(a, b);
    const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
    a.addTrack(track);
    const seen: number[] = [];
    b.ontrack = ({ track: remote }) => remote.onRtp((p) => seen.push(p.header.sequenceNumber));
    await negotiate(a, b);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
    return { a, b, track, seen };
  }

  it('runs user interceptors on RTP and RTCP both ways, in registry order, and closes them', async () => {
    const madeA: Interceptor[] = [];
    const madeB: Interceptor[] = [];
    const left = new InterceptorRegistry().add(factory('count', () => new Counter(), madeA)).add(factory('drop-odd', () => new DropOdd()));
    const right = new InterceptorRegistry().add(factory('count', () => new Counter(), madeB));
    expect(left.names).toEqual(['count', 'drop-odd']);
    const { a, b, track, seen } = await pair(left, right);
    for (let i = 0; i < 40; i++) track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, i, 0, 0])));
    await waitFor(() => seen.length >= 20, 5000);
    const ca = madeA[0] as Counter;
    const cb = madeB[0] as Counter;
    // drop-odd was added after count: it sees packets first (nearer the application), so count saw only the even ones.
    await waitFor(() => cb.rtpIn >= 20 && cb.rtcpOut > 0 && ca.rtcpIn > 0, 5000);
    expect(ca.rtpOut).toBe(20);
    // The even ones arrive; odd ones come back only as RTX answers to the receiver's NACKs.
    for (let i = 0; i < 40; i += 2) expect(seen).toContain(i);
    expect(ca.local[0]).toMatchObject({ mimeType: 'video/VP8', clockRate: 90000, mid: '0' });
    expect(ca.local[0]!.rtpHeaderExtensions.some((e) => e.uri.includes('transport-wide-cc'))).toBe(true);
    // The media stream, and its RTX stream once the NACKed odd packets come back.
    const mediaSsrc = a.getSenders()[0]!.ssrc;
    expect(cb.remote[0]!.ssrc).toBe(mediaSsrc);
    expect(cb.remote.length).toBeLessThanOrEqual(2);
    expect(new Set(cb.remote.map((r) => r.ssrc)).size).toBe(cb.remote.length);
    a.close();
    b.close();
    expect(ca.closed && cb.closed).toBe(true);
    expect(ca.unbound).toBe(1);
  }, 30_000);

  it('removing and reordering changes later peer connections only', async () => {
    const left = new InterceptorRegistry().add(factory('drop-odd', () => new DropOdd())).add(factory('noop', () => new NoOpInterceptor()));
    left.reorder(['noop', 'drop-odd']);
    expect(left.names).toEqual(['noop', 'drop-odd']);
    expect(left.remove('drop-odd')).toBe(true);
    const { track, seen } = await pair(left, new InterceptorRegistry());
    for (let i = 0; i < 20; i++) track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, i, 0, 0])));
    await waitFor(() => seen.length >= 20, 5000);
    expect(seen.length).toBe(20);
  }, 30_000);
});
