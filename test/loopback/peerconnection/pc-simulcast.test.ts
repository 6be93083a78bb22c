import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCTrackEvent } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { loopbackSettingEngine, negotiate, trickle, waitFor } from '../../support/pc.js';

const vp8 = { mimeType: 'video/VP8', clockRate: 90000 };

describe('simulcast send between tern peers', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('sends three layers by RID without a=ssrc and the receiver gets one track per layer', async () => {
    const a = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const b = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    cleanups.push(() => a.close(), () => b.close());
    trickle(a, b);
    const layers = ['q', 'h', 'f'].map((rid) => new TrackLocalStaticRTP(vp8, 'video', 'stream', { rid }));
    const t = a.addTransceiver(layers[0]!, { direction: 'sendonly', sendEncodings: [{ rid: 'q' }, { rid: 'h' }, { rid: 'f' }] });
    t.sender.addEncoding(layers[1]!);
    t.sender.addEncoding(layers[2]!);
    expect(t.sender.encodings.map((e) => e.rid)).toEqual(['q', 'h', 'f']);
    expect(new Set(t.sender.encodings.map((e) => e.ssrc)).size).toBe(3);
    const tracks: RTCTrackEvent[] = [];
    const counts = new Map<string, number>();
    b.ontrack = (e) => {
      tracks.push(e);
      e.track.onRtp(() => counts.set(e.track.rid ?? '', (counts.get(e.track.rid ?? '') ?? 0) + 1));
    };
    await negotiate(a, b);
    const offered = parseSdp(a.localDescription!.sdp!).media[0]!;
    expect(offered.rids.map((r) => `${r.id} ${r.direction}`)).toEqual(['q send', 'h send', 'f send']);
    expect(offered.simulcast).toEqual({ send: [['q'], ['h'], ['f']] });
    expect(offered.ssrcs).toEqual([]);
    expect(parseSdp(b.localDescription!.sdp!).media[0]!.simulcast).toEqual({ recv: [['q'], ['h'], ['f']] });
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
    for (let i = 0; i < 30; i++) {
      layers.forEach((layer, n) => layer.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, n, i]))));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => ['q', 'h', 'f'].every((r) => (counts.get(r) ?? 0) >= 25));
    expect(tracks.map((e) => e.track.rid).sort()).toEqual(['f', 'h', 'q']);
    const stats = [...(await a.getStats()).values()].filter((s) => s.type === 'outbound-rtp');
    expect(stats.map((s) => s['rid']).sort()).toEqual(['f', 'h', 'q']);
  });

  it('rejects encodings without distinct rids', () => {
    const a = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    cleanups.push(() => a.close());
    expect(() => a.addTransceiver('video', { sendEncodings: [{ rid: 'a' }, { rid: 'a' }] })).toThrow(/distinct rid/);
    expect(() => a.addTransceiver('video', { sendEncodings: [{ rid: 'a' }, {}] })).toThrow(/distinct rid/);
  });
});
