import type { IceMuxStats, RTCStatsReport } from '../index.js';
import type { Participant } from './participant.js';
import type { SfuRoom } from './room.js';

/** One forwarded track in `GET /stats`. */
export interface SfuTrackStats {
  id: string;
  publisher: string;
  kind: 'audio' | 'video';
  mimeType: string;
  /** Received from the publisher, bits per second over the last second (all layers). */
  bitrateBps: number;
  packets: number;
  /** Publisher → SFU: lost / expected since the start. */
  loss: number;
  /** Mean round-trip time to its subscribers (from their receiver reports), when known. */
  rttMs: number | null;
  subscribers: number;
  layers: { rid: string; bitrateBps: number }[];
  /** Per subscriber: the layer (rid) forwarded now and the one wanted, and its reported loss fraction. */
  subscriberLayers: { peer: string; rid: string | null; targetRid: string | null; loss: number | null }[];
}

export interface SfuRoomStats {
  id: string;
  host: string | null;
  participants: { id: string; role: string; connectionState: string }[];
  tracks: SfuTrackStats[];
}

export interface SfuStats {
  /** The node this document comes from ('local' outside a cluster). */
  node: string;
  rooms: number;
  peers: number;
  tracks: number;
  connections: number;
  roomList: SfuRoomStats[];
  mux: IceMuxStats | null;
  dropped: Record<string, number>;
}

/** Subscriber view of one stream from its sender's remote-inbound-rtp stats. */
interface Remote {
  loss: number | null;
  rttMs: number | null;
}

async function remoteInbound(p: Participant): Promise<Map<string, Remote>> {
  // Keyed by the forwarded track id; the sender's stats carry its SSRC.
  const out = new Map<string, Remote>();
  let report: RTCStatsReport;
  try {
    report = await p.pc.getStats();
  } catch {
    return out;
  }
  const bySsrc = new Map<number, Remote>();
  for (const s of report.values()) {
    if (s.type !== 'remote-inbound-rtp') continue;
    const x = s as unknown as { ssrc: number; fractionLost?: number; roundTripTime?: number };
    bySsrc.set(x.ssrc, { loss: x.fractionLost ?? null, rttMs: x.roundTripTime !== undefined ? x.roundTripTime * 1000 : null });
  }
  for (const sender of p.pc.getSenders()) {
    const track = sender.track;
    const r = bySsrc.get(sender.ssrc);
    if (track && r) out.set(track.id, r);
  }
  return out;
}

async function publisherLoss(p: Participant): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  try {
    for (const s of (await p.pc.getStats()).values()) {
      if (s.type !== 'inbound-rtp') continue;
      const x = s as unknown as { ssrc: number; packetsReceived: number; packetsLost: number };
      const expected = x.packetsReceived + Math.max(0, x.packetsLost);
      out.set(x.ssrc, expected > 0 ? Math.max(0, x.packetsLost) / expected : 0);
    }
  } catch {
    // a closing connection
  }
  return out;
}

/** Builds the `GET /stats` document. */
export async function collectSfuStats(rooms: Iterable<SfuRoom>, extra: { node?: string; connections: number; mux: IceMuxStats | null; dropped: Record<string, number> }): Promise<SfuStats> {
  const roomList: SfuRoomStats[] = [];
  let peers = 0;
  let tracks = 0;
  for (const room of rooms) {
    const participants = [...room.peers.values()];
    peers += participants.length;
    const remote = new Map<Participant, Map<string, Remote>>();
    const loss = new Map<Participant, Map<number, number>>();
    await Promise.all(
      participants.map(async (p) => {
        remote.set(p, await remoteInbound(p));
        loss.set(p, await publisherLoss(p));
      }),
    );
    const trackStats: SfuTrackStats[] = [];
    for (const fwd of room.forwarders) {
      tracks++;
      const publisher = participants.find((p) => p.id === fwd.streamId);
      const subs: SfuTrackStats['subscriberLayers'] = [];
      const rtts: number[] = [];
      for (const p of participants) {
        const down = p.subscriptions.find((d) => d.forwarder === fwd);
        if (!down) continue;
        const r = remote.get(p)?.get(fwd.id);
        if (r?.rttMs != null) rtts.push(r.rttMs);
        subs.push({ peer: p.id, rid: down.layer >= 0 ? (fwd.rids[down.layer] ?? null) : null, targetRid: fwd.rids[down.targetLayer] ?? null, loss: r?.loss ?? null });
      }
      const lossBySsrc = publisher ? loss.get(publisher) : undefined;
      let lost = 0;
      for (const ssrc of fwd.ssrcs) lost = Math.max(lost, lossBySsrc?.get(ssrc) ?? 0);
      trackStats.push({
        id: fwd.id,
        publisher: fwd.streamId,
        kind: fwd.kind,
        mimeType: fwd.codec.mimeType,
        bitrateBps: fwd.meter.total(),
        packets: fwd.packets,
        loss: lost,
        rttMs: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null,
        subscribers: fwd.subscribers,
        layers: fwd.rids.map((rid, i) => ({ rid, bitrateBps: fwd.meter.bitrate(i) })),
        subscriberLayers: subs,
      });
    }
    roomList.push({
      id: room.id,
      host: room.hostId ?? null,
      participants: participants.map((p) => ({ id: p.id, role: p.role, connectionState: p.pc.connectionState })),
      tracks: trackStats,
    });
  }
  return { node: extra.node ?? 'local', rooms: roomList.length, peers, tracks, connections: extra.connections, roomList, mux: extra.mux, dropped: extra.dropped };
}
