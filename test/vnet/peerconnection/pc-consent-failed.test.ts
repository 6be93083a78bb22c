import { describe, expect, it } from 'vitest';
import type { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP } from '../../../src/peerconnection/track-local.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { natCall, type NatCall } from '../../support/pc-nat-vnet.js';

const A_HOST = '10.1.0.2';

async function outboundPacketsSent(pc: RTCPeerConnection): Promise<number> {
  const out = [...(await pc.getStats()).values()].find((s) => s.type === 'outbound-rtp');
  return (out?.['packetsSent'] as number | undefined) ?? 0;
}

/** A call with a video track from A that sends one packet every 20 virtual ms while `tick` runs. */
async function callWithMedia(): Promise<{ call: NatCall; track: TrackLocalStaticRTP; sentByA: () => number; received: () => number; run: (ms: number) => Promise<void> }> {
  const track = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's');
  let received = 0;
  const call = await natCall({
    natA: 'eim',
    natB: 'eim',
    servers: 'stun',
    configure: (a) => {
      a.getTransceivers()[0]!.stop();
      a.addTrack(track);
    },
    onB: (b) => (b.ontrack = ({ track: remote }) => remote.onRtp(() => received++)),
  });
  let sentByA = 0;
  call.vnet.tap((e) => {
    if (e.type === 'sent' && e.src.address === A_HOST) sentByA++;
  });
  let seq = 0;
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 20) {
      track.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: seq * 3000, ssrc: 1, marker: true }, Buffer.from([0x10, seq & 0xff])));
      seq++;
      await call.clock.advance(20);
    }
  };
  return { call, track, sentByA: () => sentByA, received: () => received, run };
}

/**
 * RFC 7675 consent freshness through RTCPeerConnection, default timings, on
 * the virtual network with a fake clock: a cut path gives `disconnected` at
 * about 5 s and `failed` at about 30 s; after that nothing at all is sent
 * (RTP, RTCP, keepalives, consent) and packetsSent stops; restoring the path
 * before `failed` recovers.
 */
describe('peer connection after failure (vnet, default timeouts)', () => {
  it('a cut path: disconnected at ~5 s, failed at ~30 s, then silence', async () => {
    const { call, sentByA, received, run } = await callWithMedia();
    const { a, clock } = call;
    try {
      await run(1000);
      expect(received()).toBeGreaterThan(20);
      const states: { state: string; at: number }[] = [];
      a.onconnectionstatechange = (s) => states.push({ state: s, at: clock.now() });
      const cutAt = clock.now();
      call.routerA.addFilter(() => false);
      await run(32_000);
      const disconnected = states.find((s) => s.state === 'disconnected')!.at - cutAt;
      const failed = states.find((s) => s.state === 'failed')!.at - cutAt;
      // 5 s after the last datagram from B (RTCP arrives about every second), so 4–5 s after the cut.
      expect(disconnected).toBeGreaterThanOrEqual(3_500);
      expect(disconnected).toBeLessThanOrEqual(6_500);
      expect(failed).toBeGreaterThanOrEqual(25_000);
      expect(failed).toBeLessThanOrEqual(31_000);
      expect(a.iceConnectionState).toBe('failed');

      // Failed: nothing leaves A's host any more, and nothing is counted as sent.
      const packets = sentByA();
      const counted = await outboundPacketsSent(a);
      await run(10_000);
      expect(sentByA()).toBe(packets);
      expect(await outboundPacketsSent(a)).toBe(counted);
      expect(() => a.writeRTCP([])).toThrowError(expect.objectContaining({ name: 'InvalidStateError' }) as Error);
    } finally {
      await call.close();
    }
  });

  it('restoring the path before failed recovers', async () => {
    const { call, received, run } = await callWithMedia();
    const { a, clock } = call;
    try {
      await run(500);
      const off = call.routerA.addFilter(() => false);
      await run(8_000);
      expect(a.connectionState).toBe('disconnected');
      off();
      const before = received();
      expect(await clock.runUntil(() => a.connectionState === 'connected', 10_000, 20)).toBe(true);
      await run(1000);
      expect(received() - before).toBeGreaterThan(20);
    } finally {
      await call.close();
    }
  });

  it('after failed, an ICE restart on a restored path carries media again', async () => {
    const { call, run } = await callWithMedia();
    const { a, b, clock } = call;
    try {
      await run(500);
      const off = call.routerA.addFilter(() => false);
      await run(32_000);
      expect(a.iceConnectionState).toBe('failed');
      off();
      a.restartIce();
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      expect(await clock.runUntil(() => a.iceConnectionState === 'connected', 10_000, 20)).toBe(true);
      // (The remote track object ended with `failed`; the receiver's counters show the media.)
      const inbound = async (): Promise<number> => ([...(await b.getStats()).values()].find((s) => s.type === 'inbound-rtp')?.['packetsReceived'] as number | undefined) ?? 0;
      const before = await inbound();
      await run(1000);
      expect((await inbound()) - before).toBeGreaterThan(20);
    } finally {
      await call.close();
    }
  });

  it('after close nothing is sent', async () => {
    const { call, sentByA, run } = await callWithMedia();
    const { a } = call;
    await run(500);
    a.close();
    await call.clock.advance(50);
    const packets = sentByA();
    await run(5_000);
    expect(sentByA()).toBe(packets);
    expect(() => a.writeRTCP([])).toThrowError(expect.objectContaining({ name: 'InvalidStateError' }) as Error);
    await call.close();
  });
});
