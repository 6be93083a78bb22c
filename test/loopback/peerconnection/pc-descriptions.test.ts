import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { loopbackSettingEngine, waitFor } from '../../support/pc.js';

const vp8 = { mimeType: 'video/VP8', clockRate: 90000 };

describe('session descriptions as stored and described', () => {
  const pcs: RTCPeerConnection[] = [];
  afterEach(() => {
    for (const pc of pcs.splice(0)) pc.close();
  });
  function pc(): RTCPeerConnection {
    const p = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    pcs.push(p);
    return p;
  }

  it('remoteDescription is the text that was set; localDescription adds the gathered candidates without changing what was set', async () => {
    const a = pc();
    const b = pc();
    a.addTrack(new TrackLocalStaticSample(vp8, 'v', 's'));
    const offer = await a.createOffer();
    expect(parseSdp(offer.sdp!).media[0]!.candidates).toEqual([]);
    await a.setLocalDescription(offer);
    await waitFor(() => a.iceGatheringState === 'complete');
    const described = a.localDescription!.sdp!;
    expect(parseSdp(described).media[0]!.candidates.length).toBeGreaterThan(0);
    expect(parseSdp(described).media[0]!.endOfCandidates).toBe(true);
    // The stored offer itself did not take the candidates: a new offer is written without them.
    expect(parseSdp((await a.createOffer()).sdp!).media[0]!.candidates).toEqual([]);
    expect(a.pendingLocalDescription!.sdp).toBe(described);

    await b.setRemoteDescription({ type: 'offer', sdp: described });
    expect(b.remoteDescription).toEqual({ type: 'offer', sdp: described });
    const answer = await b.createAnswer();
    await b.setLocalDescription(answer);
    await waitFor(() => b.iceGatheringState === 'complete');
    await a.setRemoteDescription(b.localDescription!);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
    // Once stable, the descriptions are kept as text and still describe the same session.
    expect(b.remoteDescription!.sdp).toBe(described);
    expect(a.remoteDescription!.sdp).toBe(b.localDescription!.sdp);
    expect(parseSdp(b.localDescription!.sdp!).media[0]!.candidates.length).toBeGreaterThan(0);
  });

  it('a description changed after createOffer is parsed and applied as changed', async () => {
    const a = pc();
    a.addTrack(new TrackLocalStaticSample(vp8, 'v', 's'));
    const offer = await a.createOffer();
    const munged = offer.sdp!.replace(/a=ice-ufrag:\S+/, 'a=ice-ufrag:mungedufrag').replace(/a=ice-pwd:\S+/, 'a=ice-pwd:mungedpasswordmungedpassword');
    await a.setLocalDescription({ type: 'offer', sdp: munged });
    expect(parseSdp(a.localDescription!.sdp!).media[0]!.iceUfrag).toBe('mungedufrag');
  });
});
