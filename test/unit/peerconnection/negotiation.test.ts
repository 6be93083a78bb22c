import { describe, expect, it } from 'vitest';
import type { MediaKind } from '../../../src/peerconnection/codec.js';
import { MediaEngine } from '../../../src/peerconnection/media-engine.js';
import { answerSetup, Negotiation } from '../../../src/peerconnection/negotiation.js';
import { RTCRtpReceiver } from '../../../src/peerconnection/rtp-receiver.js';
import { RTCRtpSender } from '../../../src/peerconnection/rtp-sender.js';
import { buildLocalDescription, type LocalSection } from '../../../src/peerconnection/sdp-builder.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import { RTCRtpTransceiver } from '../../../src/peerconnection/transceiver.js';
import type { RTCRtpTransceiverDirection } from '../../../src/peerconnection/types.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import type { SessionDescriptionModel } from '../../../src/sdp/types.js';
import { writeSdp } from '../../../src/sdp/write.js';

let ssrc = 1000;
function side(): { n: Negotiation; ts: RTCRtpTransceiver[]; add(kind: MediaKind, dir: RTCRtpTransceiverDirection): RTCRtpTransceiver } {
  const ts: RTCRtpTransceiver[] = [];
  const add = (kind: MediaKind, direction: RTCRtpTransceiverDirection): RTCRtpTransceiver => {
    const sender = new RTCRtpSender({ kind, track: null, ssrc: ssrc++, rtxSsrc: ssrc++, cname: 'c', initialSequenceNumber: 1, initialTimestamp: 1 });
    const t = new RTCRtpTransceiver({ kind, direction, sender, receiver: new RTCRtpReceiver(kind), onDirectionChange: () => undefined });
    ts.push(t);
    return t;
  };
  const n = new Negotiation({ mediaEngine: MediaEngine.withDefaults(), transceivers: () => ts, createTransceiver: add });
  return { n, ts, add };
}

/** The model as the remote would parse it from text. */
function describe_(sections: LocalSection[]): SessionDescriptionModel {
  const model = buildLocalDescription({
    sessionId: '1',
    sessionVersion: 1n,
    iceUfrag: 'abcd',
    icePwd: 'abcdefghijklmnopqrstuvwx',
    iceLite: false,
    fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }],
    setup: 'actpass',
    candidates: [],
    endOfCandidates: false,
    sections,
  });
  return parseSdp(writeSdp(model));
}

describe('Negotiation (JSEP bookkeeping)', () => {
  it('assigns mids in order and keeps them across offers', () => {
    const a = side();
    const audio = a.add('audio', 'sendrecv');
    const video = a.add('video', 'recvonly');
    const first = a.n.offerSections();
    expect(first.map((s) => [s.mid, s.kind, s.direction])).toEqual([
      ['0', 'audio', 'sendrecv'],
      ['1', 'video', 'recvonly'],
    ]);
    expect([audio.mid, video.mid]).toEqual(['0', '1']);
    expect(a.n.offerSections().map((s) => s.mid)).toEqual(['0', '1']);
    expect(a.n.firstMid).toBe('0');
  });

  it('an offer creates transceivers on the answerer, the answer reverses directions and agrees codecs', () => {
    const a = side();
    a.add('audio', 'sendrecv');
    a.add('video', 'sendonly');
    const offer = describe_(a.n.offerSections());
    const b = side();
    const { newTransceivers } = b.n.applyRemote(offer, 'offer');
    expect(newTransceivers.map((t) => [t.kind, t.mid])).toEqual([
      ['audio', '0'],
      ['video', '1'],
    ]);
    const answerSections = b.n.answerSections(offer);
    expect(answerSections.map((s) => s.direction)).toEqual(['recvonly', 'recvonly']);
    const answer = describe_(answerSections);
    b.n.applyLocalAnswer(answer);
    a.n.applyRemote(answer, 'answer');
    const [audio, video] = a.ts;
    expect(audio!.currentDirection).toBe('sendonly');
    expect(video!.currentDirection).toBe('sendonly');
    expect(audio!.negotiatedCodecs[0]!.mimeType.toLowerCase()).toBe('audio/opus');
    expect(video!.negotiatedCodecs.some((c) => c.mimeType.toLowerCase() === 'video/vp8')).toBe(true);
    expect(video!.twccExtensionId).toBeDefined();
  });

  it('mirrors and rejects a section it cannot carry', () => {
    const a = side();
    a.add('audio', 'sendrecv');
    const offer = describe_(a.n.offerSections());
    offer.media.push({ ...offer.media[0]!, kind: 'application', protocol: 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'], mid: '9' });
    const b = side();
    b.n.applyRemote(offer, 'offer');
    const sections = b.n.answerSections(offer);
    expect(sections).toHaveLength(2);
    expect(sections[1]).toMatchObject({ mid: '9', rejected: true, protocol: 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'] });
  });

  it('rollback forgets the m= lines of transceivers a remote offer created', () => {
    const a = side();
    a.add('video', 'sendrecv');
    const b = side();
    const { newTransceivers } = b.n.applyRemote(describe_(a.n.offerSections()), 'offer');
    expect(b.ts).toHaveLength(1);
    expect(b.n.firstMid).toBe('0');
    b.n.rollback(newTransceivers);
    expect(b.n.firstMid).toBeUndefined();
    expect(b.n.isRejected(newTransceivers[0]!)).toBe(true);
  });

  it('records the SSRCs a remote description signals, with their RTX pair', () => {
    const a = side();
    const t = a.add('video', 'sendonly');
    void t.sender.replaceTrack(new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'track-1', 'stream-1'));
    const sections = a.n.offerSections();
    expect(sections[0]!.sender).toBeDefined();
    const b = side();
    b.n.applyRemote(describe_(sections), 'offer');
    expect(b.n.signalled(t.sender.ssrc)).toMatchObject({ mid: '0', ssrc: t.sender.ssrc, streamId: 'stream-1', trackId: 'track-1' });
    expect(b.n.signalled(12345)).toBeUndefined();
  });

  it('answers DTLS roles as RFC 5763 §5 says', () => {
    expect(answerSetup('active', 'auto')).toBe('passive');
    expect(answerSetup('passive', 'auto')).toBe('active');
    expect(answerSetup('actpass', 'server')).toBe('passive');
    expect(answerSetup('actpass', 'client')).toBe('active');
  });
});
