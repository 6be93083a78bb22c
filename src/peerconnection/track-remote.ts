import { Observable } from 'rxjs';
import { ClosedError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import type { MediaKind, RtpCodecParameters } from './codec.js';
import { PendingReads } from './pending-reads.js';

const log = getLogger('rtp');

/** Packets queued for `readRTP()` before the oldest are dropped. */
export const DEFAULT_REMOTE_TRACK_QUEUE = 512;

type RtpHandler = (packet: RtpPacket) => void;

/**
 * A track the remote side sends (Pion's TrackRemote). Read it with
 * `readRTP()` (async, queued, bounded), `onRtp(handler)` (synchronous, the
 * fast path) or `rtp$` (an Observable).
 */
export class TrackRemote {
  readonly kind: MediaKind;
  readonly ssrc: number;
  readonly rid: string | undefined;
  id: string;
  streamId: string;
  codec: RtpCodecParameters;
  #queue: RtpPacket[] = [];
  readonly #pending = new PendingReads<RtpPacket>();
  #handlers = new Set<RtpHandler>();
  #ended = false;
  #muted = false;
  #onEnded = new Set<() => void>();
  #onMute = new Set<(muted: boolean) => void>();
  readonly #maxQueue: number;
  /** Packets dropped because nobody read them in time. */
  droppedPackets = 0;

  constructor(init: { kind: MediaKind; ssrc: number; rid?: string; id: string; streamId: string; codec: RtpCodecParameters; maxQueue?: number }) {
    this.kind = init.kind;
    this.ssrc = init.ssrc;
    this.rid = init.rid;
    this.id = init.id;
    this.streamId = init.streamId;
    this.codec = init.codec;
    this.#maxQueue = init.maxQueue ?? DEFAULT_REMOTE_TRACK_QUEUE;
  }

  get payloadType(): number {
    return this.codec.payloadType;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /** The next RTP packet; rejects with ClosedError once the track has ended. */
  readRTP(): Promise<RtpPacket> {
    const p = this.#queue.shift();
    if (p) return Promise.resolve(p);
    if (this.#ended) return Promise.reject(new ClosedError(`track ${this.id}`));
    return this.#pending.wait();
  }

  /** Calls `handler` synchronously for every packet; returns an unsubscribe function. */
  onRtp(handler: RtpHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Every packet, as an Observable; completes when the track ends. */
  get rtp$(): Observable<RtpPacket> {
    return new Observable<RtpPacket>((sub) => {
      if (this.#ended) {
        sub.complete();
        return undefined;
      }
      const off = this.onRtp((p) => sub.next(p));
      const onEnd = (): void => sub.complete();
      this.#onEnded.add(onEnd);
      return () => {
        off();
        this.#onEnded.delete(onEnd);
      };
    });
  }

  onEnded(cb: () => void): () => void {
    this.#onEnded.add(cb);
    return () => this.#onEnded.delete(cb);
  }

  onMute(cb: (muted: boolean) => void): () => void {
    this.#onMute.add(cb);
    return () => this.#onMute.delete(cb);
  }

  /** @internal Delivers one packet from the receiver. */
  deliver(packet: RtpPacket): void {
    if (this.#ended) return;
    if (this.#muted) this.setMuted(false);
    for (const h of this.#handlers) {
      try {
        h(packet);
      } catch (err) {
        log.error(`track ${this.id}: onRtp handler threw`, err);
      }
    }
    if (this.#pending.resolveNext(packet)) return;
    if (this.#handlers.size > 0) return; // handler readers do not also fill the queue
    if (this.#queue.length >= this.#maxQueue) {
      this.#queue.shift();
      this.droppedPackets++;
    }
    this.#queue.push(packet);
  }

  /** @internal */
  setMuted(muted: boolean): void {
    if (this.#muted === muted) return;
    this.#muted = muted;
    for (const cb of this.#onMute) safeCall(() => cb(muted));
  }

  /** @internal Ends the track: pending reads reject, observers complete. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue = [];
    this.#pending.rejectAll(`track ${this.id}`);
    for (const cb of [...this.#onEnded]) safeCall(cb);
    this.#onEnded.clear();
    this.#handlers.clear();
  }
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error('track listener threw', err);
  }
}
