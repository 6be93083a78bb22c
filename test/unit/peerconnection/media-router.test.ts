import { describe, expect, it } from 'vitest';
import { getLogger } from '../../../src/common/log.js';
import { SeededRng } from '../../../src/common/rng.js';
import { GenericNack, Goodbye, serializeRtcp } from '../../../src/rtcp/index.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import type { RtpCodecParameters } from '../../../src/peerconnection/codec.js';
import { HeaderExtensionUri } from '../../../src/peerconnection/media-engine.js';
import type { MediaPipe } from '../../../src/peerconnection/media-pipe.js';
import { MAX_INBOUND_STREAMS, MediaRouter, type SignalledStream } from '../../../src/peerconnection/media-router.js';
import { RTCRtpReceiver } from '../../../src/peerconnection/rtp-receiver.js';
import { RTCRtpSender } from '../../../src/peerconnection/rtp-sender.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import type { TrackRemote } from '../../../src/peerconnection/track-remote.js';
import { RTCRtpTransceiver } from '../../../src/peerconnection/transceiver.js';

const VP8: RtpCodecParameters = { mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: [{ type: 'nack' }] };
const RTX: RtpCodecParameters = { mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, sdpFmtpLine: 'apt=96' };
const MID_ID = 4;
const TWCC_ID = 3;

function transceiver(mid: string, direction: 'recvonly' | 'sendonly' | 'sendrecv' = 'recvonly'): RTCRtpTransceiver {
  const sender = new RTCRtpSender({ kind: 'video', track: null, ssrc: 5000 + Number(mid), rtxSsrc: 6000 + Number(mid), cname: 'c', initialSequenceNumber: 0, initialTimestamp: 0 });
  const t = new RTCRtpTransceiver({ kind: 'video', direction, sender, receiver: new RTCRtpReceiver('video'), onDirectionChange: () => undefined });
  t.mid = mid;
  t.negotiatedCodecs = [VP8, RTX];
  t.negotiatedExtensions = [
    { id: MID_ID, uri: HeaderExtensionUri.Mid },
    { id: TWCC_ID, uri: HeaderExtensionUri.TransportWideCc },
  ];
  t.setCurrentDirection(direction);
  return t;
}

function setup(ts: RTCRtpTransceiver[], signalled: SignalledStream[] = []): { router: MediaRouter; tracks: TrackRemote[] } {
  const tracks: TrackRemote[] = [];
  let now = 0;
  const router = new MediaRouter({
    log: getLogger('pc'),
    rng: new SeededRng(1),
    transceivers: () => ts,
    signalled: (ssrc) => signalled.find((s) => s.ssrc === ssrc || s.rtxSsrc === ssrc),
    now: () => (now += 10),
    wallMs: () => 1_700_000_000_000 + now,
    onTrack: (track) => tracks.push(track),
  });
  return { router, tracks };
}

function rtp(ssrc: number, seq: number, opts: { pt?: number; mid?: string; twcc?: number; payload?: Buffer } = {}): Buffer {
  const p = new RtpPacket({ payloadType: opts.pt ?? 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc }, opts.payload ?? Buffer.from([0x10, 1, 2, 3]));
  if (opts.mid !== undefined) p.header.setExtension(MID_ID, Buffer.from(opts.mid));
  if (opts.twcc !== undefined) p.header.setExtension(TWCC_ID, Buffer.from([opts.twcc >> 8, opts.twcc & 0xff]));
  return p.serialize();
}

describe('MediaRouter', () => {
  it('binds a signalled SSRC to its section with the signalled ids, once', () => {
    const t = transceiver('0');
    const { router, tracks } = setup([t], [{ mid: '0', ssrc: 111, streamId: 'st', trackId: 'tr' }]);
    const got: number[] = [];
    router.handleRtp(rtp(111, 1));
    tracks[0]!.onRtp((p) => got.push(p.header.sequenceNumber));
    router.handleRtp(rtp(111, 2));
    expect(tracks).toHaveLength(1);
    expect(tracks[0]).toMatchObject({ ssrc: 111, streamId: 'st', id: 'tr' });
    expect(got).toEqual([2]);
    expect(router.inboundStreams).toBe(1);
  });

  it('binds an unsignalled SSRC by the MID header extension (RFC 9143 §9.2)', () => {
    const a = transceiver('0');
    const b = transceiver('1');
    const { router, tracks } = setup([a, b]);
    router.handleRtp(rtp(222, 1, { mid: '1' }));
    expect(tracks).toHaveLength(1);
    expect(b.receiver.tracks[0]?.ssrc).toBe(222);
    expect(a.receiver.tracks).toHaveLength(0);
  });

  it('binds by a payload type only one section has, and drops when it is ambiguous', () => {
    const one = setup([transceiver('0')]);
    one.router.handleRtp(rtp(333, 1));
    expect(one.tracks).toHaveLength(1);
    const two = setup([transceiver('0'), transceiver('1')]);
    two.router.handleRtp(rtp(333, 1));
    expect(two.tracks).toHaveLength(0);
    expect(two.router.drops.count('unroutable-ssrc')).toBe(1);
  });

  it('drops and counts malformed packets, unknown payload types and sections not receiving', () => {
    const { router, tracks } = setup([transceiver('0')]);
    router.handleRtp(Buffer.from([0x80, 96, 0]));
    router.handleRtp(rtp(444, 1, { pt: 100, mid: '0' }));
    expect(router.drops.count('rtp-decode')).toBe(1);
    expect(router.drops.count('unknown-payload-type')).toBe(1);
    const sending = setup([transceiver('0', 'sendonly')]);
    sending.router.handleRtp(rtp(444, 1, { mid: '0' }));
    expect(sending.router.drops.count('not-receiving')).toBe(1);
    expect(tracks).toHaveLength(0);
  });

  it('restores RTX packets to the original sequence number and payload type (RFC 4588 §4)', () => {
    const t = transceiver('0');
    const { router, tracks } = setup([t], [{ mid: '0', ssrc: 10, rtxSsrc: 11 }]);
    router.handleRtp(rtp(11, 500, { pt: 97, payload: Buffer.from([0, 7, 0x10, 9]) }));
    expect(router.drops.count('rtx-before-media')).toBe(1);
    router.handleRtp(rtp(10, 5));
    const got: RtpPacket[] = [];
    tracks[0]!.onRtp((p) => got.push(p));
    router.handleRtp(rtp(11, 501, { pt: 97, payload: Buffer.from([0, 7, 0x10, 9]) }));
    expect(got).toHaveLength(1);
    expect(got[0]!.header).toMatchObject({ sequenceNumber: 7, payloadType: 96, ssrc: 10 });
    expect([...got[0]!.payload]).toEqual([0x10, 9]);
    expect(tracks).toHaveLength(1);
  });

  it(`binds at most ${MAX_INBOUND_STREAMS} inbound streams`, () => {
    // Signalled streams (unannounced ones stop far earlier, at the SettingEngine's small limit).
    const signalled: SignalledStream[] = [];
    for (let s = 1; s <= MAX_INBOUND_STREAMS + 5; s++) signalled.push({ mid: '0', ssrc: s, streamId: 'st', trackId: `tr${s}` });
    const { router } = setup([transceiver('0')], signalled);
    for (let s = 1; s <= MAX_INBOUND_STREAMS + 5; s++) router.handleRtp(rtp(s, 1, { mid: '0' }));
    expect(router.inboundStreams).toBe(MAX_INBOUND_STREAMS);
    expect(router.drops.count('too-many-inbound-streams')).toBe(5);
  });

  it('records transport-wide sequence numbers for feedback', () => {
    const { router } = setup([transceiver('0')]);
    for (let i = 0; i < 5; i++) router.handleRtp(rtp(1, i, { mid: '0', twcc: 100 + i }));
    const fb = router.twcc.feedback(9);
    expect(fb).toHaveLength(1);
    expect(fb[0]!.packetResults().map((r) => r.sequenceNumber)).toEqual([100, 101, 102, 103, 104]);
  });

  it('answers a NACK for one of our streams from the send history and ends a track on BYE', () => {
    const t = transceiver('0', 'sendrecv');
    const writes: Buffer[] = [];
    const pipe: MediaPipe = { writeRtp: (p) => (writes.push(p), true), writeRtcp: () => true, now: () => 0, wallMs: () => 0 };
    t.sender.configure(VP8, undefined);
    t.sender.setPipe(pipe);
    const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
    void t.sender.replaceTrack(track);
    track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: 42, timestamp: 1, ssrc: 1 }, Buffer.from([0x10, 0])));
    expect(writes).toHaveLength(1);
    const { router, tracks } = setup([t], [{ mid: '0', ssrc: 77 }]);
    router.handleRtcp(serializeRtcp([GenericNack.fromLostSequenceNumbers(77, t.sender.ssrc, [writes[0]!.readUInt16BE(2)])]), [t.sender]);
    expect(writes).toHaveLength(2);
    expect(t.sender.stats?.nacksReceived).toBe(1);
    router.handleRtp(rtp(77, 1));
    expect(tracks[0]!.ended).toBe(false);
    router.handleRtcp(serializeRtcp([new Goodbye([77])]), [t.sender]);
    expect(tracks[0]!.ended).toBe(true);
    expect(router.inboundStreams).toBe(0);
    expect(router.handleRtcp(Buffer.from([1, 2, 3]), [])).toEqual([]);
    expect(router.drops.count('rtcp-decode')).toBe(1);
  });
});
