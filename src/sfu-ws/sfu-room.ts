import { getLogger } from '../common/log.js';
import { TrackLocalStaticRTP } from '../peerconnection/track-local.js';
import type { TrackRemote } from '../peerconnection/track-remote.js';
import type { SfuPeer } from './sfu-peer.js';

const log = getLogger('sfu');

/** Fewest ms between two key-frame requests sent to one publisher track (receivers' PLIs come in bursts). */
export const KEY_FRAME_REQUEST_INTERVAL_MS = 500;

interface Forwarded {
  readonly publisher: SfuPeer;
  readonly remote: TrackRemote;
  readonly stopForwarding: () => void;
  lastKeyFrameRequestMs: number;
}

/**
 * The peers of one room and the tracks they publish. Each published track
 * is forwarded to every other peer of the room through one local track
 * (TrackLocalStaticRTP rewrites SSRC and payload type per receiving sender),
 * so one publisher's packet is read once and written to every subscriber.
 */
export class SfuRoom {
  readonly name: string;
  readonly #peers = new Set<SfuPeer>();
  readonly #forwarded = new Map<TrackLocalStaticRTP, Forwarded>();
  readonly #now: () => number;

  constructor(name: string, now: () => number = () => performance.now()) {
    this.name = name;
    this.#now = now;
  }

  get peers(): ReadonlySet<SfuPeer> {
    return this.#peers;
  }

  /** Tracks forwarded now, with who publishes each. */
  get tracks(): { track: TrackLocalStaticRTP; publisher: SfuPeer }[] {
    return [...this.#forwarded].map(([track, f]) => ({ track, publisher: f.publisher }));
  }

  get empty(): boolean {
    return this.#peers.size === 0;
  }

  join(peer: SfuPeer): void {
    this.#peers.add(peer);
    log.info(`room ${this.name}: peer ${peer.id} joined (${this.#peers.size} in the room)`);
    peer.sync(this.#tracksFor(peer));
  }

  /** Forwards a track `publisher` sends to everybody else in the room. */
  publish(publisher: SfuPeer, remote: TrackRemote): void {
    if (!this.#peers.has(publisher)) return;
    const c = remote.codec;
    const local = new TrackLocalStaticRTP(
      { mimeType: c.mimeType, clockRate: c.clockRate, ...(c.channels ? { channels: c.channels } : {}), ...(c.sdpFmtpLine ? { sdpFmtpLine: c.sdpFmtpLine } : {}) },
      `${publisher.id}-${remote.kind}-${remote.ssrc}`,
      publisher.id,
    );
    const stopRtp = remote.onRtp((packet) => local.writeRTP(packet));
    const stopEnded = remote.onEnded(() => this.#unpublish(local));
    this.#forwarded.set(local, {
      publisher,
      remote,
      lastKeyFrameRequestMs: -Infinity,
      stopForwarding: () => {
        stopRtp();
        stopEnded();
      },
    });
    log.info(`room ${this.name}: peer ${publisher.id} publishes ${remote.kind} (${c.mimeType})`);
    this.#syncAll(publisher);
  }

  /** Asks the publisher of `track` for a key frame, at most once per {@link KEY_FRAME_REQUEST_INTERVAL_MS}. */
  requestKeyFrame(track: TrackLocalStaticRTP): void {
    const f = this.#forwarded.get(track);
    if (!f || f.remote.kind !== 'video') return;
    const now = this.#now();
    if (now - f.lastKeyFrameRequestMs < KEY_FRAME_REQUEST_INTERVAL_MS) return;
    f.lastKeyFrameRequestMs = now;
    f.publisher.pc.requestKeyFrame(f.remote);
  }

  /** Removes a peer and everything it published. */
  leave(peer: SfuPeer): void {
    if (!this.#peers.delete(peer)) return;
    for (const [track, f] of this.#forwarded) {
      if (f.publisher !== peer) continue;
      f.stopForwarding();
      this.#forwarded.delete(track);
    }
    log.info(`room ${this.name}: peer ${peer.id} left (${this.#peers.size} in the room)`);
    this.#syncAll(peer);
  }

  close(): void {
    for (const p of [...this.#peers]) p.close();
  }

  #unpublish(track: TrackLocalStaticRTP): void {
    const f = this.#forwarded.get(track);
    if (!f) return;
    f.stopForwarding();
    this.#forwarded.delete(track);
    this.#syncAll(f.publisher);
  }

  #tracksFor(peer: SfuPeer): TrackLocalStaticRTP[] {
    return [...this.#forwarded].filter(([, f]) => f.publisher !== peer).map(([t]) => t);
  }

  #syncAll(except: SfuPeer): void {
    for (const p of this.#peers) if (p !== except) p.sync(this.#tracksFor(p));
  }
}
