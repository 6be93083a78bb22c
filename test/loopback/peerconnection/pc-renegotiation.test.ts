import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCTrackEvent } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { loopbackSettingEngine, negotiate, waitFor } from '../../support/pc.js';

const vp8 = { mimeType: 'video/VP8', clockRate: 90000 };
const opus = { mimeType: 'audio/opus', clockRate: 48000, channels: 2 };

function pump(tracks: TrackLocalStaticSample[]): () => void {
  const frame = Buffer.alloc(1500, 3);
  frame[0] = 0x10;
  const t = setInterval(() => {
    for (const tr of tracks) tr.writeSample({ data: tr.kind === 'video' ? frame : Buffer.alloc(80, 1), durationMs: 20 });
  }, 20);
  return () => clearInterval(t);
}

describe('renegotiation and ICE restart between tern peers', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  function pair(): [RTCPeerConnection, RTCPeerConnection] {
    const a = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const b = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => undefined);
    b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => undefined);
    cleanups.push(() => a.close(), () => b.close());
    return [a, b];
  }

  it('adds a track mid-call, removes it, and recycles its m= line for a new one', async () => {
    const [a, b] = pair();
    const audio = new TrackLocalStaticSample(opus, 'audio', 's');
    a.addTrack(audio);
    const bTracks: RTCTrackEvent[] = [];
    b.ontrack = (e) => bTracks.push(e);
    await negotiate(a, b);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
    const tracks = [audio];
    cleanups.push(pump(tracks));
    await waitFor(() => bTracks.length === 1);

    // Add video in a second offer/answer: same transport, a new m= line.
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    const video = new TrackLocalStaticSample(vp8, 'video', 's');
    const videoSender = a.addTrack(video);
    tracks.push(video);
    await waitFor(() => needed > 0);
    await negotiate(a, b);
    expect(parseSdp(a.localDescription!.sdp!).media.map((m) => m.kind)).toEqual(['audio', 'video']);
    await waitFor(() => bTracks.some((e) => e.track.kind === 'video'));
    const videoTrack = bTracks.find((e) => e.track.kind === 'video')!.track;
    const got = await videoTrack.readRTP();
    expect(got.payload.length).toBeGreaterThan(0);

    // Remove it: the section goes recvonly on a's side and b's remote track is muted.
    a.removeTrack(videoSender);
    tracks.pop();
    await negotiate(a, b);
    const vSection = parseSdp(a.localDescription!.sdp!).media[1]!;
    expect(vSection.direction).toBe('recvonly');
    expect(a.getTransceivers()[1]!.currentDirection).toBe('inactive'); // b has nothing to send back

    // Stop the transceiver: the m= line is rejected, then recycled for a new video track.
    a.getTransceivers()[1]!.stop();
    await negotiate(a, b);
    expect(parseSdp(a.localDescription!.sdp!).media[1]!.port).toBe(0);
    const video2 = new TrackLocalStaticSample(vp8, 'video2', 's');
    a.addTrack(video2);
    tracks.push(video2);
    await negotiate(a, b);
    const media = parseSdp(a.localDescription!.sdp!).media;
    expect(media).toHaveLength(2);
    expect(media[1]!.port).not.toBe(0);
    expect(media[1]!.mid).not.toBe(vSection.mid);
    await waitFor(() => bTracks.some((e) => e.track.id === 'video2'));
  });

  it('restarts ICE mid-call with media continuing', async () => {
    const [a, b] = pair();
    const video = new TrackLocalStaticSample(vp8, 'video', 's');
    a.addTrack(video);
    let received = 0;
    b.ontrack = ({ track }) => track.onRtp(() => received++);
    await negotiate(a, b);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
    cleanups.push(pump([video]));
    await waitFor(() => received > 10);
    const oldUfrag = parseSdp(a.localDescription!.sdp!).media[0]!.iceUfrag;
    a.restartIce();
    await negotiate(a, b);
    expect(parseSdp(a.localDescription!.sdp!).media[0]!.iceUfrag).not.toBe(oldUfrag);
    const before = received;
    await waitFor(() => received > before + 20);
    expect(a.connectionState).toBe('connected');
    expect(b.connectionState).toBe('connected');
  });

  it('closing one side is noticed by the other (close_notify)', async () => {
    const [a, b] = pair();
    a.addTransceiver('audio');
    await negotiate(a, b);
    await waitFor(() => a.connectionState === 'connected' && b.connectionState === 'connected');
    a.close();
    await waitFor(() => b.connectionState === 'closed' || b.connectionState === 'failed');
    expect(a.connectionState).toBe('closed');
  });
});
