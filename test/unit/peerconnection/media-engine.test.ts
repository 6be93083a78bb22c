import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSdp, type MediaDescription } from '../../../src/sdp/index.js';
import { MediaEngine } from '../../../src/peerconnection/media-engine.js';
import { codecsMatch, h264Profile, type RtpCodecParameters } from '../../../src/peerconnection/codec.js';

function codecsOf(m: MediaDescription): RtpCodecParameters[] {
  return m.rtpmaps.map((r) => ({
    payloadType: r.payloadType,
    mimeType: `${m.kind}/${r.encodingName}`,
    clockRate: r.clockRate,
    ...(r.channels !== undefined ? { channels: r.channels } : {}),
    ...(m.fmtps.has(r.payloadType) ? { sdpFmtpLine: m.fmtps.get(r.payloadType)! } : {}),
    rtcpFeedback: m.rtcpFbs
      .filter((f) => f.payloadType === r.payloadType || f.payloadType === '*')
      .map((f) => (f.parameter ? { type: f.type, parameter: f.parameter } : { type: f.type })),
  }));
}

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'sdp', name), 'utf8');

describe('codec matching', () => {
  it('classifies H.264 profiles as libwebrtc does', () => {
    expect(h264Profile('42e01f')).toBe('constrained-baseline');
    expect(h264Profile('42001f')).toBe('baseline');
    expect(h264Profile('4d001f')).toBe('main');
    expect(h264Profile('640c1f')).toBe('constrained-high');
    expect(h264Profile('64001f')).toBe('high');
    expect(h264Profile('zz')).toBe('unknown');
  });
  it('matches H.264 on packetization mode and profile, not level', () => {
    const a = { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'packetization-mode=1;profile-level-id=42e01f' };
    expect(codecsMatch(a, { ...a, sdpFmtpLine: 'profile-level-id=42e034;packetization-mode=1' })).toBe(true);
    expect(codecsMatch(a, { ...a, sdpFmtpLine: 'profile-level-id=42e01f' })).toBe(false);
    expect(codecsMatch(a, { ...a, sdpFmtpLine: 'packetization-mode=1;profile-level-id=64001f' })).toBe(false);
  });
  it('matches VP9 on profile-id and audio on channels', () => {
    const vp9 = { mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=0' };
    expect(codecsMatch(vp9, { ...vp9, sdpFmtpLine: 'profile-id=2' })).toBe(false);
    expect(codecsMatch(vp9, { mimeType: 'video/vp9', clockRate: 90000 })).toBe(true);
    expect(codecsMatch({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, { mimeType: 'audio/OPUS', clockRate: 48000 })).toBe(false);
  });
});

describe('MediaEngine', () => {
  for (const name of ['chrome-offer.sdp', 'firefox-offer.sdp', 'safari-offer.sdp']) {
    it(`negotiates ${name} keeping remote payload types and RTX with a kept apt`, () => {
      const engine = MediaEngine.withDefaults();
      const sdp = parseSdp(fixture(name));
      const video = sdp.media.find((m) => m.kind === 'video')!;
      const audio = sdp.media.find((m) => m.kind === 'audio')!;
      const v = engine.negotiateCodecs('video', codecsOf(video));
      const a = engine.negotiateCodecs('audio', codecsOf(audio));
      expect(a[0]!.mimeType.toLowerCase()).toBe('audio/opus');
      expect(v.some((c) => c.mimeType.toLowerCase() === 'video/vp8')).toBe(true);
      const pts = new Set(v.map((c) => c.payloadType));
      for (const c of v.filter((c) => c.mimeType.toLowerCase() === 'video/rtx')) {
        expect(pts.has(Number(/apt=(\d+)/.exec(c.sdpFmtpLine ?? '')![1]))).toBe(true);
      }
      for (const c of v) expect(video.rtpmaps.some((r) => r.payloadType === c.payloadType)).toBe(true);
      expect(v.find((c) => c.mimeType === 'video/VP8')!.rtcpFeedback).toContainEqual({ type: 'nack', parameter: 'pli' });
    });
  }
  it('drops codecs it does not know (H265) and negotiates extensions by URI', () => {
    const engine = MediaEngine.withDefaults();
    const video = parseSdp(fixture('safari-offer.sdp')).media[1]!;
    expect(engine.negotiateCodecs('video', codecsOf(video)).some((c) => /h265/i.test(c.mimeType))).toBe(false);
    const ext = engine.negotiateHeaderExtensions('video', video.extmaps);
    expect(ext).toContainEqual({ id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' });
    expect(ext.some((x) => x.uri === 'urn:3gpp:video-orientation')).toBe(false);
  });
  it('rejects bad registrations', () => {
    const engine = new MediaEngine();
    expect(() => engine.registerCodec({ payloadType: 200, mimeType: 'video/VP8', clockRate: 90000 }, 'video')).toThrow(/payload type/);
  });
});

describe('shared default engine', () => {
  it('is one frozen engine, and an exact remote match negotiates to the shared codec object', async () => {
    const { defaultMediaEngine } = await import('../../../src/peerconnection/media-engine.js');
    const engine = defaultMediaEngine();
    expect(defaultMediaEngine()).toBe(engine);
    const vp8 = engine.getCodecs('video').find((c) => c.mimeType === 'video/VP8')!;
    expect(Object.isFrozen(vp8)).toBe(true);
    const rtx = engine.getCodecs('video').find((c) => c.mimeType === 'video/rtx' && c.sdpFmtpLine === `apt=${vp8.payloadType}`)!;
    // The remote offers what we would (a tern peer, or a peer using our payload types).
    const same = engine.negotiateCodecs('video', [
      { ...vp8, rtcpFeedback: vp8.rtcpFeedback!.map((f) => ({ ...f })) },
      { ...rtx, rtcpFeedback: [] },
    ]);
    expect(same[0]).toBe(vp8);
    expect(same[1]).toBe(rtx);
    // A different payload type, or less feedback, gets a connection's own copy with the remote's values.
    const other = engine.negotiateCodecs('video', [{ ...vp8, payloadType: 120, rtcpFeedback: [{ type: 'nack' }] }]);
    expect(other[0]).not.toBe(vp8);
    expect(other[0]).toMatchObject({ payloadType: 120, mimeType: 'video/VP8', rtcpFeedback: [{ type: 'nack' }] });
    expect(Object.isFrozen(other[0])).toBe(false);
  });
});

describe('rtxApt', () => {
  it('reads apt as the fmtp parameter map does', async () => {
    const { rtxApt, parseFmtpParameters } = await import('../../../src/peerconnection/codec.js');
    const fc = await import('fast-check');
    const key = fc.constantFrom('apt', 'APT', ' apt', 'rtx-time', 'x-apt', 'aptx');
    const value = fc.oneof(fc.integer({ min: 0, max: 200 }).map(String), fc.constantFrom('', 'x', '9a', ' 97 '));
    const line = fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k.trim().toLowerCase(), maxLength: 4 }).map((ps) => ps.map(([k, v]) => `${k}=${v}`).join(';'));
    fc.assert(
      fc.property(line, (l) => {
        const apt = parseFmtpParameters(l).get('apt');
        const expected = apt !== undefined && /^\d+$/.test(apt) ? Number(apt) : undefined;
        expect(rtxApt({ mimeType: 'video/rtx', clockRate: 90000, sdpFmtpLine: l })).toBe(expected);
      }),
      { numRuns: 500 },
    );
    expect(rtxApt({ mimeType: 'video/rtx', clockRate: 90000 })).toBeUndefined();
  });
});
