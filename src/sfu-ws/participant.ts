import {
  parseRtcp,
  RTCPeerConnection,
  type Clock,
  type RTCIceCandidateInit,
  type RTCIceServer,
  type RTCRtpSender,
  type RTCTrackEvent,
  type SettingEngine,
  type TimerHandle,
} from '../index.js';
import { sfuLog } from './log.js';
import type { DownTrack, Forwarder } from './forwarder.js';
import { SfuErrorCode, type SfuClientMessage, type SfuRole, type SfuServerMessage } from './protocol.js';

/** Client candidates held until the answer they belong to is applied. */
export const MAX_QUEUED_CANDIDATES = 64;
/** Default time a client has to answer an offer before it is closed. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

/** The participant's side of its websocket (kept abstract: tests and cluster relays provide their own). */
export interface SignalChannel {
  send(msg: SfuServerMessage): void;
  close(): void;
}

/** What a participant tells its room. */
export interface ParticipantEvents {
  published(p: Participant, e: RTCTrackEvent): void;
  left(p: Participant, reason: string): void;
  /** A host asks to remove `peerId`. */
  removeRequested(p: Participant, peerId: string): void;
}

export interface ParticipantInit {
  id: string;
  role: SfuRole;
  channel: SignalChannel;
  /** A per-peer engine carrying this peer's server-issued ICE credentials. */
  settingEngine: SettingEngine;
  iceServers: RTCIceServer[];
  clock: Clock;
  answerTimeoutMs: number;
  events: ParticipantEvents;
}

interface Subscription {
  readonly down: DownTrack;
  readonly sender: RTCRtpSender;
  readonly stopRtcp: () => void;
}

/**
 * One client in a room: its signalling channel and its peer connection.
 * The server offers: once on join (one recvonly audio and one recvonly video
 * section for what the client publishes, plus every track of the room) and
 * again whenever {@link sync} changes what it forwards. A change asked for
 * while an offer is out waits for the answer and goes out as one offer.
 */
export class Participant {
  readonly id: string;
  role: SfuRole;
  readonly pc: RTCPeerConnection;
  readonly joinedAtMs: number;
  readonly #channel: SignalChannel;
  readonly #events: ParticipantEvents;
  readonly #clock: Clock;
  readonly #answerTimeoutMs: number;
  readonly #subs = new Map<Forwarder, Subscription>();
  /** The last down track of each sender whose subscription ended (at most one per section). */
  readonly #retired = new Map<RTCRtpSender, DownTrack>();
  /** Server candidates gathered before their offer went out. */
  #heldCandidates: (RTCIceCandidateInit | null)[] | undefined = [];
  /** Client candidates that arrived before the answer was applied. */
  readonly #earlyCandidates: (RTCIceCandidateInit | null)[] = [];
  #answerTimer: TimerHandle | undefined;
  #offering = false;
  #offerAgain = false;
  #closed = false;
  offers = 0;
  dropped = 0;

  constructor(init: ParticipantInit) {
    this.id = init.id;
    this.role = init.role;
    this.#channel = init.channel;
    this.#events = init.events;
    this.#clock = init.clock;
    this.#answerTimeoutMs = init.answerTimeoutMs;
    this.joinedAtMs = init.clock.now();
    this.pc = new RTCPeerConnection({ iceServers: init.iceServers }, { settingEngine: init.settingEngine });
    this.pc.addTransceiver('audio', { direction: 'recvonly' });
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.onicecandidate = ({ candidate }) => {
      const c = candidate;
      if (this.#heldCandidates) this.#heldCandidates.push(c);
      else this.#send({ type: 'candidate', candidate: c });
    };
    this.pc.ontrack = (e) => this.#events.published(this, e);
    this.pc.connectionState$.subscribe((state) => {
      sfuLog.debug(`peer ${this.id}: ${state}`);
      if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
    });
    this.pc.iceConnectionState$.subscribe((state) => {
      if (state === 'failed') this.close('ice failed');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What this participant receives now. */
  get subscriptions(): DownTrack[] {
    return [...this.#subs.values()].map((s) => s.down);
  }

  /** Makes what this participant receives exactly `forwarders`; offers when that changed (or on the first call). */
  sync(forwarders: Iterable<Forwarder>): void {
    if (this.#closed) return;
    const want = new Set(forwarders);
    let changed = this.pc.currentLocalDescription === null && !this.#offering;
    for (const [fwd, sub] of this.#subs) {
      if (want.has(fwd)) continue;
      this.#unsubscribe(fwd, sub);
      changed = true;
    }
    for (const fwd of want) {
      if (this.#subs.has(fwd)) continue;
      const down = fwd.subscribe();
      const sender = this.#recycle(down) ?? this.pc.addTrack(down);
      const stopRtcp = sender.onRtcp((compound) => this.#onSubscriberRtcp(down, compound));
      this.#subs.set(fwd, { down, sender, stopRtcp });
      changed = true;
    }
    if (changed) void this.#offer();
  }

  /** A subscriber's layer request (`rid` null: back to automatic). */
  requestLayer(trackId: string, rid: string | null): boolean {
    for (const { down } of this.#subs.values()) {
      // By forwarded track id, or by the publisher's stream id for its video (browsers give remote tracks their own ids).
      if (down.id !== trackId && !(down.streamId === trackId && down.kind === 'video')) continue;
      down.requestedRid = rid ?? undefined;
      down.updateTarget();
      return true;
    }
    return false;
  }

  /** Handles one validated message from the client. */
  onMessage(msg: SfuClientMessage): void {
    if (this.#closed) return;
    switch (msg.type) {
      case 'candidate':
        if (this.pc.remoteDescription === null || this.#offering) {
          if (this.#earlyCandidates.length >= MAX_QUEUED_CANDIDATES) return this.#drop('candidate-queue-full');
          this.#earlyCandidates.push(msg.candidate);
          return;
        }
        this.pc.addIceCandidate(msg.candidate).catch(() => this.#drop('bad-candidate'));
        return;
      case 'answer':
        return this.#onAnswer(msg.sdp);
      case 'offer':
        return void this.#onClientOffer(msg.sdp);
      case 'remove':
        return this.#events.removeRequested(this, msg.peerId);
      case 'layer':
        if (!this.requestLayer(msg.trackId, msg.rid)) this.#drop('unknown-track');
        return;
      case 'leave':
        return this.close('left');
      case 'join':
        return this.#drop('already-joined');
    }
  }

  send(msg: SfuServerMessage): void {
    this.#send(msg);
  }

  /** Closes the peer connection and the channel (telling the client `notice` first, if given). */
  close(reason: string, notice?: SfuServerMessage): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearAnswerTimer();
    if (notice) this.#send(notice);
    for (const [fwd, sub] of this.#subs) {
      sub.stopRtcp();
      fwd.unsubscribe(sub.down);
    }
    this.#subs.clear();
    this.pc.close();
    this.#channel.close();
    this.#events.left(this, reason);
  }

  /**
   * The client offers (e.g. a simulcast video section). The server's own
   * offers win glare: while one is out the client is told `glare` and offers
   * again once stable. Server offers wait until this answer is out.
   */
  async #onClientOffer(sdp: string): Promise<void> {
    if (this.#offering || this.pc.signalingState !== 'stable') {
      this.#send({ type: 'error', code: SfuErrorCode.glare, message: 'the server is offering; offer again when stable' });
      return;
    }
    this.#offering = true;
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      if (this.#closed) return;
      this.#send({ type: 'answer', sdp: this.pc.localDescription!.sdp! });
      this.#flushHeld();
    } catch (err) {
      if ((this.pc.signalingState as string) === 'have-remote-offer') await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      this.#send({ type: 'error', code: SfuErrorCode.negotiation, message: `offer refused: ${(err as Error).message}` });
    }
    this.#answered();
  }

  #flushHeld(): void {
    const held = this.#heldCandidates;
    this.#heldCandidates = undefined;
    for (const c of held ?? []) this.#send({ type: 'candidate', candidate: c });
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
      this.offers++;
      this.#send({ type: 'offer', sdp: this.pc.localDescription!.sdp! });
      // Candidates gathered while the offer was being made follow it, never precede it.
      this.#flushHeld();
      this.#answerTimer = this.#clock.setTimer(() => {
        this.#answerTimer = undefined;
        this.#fail(SfuErrorCode.answerTimeout, `no answer within ${this.#answerTimeoutMs} ms`);
      }, this.#answerTimeoutMs);
    } catch (err) {
      this.#fail(SfuErrorCode.negotiation, `offer failed: ${(err as Error).message}`);
    }
  }

  #onAnswer(sdp: string): void {
    if (!this.#offering || this.pc.signalingState !== 'have-local-offer') return this.#drop('unexpected-answer');
    this.#clearAnswerTimer();
    this.pc.setRemoteDescription({ type: 'answer', sdp }).then(
      () => this.#answered(),
      (err: Error) => this.#fail(SfuErrorCode.negotiation, `answer refused: ${err.message}`),
    );
  }

  #answered(): void {
    if (this.#closed) return;
    this.#offering = false;
    for (const c of this.#earlyCandidates.splice(0)) this.pc.addIceCandidate(c).catch(() => this.#drop('bad-candidate'));
    if (this.#offerAgain) {
      this.#offerAgain = false;
      void this.#offer();
    }
  }

  #onSubscriberRtcp(down: DownTrack, compound: Buffer): void {
    let packets;
    try {
      packets = parseRtcp(compound);
    } catch {
      return this.#drop('bad-rtcp');
    }
    for (const p of packets) {
      if (p.kind === 'pli' || p.kind === 'fir') down.forwarder.requestKeyFrame(down.layer);
      else if (p.kind === 'remb') {
        down.estimateBps = p.bitrate;
        down.updateTarget();
      }
    }
  }

  /**
   * Reuses a section whose subscription ended (inactive, no track) for a new
   * track of the same kind, so churn does not grow the SDP by one m-section
   * per track ever forwarded (at most as many sections as tracks at once).
   */
  #recycle(down: DownTrack): RTCRtpSender | undefined {
    const t = this.pc.getTransceivers().find((x) => !x.stopped && x.kind === down.kind && x.direction === 'inactive' && x.sender.track === null);
    if (!t) return undefined;
    // Same SSRC as before: carry on its sequence numbers and timestamps (a receiver's SRTP replay window would drop a restart).
    const prev = this.#retired.get(t.sender);
    if (prev) down.continueFrom(prev);
    this.#retired.delete(t.sender);
    void t.sender.replaceTrack(down);
    t.direction = 'sendonly';
    return t.sender;
  }

  #unsubscribe(fwd: Forwarder, sub: Subscription): void {
    sub.stopRtcp();
    fwd.unsubscribe(sub.down);
    this.#subs.delete(fwd);
    this.#retired.set(sub.sender, sub.down);
    try {
      this.pc.removeTrack(sub.sender);
    } catch {
      // already gone with a closing connection
    }
  }

  #clearAnswerTimer(): void {
    if (this.#answerTimer !== undefined) this.#clock.clearTimer(this.#answerTimer);
    this.#answerTimer = undefined;
  }

  #fail(code: SfuErrorCode, message: string): void {
    sfuLog.debug(`peer ${this.id}: ${message}`);
    this.close(message, { type: 'error', code, message });
  }

  #drop(reason: string): void {
    this.dropped++;
    if (sfuLog.traceEnabled) sfuLog.trace(`peer ${this.id}: dropped (${reason})`);
  }

  #send(msg: SfuServerMessage): void {
    this.#channel.send(msg);
  }
}
