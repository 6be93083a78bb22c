import type { Clock, RTCTrackEvent, TrackRemote } from '../index.js';
import { Forwarder } from './forwarder.js';
import { sfuLog } from './log.js';
import type { Participant } from './participant.js';
import type { SfuPeerInfo } from './protocol.js';
import type { RoomRecord } from './room-directory.js';

/** Published tracks one participant may have (audio + video, a few re-publishes): bounds what a client can make the SFU hold. */
export const MAX_TRACKS_PER_PARTICIPANT = 4;

interface Published {
  readonly publisher: Participant;
  readonly forwarder: Forwarder;
  /** Per layer: stops the RTP and ended handlers of the remote track feeding it. */
  readonly stops: Map<number, () => void>;
  /** The remote track of each layer, by SSRC (for key-frame requests). */
  readonly remotes: Map<number, TrackRemote>;
}

/**
 * The participants of one room and what they publish. Each published track
 * (all its simulcast layers) has one {@link Forwarder}; every other
 * participant of the room subscribes to it. Rooms never see each other.
 */
export class SfuRoom {
  readonly record: RoomRecord;
  readonly #clock: Clock;
  readonly #peers = new Map<string, Participant>();
  /** Keyed by publisher id and MID, so a re-publish on the same section reuses its forwarder. */
  readonly #published = new Map<string, Published>();
  #hostId: string | undefined;
  #closed = false;

  constructor(record: RoomRecord, clock: Clock) {
    this.record = record;
    this.#clock = clock;
  }

  get id(): string {
    return this.record.id;
  }

  get peers(): ReadonlyMap<string, Participant> {
    return this.#peers;
  }

  get forwarders(): Forwarder[] {
    return [...this.#published.values()].map((p) => p.forwarder);
  }

  get full(): boolean {
    return this.#peers.size >= this.record.maxParticipants;
  }

  get empty(): boolean {
    return this.#peers.size === 0;
  }

  get hostId(): string | undefined {
    return this.#hostId;
  }

  /**
   * Whether a joiner granted `granted` becomes host: a host grant always
   * does; in an unsecured room the first joiner does (while none is there).
   */
  roleFor(granted: 'host' | 'participant'): 'host' | 'participant' {
    if (granted === 'host') return 'host';
    return !this.record.secured && this.#hostId === undefined ? 'host' : 'participant';
  }

  join(p: Participant): void {
    if (this.#closed) return p.close('room closed');
    this.#peers.set(p.id, p);
    if (p.role === 'host') this.#hostId ??= p.id;
    sfuLog.info(`room ${this.id}: ${p.id} joined as ${p.role} (${this.#peers.size} in the room)`);
    p.send({ type: 'joined', room: this.id, peerId: p.id, role: p.role, peers: this.peerInfo() });
    p.sync(this.#forwardersFor(p));
    this.#announce(p);
  }

  /** Forwards what `publisher` sends (one layer of one section) to everybody else in the room. */
  publish(publisher: Participant, e: RTCTrackEvent): void {
    if (this.#peers.get(publisher.id) !== publisher) return;
    const { track } = e;
    const mid = e.transceiver.mid ?? track.kind;
    const key = `${publisher.id}/${mid}`;
    let pub = this.#published.get(key);
    if (!pub) {
      if ([...this.#published.values()].filter((x) => x.publisher === publisher).length >= MAX_TRACKS_PER_PARTICIPANT) {
        sfuLog.debug(`room ${this.id}: ${publisher.id} publishes too many tracks`);
        return;
      }
      const c = track.codec;
      const remotes = new Map<number, TrackRemote>();
      const forwarder = new Forwarder({
        id: `${publisher.id}-${mid}`,
        streamId: publisher.id,
        codec: { mimeType: c.mimeType, clockRate: c.clockRate, ...(c.channels ? { channels: c.channels } : {}), ...(c.sdpFmtpLine ? { sdpFmtpLine: c.sdpFmtpLine } : {}) },
        clock: this.#clock,
        source: {
          requestKeyFrame: (ssrc) => {
            const remote = remotes.get(ssrc);
            if (remote) publisher.pc.requestKeyFrame(remote);
          },
        },
      });
      pub = { publisher, forwarder, stops: new Map(), remotes };
      this.#published.set(key, pub);
    }
    const layer = pub.forwarder.setLayer(track.rid ?? '', track.ssrc);
    if (layer < 0) return;
    pub.stops.get(layer)?.();
    for (const [ssrc, r] of pub.remotes) if (r.rid === track.rid) pub.remotes.delete(ssrc);
    pub.remotes.set(track.ssrc, track);
    const fwd = pub.forwarder;
    const stopRtp = track.onRtp((packet) => fwd.write(packet, layer));
    const stopEnded = track.onEnded(() => this.#layerEnded(key, layer));
    pub.stops.set(layer, () => {
      stopRtp();
      stopEnded();
    });
    sfuLog.info(`room ${this.id}: ${publisher.id} publishes ${track.kind} ${track.codec.mimeType}${track.rid ? ` rid ${track.rid}` : ''}`);
    this.#syncAll(publisher);
  }

  /** Removes a participant and everything it published, from every other participant at once. */
  leave(p: Participant): void {
    if (this.#peers.get(p.id) !== p) return;
    this.#peers.delete(p.id);
    if (this.#hostId === p.id) this.#hostId = undefined;
    for (const [key, pub] of this.#published) {
      if (pub.publisher !== p) continue;
      for (const stop of pub.stops.values()) stop();
      pub.forwarder.close();
      this.#published.delete(key);
    }
    sfuLog.info(`room ${this.id}: ${p.id} left (${this.#peers.size} in the room)`);
    this.#syncAll(p);
    this.#announce(p);
  }

  /** A host removes `peerId`; false when `by` is not the host or `peerId` is not here. */
  remove(by: Participant, peerId: string): boolean {
    if (by.role !== 'host' || by.id === peerId) return false;
    const target = this.#peers.get(peerId);
    if (!target) return false;
    target.close('removed by host', { type: 'removed', reason: 'removed by the host' });
    return true;
  }

  peerInfo(): SfuPeerInfo[] {
    return [...this.#peers.values()].map((p) => ({ id: p.id, role: p.role, streamId: p.id }));
  }

  close(notice?: Parameters<Participant['close']>[1]): void {
    this.#closed = true;
    for (const p of [...this.#peers.values()]) p.close('room closed', notice);
  }

  #layerEnded(key: string, layer: number): void {
    const pub = this.#published.get(key);
    if (!pub) return;
    pub.stops.get(layer)?.();
    pub.stops.delete(layer);
    if (pub.stops.size > 0) return;
    pub.forwarder.close();
    this.#published.delete(key);
    this.#syncAll(pub.publisher);
  }

  #forwardersFor(p: Participant): Forwarder[] {
    const out: Forwarder[] = [];
    for (const pub of this.#published.values()) if (pub.publisher !== p) out.push(pub.forwarder);
    return out;
  }

  #syncAll(except: Participant): void {
    for (const p of this.#peers.values()) if (p !== except) p.sync(this.#forwardersFor(p));
  }

  #announce(except: Participant): void {
    const peers = this.peerInfo();
    for (const p of this.#peers.values()) if (p !== except) p.send({ type: 'peers', peers });
  }
}

