import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SEQS_PER_NACK, NACK_BURST, NACK_RATE_PER_SECOND } from '../../../src/interceptor/nack-responder.js';
import { DEFAULT_UNANNOUNCED_SSRC_LIMIT } from '../../../src/peerconnection/media-router.js';
import { HeaderExtensionUri } from '../../../src/peerconnection/media-engine.js';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticRTP, type TrackLocal, type TrackLocalBinding } from '../../../src/peerconnection/track-local.js';
import type { TrackRemote } from '../../../src/peerconnection/track-remote.js';
import type { RTCRtpTransceiver } from '../../../src/peerconnection/transceiver.js';
import { GenericNack } from '../../../src/rtcp/index.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { loopbackSettingEngine, negotiate, trickle, waitFor } from '../../support/pc.js';

/**
 * A local track that writes whatever RTP it is given, SSRC and header
 * extensions included, through its sender: the hostile peer's tool.
 */
class RawTrack implements TrackLocal {
  readonly id = 'raw';
  readonly streamId = 'hostile';
  readonly kind = 'video' as const;
  readonly rid = undefined;
  readonly codec = { mimeType: 'video/VP8', clockRate: 90000 };
  binding: TrackLocalBinding | undefined;
  bind(binding: TrackLocalBinding): void {
    this.binding = binding;
  }
  unbind(): void {
    this.binding = undefined;
  }
  send(init: { ssrc?: number; seq: number; ext?: [number, Buffer][] }): void {
    const b = this.binding!;
    const p = new RtpPacket({ payloadType: b.payloadType, sequenceNumber: init.seq & 0xffff, timestamp: init.seq * 3000, ssrc: init.ssrc ?? b.ssrc }, Buffer.from([0x10, 1, 2, 3]));
    for (const [id, data] of init.ext ?? []) p.header.setExtension(id, data);
    b.writeRtp(p.serialize());
  }
}

/** Largest gap between 5 ms ticks while `work` runs: how long the event loop stalled. */
async function stallDuring(work: () => Promise<void>): Promise<{ maxStallMs: number; heapGrowthBytes: number; elapsedMs: number }> {
  let last = performance.now();
  let maxStallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last);
    last = now;
  }, 5);
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { maxStallMs, heapGrowthBytes: process.memoryUsage().heapUsed - heapBefore, elapsedMs: performance.now() - started };
}

function extId(t: RTCRtpTransceiver, uri: string): number {
  const id = t.negotiatedExtensions.find((x) => x.uri === uri)?.id;
  if (id === undefined) throw new Error(`${uri} not negotiated`);
  return id;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

async function droppedByReason(pc: RTCPeerConnection): Promise<Record<string, number>> {
  const stats = await pc.getStats();
  const t = [...stats.values()].find((s) => s.type === 'transport');
  return (t?.['droppedByReason'] ?? {}) as Record<string, number>;
}

interface Call {
  hostile: RTCPeerConnection;
  victim: RTCPeerConnection;
  raw: RawTrack;
  rawTransceiver: RTCRtpTransceiver;
  honest: TrackLocalStaticRTP;
  /** Packets of the honest track the victim received. */
  honestReceived: () => number;
  tracks: TrackRemote[];
}

describe('hostile remote peer: limits hold and the honest stream keeps flowing', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  /** `hostile` sends a raw track and an honest one to `victim` over loopback. */
  async function call(): Promise<Call> {
    const hostile = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const victim = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    cleanups.push(() => hostile.close(), () => victim.close());
    trickle(hostile, victim);
    const raw = new RawTrack();
    const honest = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'honest', 'honest');
    const rawTransceiver = hostile.addTransceiver(raw, { direction: 'sendonly' });
    hostile.addTransceiver(honest, { direction: 'sendonly' });
    const tracks: TrackRemote[] = [];
    let honestCount = 0;
    victim.ontrack = ({ track }) => {
      tracks.push(track);
      if (track.id === 'honest') track.onRtp(() => honestCount++);
    };
    await negotiate(hostile, victim);
    await waitFor(() => hostile.connectionState === 'connected' && victim.connectionState === 'connected');
    await waitFor(() => raw.binding !== undefined);
    return { hostile, victim, raw, rawTransceiver, honest, honestReceived: () => honestCount, tracks };
  }

  /** Sends `n` honest packets (from `seq`) and waits until most arrived. */
  async function honestFlows(c: Call, seq: number, n = 50): Promise<void> {
    const before = c.honestReceived();
    for (let i = 0; i < n; i++) {
      c.honest.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: (seq + i) & 0xffff, timestamp: (seq + i) * 3000, ssrc: 1 }, Buffer.from([0x10, 0, 0, 0])));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => c.honestReceived() - before >= n * 0.9, 5_000);
  }

  it('TWCC: transport sequence numbers jumping by 32,767 neither stall nor bloat the receiver', async () => {
    const c = await call();
    await honestFlows(c, 0);
    const twcc = extId(c.rawTransceiver, HeaderExtensionUri.TransportWideCc);
    let tseq = 0;
    const attack = await stallDuring(async () => {
      for (let i = 0; i < 3000; i++) {
        tseq = (tseq + 32767) & 0xffff;
        c.raw.send({ seq: i, ext: [[twcc, u16(tseq)]] });
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300)); // three feedback rounds
    });
    await honestFlows(c, 100);
    const drops = await droppedByReason(c.victim);
    expect(drops['twcc-seq-jump']).toBeGreaterThan(1000); // every other one: two jumps of 32,767 land 2 behind
    expect(attack.maxStallMs).toBeLessThan(1000);
    expect(attack.heapGrowthBytes).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it('NACK flood: 300 NACKs of 17 packets each bring back a bounded number of retransmissions', async () => {
    const c = await call();
    // The victim here is the sender: the hostile side's receiver NACKs the honest track.
    await honestFlows(c, 0, 1000);
    const honestTrack = c.tracks.find((t) => t.id === 'honest')!;
    const attacker = c.victim;
    const sender = c.hostile.getSenders().find((s) => s.track === c.honest)!;
    const attack = await stallDuring(async () => {
      for (let i = 0; i < 300; i++) {
        const base = (i * 17) % 1000;
        const seqs = Array.from({ length: 17 }, (_, k) => base + k);
        attacker.writeRTCP([GenericNack.fromLostSequenceNumbers(1, honestTrack.ssrc, seqs)]);
      }
      await new Promise((r) => setTimeout(r, 300));
    });
    const stats = await c.hostile.getStats();
    const out = [...stats.values()].find((s) => s.type === 'outbound-rtp' && s['ssrc'] === sender.ssrc)!;
    const retransmitted = out['retransmittedPacketsSent'] as number;
    const seconds = attack.elapsedMs / 1000;
    // Unlimited, this would be 5,100 retransmissions; answered NACKs are rate-limited per sender.
    expect(retransmitted).toBeLessThanOrEqual(17 * (NACK_BURST + Math.ceil(NACK_RATE_PER_SECOND * seconds) + 1));
    expect(retransmitted).toBeLessThan(1000);
    expect(sender.drops.count('nack-rate-limited')).toBeGreaterThan(0);
    expect(attack.maxStallMs).toBeLessThan(1000);
    expect(attack.heapGrowthBytes).toBeLessThan(64 * 1024 * 1024);
    expect(MAX_SEQS_PER_NACK).toBeGreaterThanOrEqual(17);
    await honestFlows(c, 1000);
  }, 30_000);

  it('SSRC spray: 258 unannounced SSRCs with a MID do not become 258 tracks', async () => {
    const c = await call();
    await honestFlows(c, 0);
    const mid = extId(c.rawTransceiver, HeaderExtensionUri.Mid);
    const ridId = extId(c.rawTransceiver, HeaderExtensionUri.RtpStreamId);
    const midValue = Buffer.from(c.rawTransceiver.mid!);
    // The announced stream of the section first, then the spray: half bare, half each with its own rid.
    c.raw.send({ seq: 0, ext: [[mid, midValue]] });
    await waitFor(() => c.tracks.length >= 2);
    const attack = await stallDuring(async () => {
      for (let i = 0; i < 258; i++) {
        const ext: [number, Buffer][] = [[mid, midValue]];
        if (i % 2) ext.push([ridId, Buffer.from(`r${i}`)]);
        for (let k = 0; k < 3; k++) c.raw.send({ ssrc: 0x10000 + i, seq: k, ext });
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 200));
    });
    await honestFlows(c, 100);
    const drops = await droppedByReason(c.victim);
    // The honest and announced tracks, and no more than the limit allows.
    expect(c.tracks.length).toBeLessThanOrEqual(2 + DEFAULT_UNANNOUNCED_SSRC_LIMIT);
    expect(drops['ssrc-on-active-mid']).toBeGreaterThan(100);
    expect(attack.maxStallMs).toBeLessThan(1000);
    expect(attack.heapGrowthBytes).toBeLessThan(64 * 1024 * 1024);
    // A re-offer from the victim stays small: one m= section per transceiver, not per SSRC.
    const offer = await c.victim.createOffer();
    expect(offer.sdp!.split('\nm=').length - 1).toBeLessThanOrEqual(2);
  }, 30_000);

  it('special addresses: 0.0.0.0, ::, broadcast, multicast and port 0 are refused, by trickle and in SDP', async () => {
    const special = [
      'candidate:9 1 udp 2130706431 0.0.0.0 5000 typ host',
      'candidate:9 1 udp 2130706431 :: 5000 typ host',
      'candidate:9 1 udp 2130706431 255.255.255.255 5000 typ host',
      'candidate:9 1 udp 2130706431 239.255.255.250 1900 typ host',
      'candidate:9 1 udp 2130706431 ff02::1 5000 typ host',
      'candidate:9 1 udp 2130706431 127.0.0.1 0 typ host',
    ];
    const hostile = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const victim = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    cleanups.push(() => hostile.close(), () => victim.close());
    const honest = new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'honest', 'honest');
    hostile.addTrack(honest);
    let received = 0;
    victim.ontrack = ({ track }) => track.onRtp(() => received++);
    await hostile.setLocalDescription(await hostile.createOffer());
    await waitFor(() => hostile.iceGatheringState === 'complete');
    // The offer carries the special candidates next to the real ones: dropped and counted, no error.
    const sdp = hostile.localDescription!.sdp!.replace(/(a=candidate:[^\r\n]*\r\n)/, (m) => `${special.map((c) => `a=${c}\r\n`).join('')}${m}`);
    const attack = await stallDuring(async () => {
      await victim.setRemoteDescription({ type: 'offer', sdp });
      for (const candidate of special) {
        const err = await victim.addIceCandidate({ candidate, sdpMid: '0' }).then(() => undefined, (e: unknown) => e as Error);
        expect(err?.name, candidate).toBe('OperationError');
      }
    });
    await victim.setLocalDescription(await victim.createAnswer());
    await waitFor(() => victim.iceGatheringState === 'complete');
    await hostile.setRemoteDescription(victim.localDescription!);
    await waitFor(() => hostile.connectionState === 'connected' && victim.connectionState === 'connected');
    const drops = victim.iceAgent.getStats().drops;
    expect(drops['remote-candidate-unspecified-address']).toBe(4);
    expect(drops['remote-candidate-multicast-address']).toBe(4);
    expect(drops['remote-candidate-broadcast-address']).toBe(2);
    expect(drops['remote-candidate-port-zero']).toBe(2);
    // No check ever went to them: only the loopback candidate is paired.
    const remotes = victim.iceAgent.getStats().remoteCandidates.map((c) => c.address);
    expect(remotes.every((a) => a === '127.0.0.1')).toBe(true);
    expect(attack.maxStallMs).toBeLessThan(1000);
    expect(attack.heapGrowthBytes).toBeLessThan(64 * 1024 * 1024);
    for (let i = 0; i < 50; i++) honest.writeRTP(new RtpPacket({ payloadType: 96, sequenceNumber: i, timestamp: i, ssrc: 1 }, Buffer.from([0x10, 0, 0, 0])));
    await waitFor(() => received >= 45, 5_000);
  }, 30_000);

  it('TWCC feedback bombs: run-length chunks claiming 65,535 statuses cost the receiver O(bytes)', async () => {
    const c = await call();
    await honestFlows(c, 0);
    const bomb = Buffer.alloc(40);
    bomb[0] = 0x80 | 15;
    bomb[1] = 205;
    bomb.writeUInt16BE(40 / 4 - 1, 2);
    bomb.writeUInt32BE(1, 4);
    bomb.writeUInt32BE(c.rawTransceiver.sender.ssrc, 8);
    bomb.writeUInt16BE(0xffff, 14);
    for (let k = 0; k < 9; k++) bomb.writeUInt16BE(0x1fff, 20 + 2 * k);
    const datagram = Buffer.concat(Array.from({ length: 30 }, () => bomb));
    const attack = await stallDuring(async () => {
      for (let i = 0; i < 200; i++) {
        c.rawTransceiver.sender.writeRTCP(datagram);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 100));
    });
    expect(attack.maxStallMs).toBeLessThan(1000);
    expect(attack.heapGrowthBytes).toBeLessThan(64 * 1024 * 1024);
    await honestFlows(c, 100);
  }, 30_000);
});
