import { InvalidArgumentError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { MediaKind } from './codec.js';
import { InvalidAccessError } from './errors.js';
import type { MediaPipe } from './media-pipe.js';
import { RTCRtpReceiver } from './rtp-receiver.js';
import { RTCRtpSender } from './rtp-sender.js';
import type { TrackLocal } from './track-local.js';
import { RTCRtpTransceiver } from './transceiver.js';
import type { RTCRtpTransceiverDirection, RTCRtpTransceiverInit } from './types.js';
import { checkTrackLocal } from './api-checks.js';

/** What the transceiver set needs from the peer connection. */
export interface TransceiverSetHost {
  readonly rng: Rng;
  readonly cname: string;
  /** The media pipe while the transport is connected (new senders get it at once), else undefined. */
  connectedPipe(): MediaPipe | undefined;
  /** A transceiver's direction changed (negotiation may be needed). */
  onDirectionChange(): void;
}

/**
 * The transceivers of one peer connection in m= order (Pion's
 * rtpTransceivers): creating them with fresh SSRCs, and the transceiver
 * rules of addTrack, removeTrack and addTransceiver (W3C §5.1). The peer
 * connection checks that it is open and fires negotiationneeded.
 */
export class TransceiverSet {
  readonly #host: TransceiverSetHost;
  /** In m= order; the array negotiation and the media path read. */
  readonly list: RTCRtpTransceiver[] = [];

  constructor(host: TransceiverSetHost) {
    this.#host = host;
  }

  newSsrc(): number {
    let s = 0;
    while (s === 0) s = this.#host.rng.uint32();
    return s;
  }

  newSender(kind: MediaKind, track: TrackLocal | null, rid: string | undefined): RTCRtpSender {
    return new RTCRtpSender({
      kind,
      track,
      ssrc: this.newSsrc(),
      rtxSsrc: this.newSsrc(),
      cname: this.#host.cname,
      initialSequenceNumber: this.#host.rng.uint32() & 0xffff,
      initialTimestamp: this.#host.rng.uint32(),
      ...(rid !== undefined ? { rid } : {}),
    });
  }

  /** Every sending encoding (simulcast layers included), for RTCP routing and reports. */
  allSenders(): RTCRtpSender[] {
    return this.list.flatMap((t) => t.sender.encodings);
  }

  createTransceiver(kind: MediaKind, direction: RTCRtpTransceiverDirection, track: TrackLocal | null, rid?: string): RTCRtpTransceiver {
    const sender = this.newSender(kind, track, rid);
    const pipe = this.#host.connectedPipe();
    if (pipe) sender.setPipe(pipe);
    const t = new RTCRtpTransceiver({
      kind,
      direction,
      sender,
      receiver: new RTCRtpReceiver(kind),
      onDirectionChange: () => this.#host.onDirectionChange(),
    });
    this.list.push(t);
    return t;
  }

  /** Removes transceivers a rolled-back remote offer created. */
  remove(transceivers: readonly RTCRtpTransceiver[]): void {
    for (const t of transceivers) this.list.splice(this.list.indexOf(t), 1);
  }

  /** W3C addTrack: reuses a transceiver that never sent, else creates a sendrecv one. */
  addTrack(track: TrackLocal): RTCRtpSender {
    if (this.list.some((t) => t.sender.track === track && !t.stopped)) {
      throw new InvalidAccessError(`track ${track.id} already has a sender`);
    }
    const reusable = this.list.find(
      (t) => !t.stopped && t.kind === track.kind && !t.sender.track && t.direction !== 'sendrecv' && t.direction !== 'sendonly' && t.sender.stats === undefined,
    );
    if (reusable) {
      void reusable.sender.replaceTrack(track);
      reusable.direction = reusable.direction === 'recvonly' ? 'sendrecv' : 'sendonly';
      return reusable.sender;
    }
    const t = this.createTransceiver(track.kind, 'sendrecv', track);
    return t.sender;
  }

  /** W3C removeTrack; false when the sender had no track (nothing changed). */
  removeTrack(sender: RTCRtpSender): boolean {
    const t = this.list.find((x) => x.sender === sender);
    if (!t) throw new InvalidAccessError('sender does not belong to this peer connection');
    if (!sender.track) return false;
    void sender.replaceTrack(null);
    if (t.direction === 'sendrecv') t.direction = 'recvonly';
    else if (t.direction === 'sendonly') t.direction = 'inactive';
    return true;
  }

  /** W3C addTransceiver, with simulcast send encodings (RFC 8853). */
  addTransceiver(trackOrKind: TrackLocal | MediaKind, init: RTCRtpTransceiverInit = {}): RTCRtpTransceiver {
    const track = typeof trackOrKind === 'string' ? null : checkTrackLocal(trackOrKind, 'trackOrKind');
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    if (kind !== 'audio' && kind !== 'video') throw new InvalidArgumentError(`kind must be audio or video, got ${String(kind)}`);
    const direction = init.direction ?? 'sendrecv';
    if (direction === 'stopped') throw new InvalidArgumentError('a new transceiver cannot be stopped');
    const encodings = init.sendEncodings ?? [];
    if (encodings.length > 1) {
      // Simulcast send (RFC 8853): one SSRC per encoding, each named by a distinct rid.
      const rids = encodings.map((e) => e.rid);
      if (rids.some((r) => !r || !/^[A-Za-z0-9_-]{1,16}$/.test(r)) || new Set(rids).size !== rids.length) {
        throw new InvalidArgumentError('every sendEncoding of a simulcast transceiver needs a distinct rid (1-16 of A-Z a-z 0-9 _ -)');
      }
      if (track && track.rid !== undefined && track.rid !== rids[0]) {
        throw new InvalidArgumentError(`the track's rid ${track.rid} is not the first encoding's (${String(rids[0])})`);
      }
    }
    const t = this.createTransceiver(kind, direction, track, encodings[0]?.rid);
    for (const e of encodings.slice(1)) t.sender.addLayer(this.newSender(kind, null, e.rid));
    const pipe = this.#host.connectedPipe();
    if (pipe) t.sender.setPipe(pipe);
    return t;
  }

  /**
   * W3C "process the removal of a remote track": once an answer (local or
   * remote) leaves a transceiver not receiving, its remote tracks are muted.
   */
  muteUnreceived(): void {
    for (const t of this.list) {
      const d = t.currentDirection;
      if (d === 'sendonly' || d === 'inactive') for (const tr of t.receiver.tracks) tr.setMuted(true);
    }
  }

  /** W3C §4.7.3 for the transceivers: one is new, stopped but still negotiated, or changed direction. */
  needsNegotiation(isRejected: (t: RTCRtpTransceiver) => boolean): boolean {
    for (const t of this.list) {
      if (t.stopped) {
        if (t.mid !== null && !isRejected(t)) return true;
        continue;
      }
      if (t.mid === null) return true;
      const cur = t.currentDirection;
      if (cur !== null && cur !== t.direction) return true;
    }
    return false;
  }

  /** Ends every remote track (the connection closed or failed). */
  endRemoteTracks(): void {
    for (const t of this.list) for (const tr of t.receiver.tracks) tr.end();
  }
}
