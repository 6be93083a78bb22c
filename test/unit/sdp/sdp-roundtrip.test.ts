import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SdpParseError, parseSdp, writeSdp } from '../../../src/sdp/index.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'sdp', name), 'utf8').replace(/\r?\n/g, '\r\n');

describe('SDP parse/write', () => {
  it('parses a Chrome offer and writes it back byte for byte', () => {
    const text = fixture('chrome-offer.sdp');
    const sdp = parseSdp(text);
    expect(sdp.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1'] }]);
    expect(sdp.extmapAllowMixed).toBe(true);
    expect(sdp.media).toHaveLength(2);
    const [audio, video] = sdp.media;
    expect(audio!.mid).toBe('0');
    expect(audio!.iceUfrag).toBe('Xq7z');
    expect(audio!.setup).toBe('actpass');
    expect(audio!.direction).toBe('sendrecv');
    expect(audio!.rtcpMux).toBe(true);
    expect(audio!.rtpmaps[0]).toEqual({ payloadType: 111, encodingName: 'opus', clockRate: 48000, channels: 2 });
    expect(audio!.fmtps.get(111)).toBe('minptime=10;useinbandfec=1');
    expect(audio!.fingerprints[0]!.algorithm).toBe('sha-256');
    expect(video!.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: [2231627014, 632943048] }]);
    expect(video!.extmaps.find((e) => e.uri.endsWith('sdes:mid'))?.id).toBe(4);
    expect(video!.rtcpFbs.filter((f) => f.payloadType === 96).map((f) => `${f.type}${f.parameter ? ' ' + f.parameter : ''}`)).toEqual([
      'goog-remb',
      'transport-cc',
      'ccm fir',
      'nack',
      'nack pli',
    ]);
    expect(writeSdp(sdp)).toBe(text);
  });

  it('parses a Chrome simulcast offer with a data channel section', () => {
    const text = fixture('chrome-simulcast-offer.sdp');
    const sdp = parseSdp(text);
    const [video, app] = sdp.media;
    expect(video!.rids.map((r) => r.id)).toEqual(['q', 'h', 'f']);
    expect(video!.simulcast).toEqual({ send: [['q'], ['h'], ['f']] });
    expect(video!.msids).toEqual([{ stream: '-', track: '3c2b1a09-8f7e-4d6c-b5a4-938271605f4e' }]);
    expect(app!.kind).toBe('application');
    expect(app!.sctpPort).toBe(5000);
    expect(app!.maxMessageSize).toBe(262144);
    expect(writeSdp(sdp)).toBe(text);
  });

  for (const name of ['firefox-offer.sdp', 'safari-offer.sdp']) {
    it(`round-trips ${name} semantically`, () => {
      const sdp = parseSdp(fixture(name));
      const again = parseSdp(writeSdp(sdp));
      expect(again).toEqual(sdp);
      expect(sdp.media.every((m) => m.rtcpMux)).toBe(true);
      expect(sdp.media.every((m) => m.iceUfrag && m.icePwd)).toBe(true);
    });
  }

  it('keeps Firefox session-level fingerprint and recvonly extmaps', () => {
    const sdp = parseSdp(fixture('firefox-offer.sdp'));
    expect(sdp.fingerprints).toHaveLength(1);
    expect(sdp.media[0]!.extmaps[1]).toEqual({ id: 2, direction: 'recvonly', uri: 'urn:ietf:params:rtp-hdrext:csrc-audio-level' });
    expect(sdp.origin.sessionVersion).toBe(0n);
    expect(sdp.attributes).toEqual([{ name: 'sendrecv', value: undefined }]);
  });

  it('keeps unknown attributes in order', () => {
    const text = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=x-foo:bar\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=x-flag\r\na=x-val:1 2\r\n';
    const sdp = parseSdp(text);
    expect(sdp.attributes).toEqual([{ name: 'x-foo', value: 'bar' }]);
    expect(sdp.media[0]!.attributes).toEqual([
      { name: 'x-flag', value: undefined },
      { name: 'x-val', value: '1 2' },
    ]);
    expect(writeSdp(sdp)).toBe(text);
  });

  it('names the line of an error', () => {
    expect(() => parseSdp('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio x RTP 0\r\n')).toThrowError(/line 5/);
    expect(() => parseSdp('v=0\r\ns=-\r\n')).toThrow(SdpParseError);
    expect(() => parseSdp('garbage')).toThrow(SdpParseError);
  });

  it('throws only SdpParseError on arbitrary input', () => {
    const base = fixture('chrome-offer.sdp');
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.nat(base.length), (junk, at) => {
        for (const input of [junk, base.slice(0, at) + junk + base.slice(at)]) {
          try {
            parseSdp(input);
          } catch (err) {
            if (!(err instanceof SdpParseError)) throw err;
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
