import type { Observable } from 'rxjs';
import { LazyState } from '../common/lazy-subjects.js';
import type { SessionDescriptionModel } from '../sdp/types.js';
import { writeSdp } from '../sdp/write.js';
import { nextSignalingState } from './signaling-state.js';
import { StoredDescription } from './stored-description.js';
import type { RTCSdpType, RTCSignalingState } from './types.js';

/** A description this peer connection created, as a model and as the text it returned. */
export interface CreatedDescription {
  readonly model: SessionDescriptionModel;
  readonly sdp: string;
}

type SetType = 'offer' | 'answer' | 'pranswer';

/**
 * The current and pending local and remote descriptions of one peer
 * connection and the signaling state around them (W3C §4.4.1, RFC 9429
 * §3.2; Pion keeps the same four fields on its PeerConnection). Setting a
 * final answer makes the pending descriptions current.
 */
export class Descriptions {
  readonly #signaling$ = new LazyState<RTCSignalingState>('stable');
  #currentLocal: StoredDescription | undefined;
  #pendingLocal: StoredDescription | undefined;
  #currentRemote: StoredDescription | undefined;
  #pendingRemote: StoredDescription | undefined;
  /** What createOffer/createAnswer last returned: setting that text back needs no parse. */
  #lastOffer: CreatedDescription | undefined;
  #lastAnswer: CreatedDescription | undefined;

  get signalingState(): RTCSignalingState {
    return this.#signaling$.value;
  }
  get signalingState$(): Observable<RTCSignalingState> {
    return this.#signaling$.asObservable();
  }

  get currentLocal(): StoredDescription | undefined {
    return this.#currentLocal;
  }
  get pendingLocal(): StoredDescription | undefined {
    return this.#pendingLocal;
  }
  get currentRemote(): StoredDescription | undefined {
    return this.#currentRemote;
  }
  get pendingRemote(): StoredDescription | undefined {
    return this.#pendingRemote;
  }
  /** localDescription: the pending one, else the current one. */
  get local(): StoredDescription | undefined {
    return this.#pendingLocal ?? this.#currentLocal;
  }
  /** remoteDescription: the pending one, else the current one. */
  get remote(): StoredDescription | undefined {
    return this.#pendingRemote ?? this.#currentRemote;
  }

  /** The signaling state setting a `type` description on `side` leads to (throws InvalidStateError if none). */
  next(side: 'local' | 'remote', type: RTCSdpType): RTCSignalingState {
    return nextSignalingState(this.signalingState, side, type);
  }

  /** The description createOffer/createAnswer last returned for `type`. */
  created(type: 'offer' | 'answer' | 'pranswer'): CreatedDescription | undefined {
    return type === 'offer' ? this.#lastOffer : this.#lastAnswer;
  }

  /** Keeps what createOffer returned; returns its text. */
  rememberOffer(model: SessionDescriptionModel): string {
    this.#lastOffer = { model, sdp: writeSdp(model) };
    return this.#lastOffer.sdp;
  }

  /** Keeps what createAnswer returned; returns its text. */
  rememberAnswer(model: SessionDescriptionModel): string {
    this.#lastAnswer = { model, sdp: writeSdp(model) };
    return this.#lastAnswer.sdp;
  }

  /** Sets a local description: an offer is pending; an answer makes it and the remote offer current. */
  setLocal(type: SetType, model: SessionDescriptionModel, sdp: string | undefined): void {
    if (type === 'offer') {
      this.#pendingLocal = new StoredDescription(type, model, sdp);
      return;
    }
    this.#currentLocal = new StoredDescription(type, model, sdp);
    this.#pendingLocal = undefined;
    if (type === 'answer' && this.#pendingRemote) {
      this.#currentRemote = this.#pendingRemote;
      this.#pendingRemote = undefined;
    }
  }

  /** Sets a remote description: an offer is pending (and voids the last answer); an answer makes it and the local offer current. */
  setRemote(type: SetType, model: SessionDescriptionModel, sdp: string): void {
    if (type === 'offer') {
      this.#pendingRemote = new StoredDescription(type, model, sdp);
      this.#lastAnswer = undefined;
      return;
    }
    this.#currentRemote = new StoredDescription(type, model, sdp);
    this.#pendingRemote = undefined;
    if (type === 'answer' && this.#pendingLocal) {
      this.#currentLocal = this.#pendingLocal;
      this.#pendingLocal = undefined;
    }
  }

  rollbackLocal(): void {
    this.#pendingLocal = undefined;
  }

  rollbackRemote(): void {
    this.#pendingRemote = undefined;
  }

  /** Whether our last offer is the current local description. */
  lastOfferWasOurs(): boolean {
    return this.#currentLocal?.type === 'offer';
  }

  /** Moves to `s`; false if already there. */
  setSignaling(s: RTCSignalingState): boolean {
    if (this.#signaling$.value === s) return false;
    if (s === 'stable') {
      // W3C §4.4.1.5: an implicit setLocalDescription() in stable creates a fresh offer; the
      // models built for the finished round are not kept (they hold every codec and line).
      this.#lastOffer = this.#lastAnswer = undefined;
    }
    this.#signaling$.set(s);
    return true;
  }

  /** A finished negotiation round keeps its descriptions as text only (idle memory per connection). */
  compactIfStable(): void {
    if (this.signalingState !== 'stable') return;
    this.#currentLocal?.compact();
    this.#currentRemote?.compact();
  }

  /** The signaling state becomes closed and its stream completes. */
  close(): void {
    this.#signaling$.set('closed');
    this.#signaling$.complete();
  }
}
