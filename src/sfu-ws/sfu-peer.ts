import type { WebSocket } from 'ws';
import { getLogger } from '../common/log.js';
import { parseRtcp } from '../rtcp/index.js';
import { RTCPeerConnection } from '../peerconnection/peer-connection.js';
import type { RTCRtpSender } from '../peerconnection/rtp-sender.js';
import type { SettingEngine } from '../peerconnection/setting-engine.js';
import type { TrackLocalStaticRTP } from '../peerconnection/track-local.js';
import type { TrackRemote } from '../peerconnection/track-remote.js';
import { parseClientMessage, type SfuServerMessage } from './protocol.js';

const log = getLogger('sfu');

/** What a peer tells its room. */
export interface SfuPeerEvents {
  /** The browser published a track (audio or video). */
  published(peer: SfuPeer, track: TrackRemote): void;
  /** A receiver of `track` asked for a key frame (PLI/FIR), or just started receiving it. */
  keyFrameWanted(track: TrackLocalStaticRTP): void;
  /** The peer is gone (websocket closed, connection failed or closed). */
  left(peer: SfuPeer): void;
  /** Malformed or unexpected signalling, counted by reason. */
  dropped(reason: string): void;
}

/**
 * One browser in a room: its websocket and its peer connection. The server
 * offers: once on join (one recvonly audio and video transceiver for what
 * the browser publishes, plus every track already forwarded in the room) and
 * again whenever {@link sync} changes what it forwards. A change asked for
 * while an offer is out waits for the answer, then goes out as one offer.
 */
export class SfuPeer {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  readonly #ws: WebSocket;
  readonly #events: SfuPeerEvents;
  /** Forwarded tracks this peer receives, and the sender each went out on. */
  readonly #senders = new Map<TrackLocalStaticRTP, RTCRtpSender>();
  /** Tracks added since the last answer: they want a key frame once it is applied. */
  readonly #fresh = new Set<TrackLocalStaticRTP>();
  #offering = false;
  #offerAgain = false;
  #closed = false;

  constructor(id: string, ws: WebSocket, settingEngine: SettingEngine | undefined, events: SfuPeerEvents) {
    this.id = id;
    this.#ws = ws;
    this.#events = events;
    this.pc = new RTCPeerConnection({}, settingEngine ? { settingEngine } : {});
    this.pc.addTransceiver('audio', { direction: 'recvonly' });
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.onicecandidate = ({ candidate }) => this.#send({ type: 'candidate', candidate });
    this.pc.ontrack = ({ track }) => events.published(this, track);
    this.pc.connectionState$.subscribe((state) => {
      log.debug(`peer ${id}: ${state}`);
      if (state === 'failed' || state === 'closed') this.close();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return events.dropped('binary-message');
      this.#onMessage(data.toString());
    });
    ws.on('close', () => this.close());
    ws.on('error', (err) => {
      log.debug(`peer ${id}: websocket error ${err.message}`);
      this.close();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tracks this peer receives now. */
  get receiving(): TrackLocalStaticRTP[] {
    return [...this.#senders.keys()];
  }

  /** Makes what this peer receives exactly `tracks`, and offers when that changed (or on the first call). */
  sync(tracks: Iterable<TrackLocalStaticRTP>): void {
    if (this.#closed) return;
    const want = new Set(tracks);
    let changed = this.pc.signalingState === 'stable' && this.pc.currentLocalDescription === null;
    for (const [track, sender] of this.#senders) {
      if (want.has(track)) continue;
      this.pc.removeTrack(sender);
      this.#senders.delete(track);
      this.#fresh.delete(track);
      changed = true;
    }
    for (const track of want) {
      if (this.#senders.has(track)) continue;
      const sender = this.pc.addTrack(track);
      this.#senders.set(track, sender);
      this.#fresh.add(track);
      // A receiver that loses a key frame asks for one: pass it on to the publisher.
      sender.onRtcp((compound) => {
        if (wantsKeyFrame(compound)) this.#events.keyFrameWanted(track);
      });
      changed = true;
    }
    if (changed) void this.#offer();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.close();
    this.#ws.close();
    this.#events.left(this);
  }

  async #offer(): Promise<void> {
    if (this.#offering) {
      this.#offerAgain = true;
      return;
    }
    this.#offering = true;
    try {
      await this.pc.setLocalDescription(await this.pc.createOffer());
      if (this.#closed) return;
      this.#send({ type: 'offer', sdp: this.pc.localDescription!.sdp! });
    } catch (err) {
      this.#fail(`offer failed: ${(err as Error).message}`);
    }
  }

  #onMessage(text: string): void {
    const msg = parseClientMessage(text);
    if (msg === undefined) return this.#events.dropped('malformed-message');
    if (msg.type === 'candidate') {
      this.pc.addIceCandidate(msg.candidate).catch(() => this.#events.dropped('bad-candidate'));
      return;
    }
    if (!this.#offering || this.pc.signalingState !== 'have-local-offer') return this.#events.dropped('unexpected-answer');
    this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }).then(
      () => this.#answered(),
      (err: Error) => this.#fail(`answer refused: ${err.message}`),
    );
  }

  #answered(): void {
    this.#offering = false;
    for (const track of this.#fresh) this.#events.keyFrameWanted(track);
    this.#fresh.clear();
    if (this.#offerAgain) {
      this.#offerAgain = false;
      void this.#offer();
    }
  }

  #fail(message: string): void {
    log.debug(`peer ${this.id}: ${message}`);
    this.#send({ type: 'error', message });
    this.close();
  }

  #send(msg: SfuServerMessage): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(msg));
  }
}

/** True when a compound RTCP packet holds a PLI or FIR. */
function wantsKeyFrame(compound: Buffer): boolean {
  try {
    return parseRtcp(compound).some((p) => p.kind === 'pli' || p.kind === 'fir');
  } catch {
    return false;
  }
}
