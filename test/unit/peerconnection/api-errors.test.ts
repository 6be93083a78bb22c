import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { unusableAddress, unusableRemoteAddress } from '../../../src/candidate/remote-address.js';
import { Candidate } from '../../../src/candidate/candidate.js';
import { MAX_RTP_PACKET_SIZE } from '../../../src/peerconnection/rtp-checks.js';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP, TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { PictureLossIndication } from '../../../src/rtcp/index.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { loopbackSettingEngine } from '../../support/pc.js';

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; argument?: string; cause?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string; argument?: string };
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): Error & { code?: string; argument?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string; argument?: string };
  }
  throw new Error('expected a throw');
}

describe('peer-connection API misuse gets typed errors naming the argument', () => {
  const pcs: RTCPeerConnection[] = [];
  afterEach(() => {
    for (const pc of pcs.splice(0)) pc.close();
  });

  async function withRemote(): Promise<RTCPeerConnection> {
    const a = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const b = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    pcs.push(a, b);
    a.addTransceiver('video');
    await b.setRemoteDescription(await a.createOffer());
    return b;
  }

  it('addIceCandidate: wrong types are TypeErrors', async () => {
    const pc = await withRemote();
    for (const [arg, name] of [
      [{ candidate: 5 }, 'candidate.candidate'],
      ['candidate:1 1 udp 1 127.0.0.1 9 typ host', 'candidate'],
      [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: 3 }, 'candidate.sdpMid'],
      [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMLineIndex: -1 }, 'candidate.sdpMLineIndex'],
      [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', usernameFragment: {} }, 'candidate.usernameFragment'],
    ] as const) {
      const err = await rejection(pc.addIceCandidate(arg as never));
      expect(err.name).toBe('TypeError');
      expect(err.code).toBe('ERR_PC_ARGUMENT_TYPE');
      expect(err.argument).toBe(name);
    }
  });

  it('addIceCandidate: special addresses, port 0 and malformed lines are refused (OperationError)', async () => {
    const pc = await withRemote();
    const lines = [
      'candidate:1 1 udp 2130706431 0.0.0.0 5000 typ host',
      'candidate:1 1 udp 2130706431 :: 5000 typ host',
      'candidate:1 1 udp 2130706431 255.255.255.255 5000 typ host',
      'candidate:1 1 udp 2130706431 224.0.0.251 5353 typ host',
      'candidate:1 1 udp 2130706431 ff02::1 5000 typ host',
      'candidate:1 1 udp 2130706431 127.0.0.1 0 typ host',
      'candidate:1 1 udp 2130706431 ::ffff:0.0.0.0 5000 typ host',
      'candidate:garbage',
    ];
    for (const candidate of lines) {
      const err = await rejection(pc.addIceCandidate({ candidate, sdpMid: '0' }));
      expect(err.name, candidate).toBe('OperationError');
      expect(err.code).toBe('ERR_PC_OPERATION');
    }
    const drops = pc.iceAgent.getStats().drops;
    expect(drops['remote-candidate-unspecified-address']).toBe(3);
    expect(drops['remote-candidate-broadcast-address']).toBe(1);
    expect(drops['remote-candidate-multicast-address']).toBe(2);
    expect(drops['remote-candidate-port-zero']).toBe(1);
    expect(drops['remote-candidate-malformed']).toBe(1);
    // An honest one is still taken.
    await pc.addIceCandidate({ candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host', sdpMid: '0' });
  });

  it('writeRTCP: an unknown packet kind or a non-array is a TypeError, not a Node RangeError', () => {
    const pc = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    pcs.push(pc);
    let err = thrown(() => pc.writeRTCP([new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }), { kind: 'bogus' } as never]));
    expect(err.name).toBe('TypeError');
    expect(err.argument).toBe('packets[1]');
    err = thrown(() => pc.writeRTCP('pli' as never));
    expect(err.argument).toBe('packets');
    const tooMany = Array.from({ length: 200 }, () => new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 }));
    err = thrown(() => pc.writeRTCP(tooMany));
    expect(err.name).toBe('RangeError');
    expect(err.code).toBe('ERR_PC_ARGUMENT_RANGE');
  });

  it('addTrack: anything but a local track is a TypeError', () => {
    const pc = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    pcs.push(pc);
    for (const bad of [5, null, {}, { kind: 'data', bind() {}, unbind() {} }]) {
      const err = thrown(() => pc.addTrack(bad as never));
      expect(err.name).toBe('TypeError');
      expect(err.argument).toMatch(/^track/);
    }
    expect(thrown(() => pc.addTransceiver(7 as never)).argument).toBe('trackOrKind');
  });

  it('writeRTP: a packet over the MTU is refused and not counted as sent', async () => {
    const pc = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    pcs.push(pc);
    const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
    const sender = pc.addTrack(track);
    const big = new RtpPacket({ payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.alloc(70_000));
    let err = thrown(() => track.writeRTP(big));
    expect(err.name).toBe('RangeError');
    expect(err.argument).toBe('packet');
    err = thrown(() => track.write(Buffer.alloc(MAX_RTP_PACKET_SIZE + 1, 0x80)));
    expect(err.name).toBe('RangeError');
    err = thrown(() => track.writeRTP('rtp' as never));
    expect(err.name).toBe('TypeError');
    err = thrown(() => track.write(Buffer.from([0x80, 0])));
    expect(err.name).toBe('RangeError');
    const sample = new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'v2', 's');
    err = thrown(() => sample.writeSample({ data: 'frame' as never, durationMs: 33 }));
    expect(err.argument).toBe('sample.data');
    expect(sender.stats?.packets ?? 0).toBe(0);
    err = thrown(() => sender.writeRTCP('x' as never));
    expect(err.name).toBe('TypeError');
  });
});

describe('remote candidate addresses', () => {
  it('classifies special addresses and leaves unicast alone', () => {
    expect(unusableAddress('0.0.0.0')).toBe('unspecified-address');
    expect(unusableAddress('0.1.2.3')).toBe('unspecified-address');
    expect(unusableAddress('::')).toBe('unspecified-address');
    expect(unusableAddress('255.255.255.255')).toBe('broadcast-address');
    expect(unusableAddress('240.0.0.1')).toBe('reserved-address');
    expect(unusableAddress('239.255.255.250')).toBe('multicast-address');
    expect(unusableAddress('ff05::2')).toBe('multicast-address');
    expect(unusableAddress('::ffff:224.0.0.1')).toBe('multicast-address');
    for (const ok of ['127.0.0.1', '192.168.1.2', '8.8.8.8', '::1', '2001:db8::1', 'fe80::1', 'host.local']) expect(unusableAddress(ok)).toBeUndefined();
    const active = Candidate.parse('candidate:1 1 tcp 1 192.0.2.1 0 typ host tcptype active');
    expect(unusableRemoteAddress(active)).toBeUndefined();
    expect(unusableRemoteAddress(Candidate.parse('candidate:1 1 udp 1 192.0.2.1 0 typ host'))).toBe('port-zero');
  });

  it('property: every IPv4 address gets a verdict matching its first octet, without throwing', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const first = Number(ip.split('.')[0]);
        const verdict = unusableAddress(ip);
        expect(verdict !== undefined).toBe(first === 0 || first >= 224);
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => void unusableAddress(s)));
    fc.assert(fc.property(fc.ipV6(), (s) => void unusableAddress(s)));
  });
});
