import { encodeOutgoingReset, encodeReconfig, encodeReconfigResponse, type ReconfigParam } from './chunks.js';
import { ReconfigResult } from './constants.js';
import { tsnAdd, tsnLte } from './tsn.js';

/** Retransmissions of one outgoing reset request before giving up on it. */
const MAX_REQUEST_RETRANSMITS = 10;

/**
 * RFC 6525 stream reconfiguration: our Outgoing SSN Reset Requests (one in flight, later ones
 * batched; a stream is requested once its queued messages have all been sent) and the peer's
 * requests (performed once every TSN up to its "sender's last assigned TSN" arrived, else
 * deferred with an In-progress response and performed when the cumulative TSN gets there).
 */
export class StreamReset {
  #nextReqSeq: number;
  #queued: number[] = [];
  #inflight: { seq: number; streams: number[]; chunk: Uint8Array; tries: number } | undefined;
  timerAt: number | undefined;
  #peerNext = 0;
  #lastResult: number = ReconfigResult.SuccessPerformed;
  #deferred: { reqSeq: number; lastTsn: number; streams: number[] } | undefined;

  constructor(localInitialTsn: number) {
    this.#nextReqSeq = localInitialTsn >>> 0;
  }

  start(peerInitialTsn: number): void {
    this.#peerNext = peerInitialTsn >>> 0;
  }

  stop(): void {
    this.timerAt = undefined;
  }

  request(ids: number[]): void {
    for (const id of ids) {
      if (!this.#queued.includes(id) && !this.#inflight?.streams.includes(id)) this.#queued.push(id);
    }
  }

  /** A RE-CONFIG chunk for the streams ready to reset, if none is in flight. */
  maybeSend(hasPending: (id: number) => boolean, lastTsn: number, now: number, rto: number): Uint8Array | undefined {
    if (this.#inflight || this.#queued.length === 0) return undefined;
    const ready = this.#queued.filter((id) => !hasPending(id));
    if (ready.length === 0) return undefined;
    this.#queued = this.#queued.filter((id) => hasPending(id));
    const seq = this.#nextReqSeq;
    this.#nextReqSeq = tsnAdd(seq, 1);
    const chunk = encodeReconfig([encodeOutgoingReset(seq, tsnAdd(this.#peerNext, -1), lastTsn, ready)]);
    this.#inflight = { seq, streams: ready, chunk, tries: 0 };
    this.timerAt = now + rto;
    return chunk;
  }

  /** The request to retransmit when the reconfiguration timer fired. */
  onTimer(now: number, rto: number): Uint8Array | undefined {
    if (this.timerAt === undefined || now < this.timerAt || !this.#inflight) return undefined;
    if (++this.#inflight.tries > MAX_REQUEST_RETRANSMITS) {
      this.#inflight = undefined;
      this.timerAt = undefined;
      return undefined;
    }
    this.timerAt = now + rto;
    return this.#inflight.chunk;
  }

  /**
   * A Re-configuration Response: the finished request's streams and whether the peer performed
   * it; `null` when it is still in progress; undefined when it answers nothing we asked.
   */
  onResponse(respSeq: number, result: number, now: number, rto: number): { streams: number[]; ok: boolean } | null | undefined {
    const f = this.#inflight;
    if (!f || f.seq !== respSeq) return undefined;
    if (result === ReconfigResult.InProgress) {
      this.timerAt = now + rto;
      return null;
    }
    this.#inflight = undefined;
    this.timerAt = undefined;
    return { streams: f.streams, ok: result === ReconfigResult.SuccessPerformed || result === ReconfigResult.SuccessNothingToDo };
  }

  /** A peer request; returns the response parameter and the incoming streams reset now, if any. */
  onRequest(p: Exclude<ReconfigParam, { type: 'response' }>, cumTsn: number): { response: Uint8Array; performed?: number[] } {
    const respond = (r: number): { response: Uint8Array } => ({ response: encodeReconfigResponse(p.reqSeq, r) });
    if (p.reqSeq === tsnAdd(this.#peerNext, -1)) return respond(this.#lastResult);
    if (p.reqSeq !== this.#peerNext) return respond(ReconfigResult.ErrorBadSequenceNumber);
    if (p.type !== 'outgoing-reset') {
      this.#peerNext = tsnAdd(this.#peerNext, 1);
      this.#lastResult = ReconfigResult.Denied;
      return respond(ReconfigResult.Denied);
    }
    if (tsnLte(p.lastTsn, cumTsn)) {
      this.#deferred = undefined;
      this.#peerNext = tsnAdd(this.#peerNext, 1);
      this.#lastResult = ReconfigResult.SuccessPerformed;
      return { ...respond(ReconfigResult.SuccessPerformed), performed: p.streams };
    }
    this.#deferred = { reqSeq: p.reqSeq, lastTsn: p.lastTsn, streams: p.streams };
    return respond(ReconfigResult.InProgress);
  }

  /** The cumulative TSN moved: performs a deferred request that is now complete. */
  onCumAdvanced(cumTsn: number): { streams: number[]; chunk: Uint8Array } | undefined {
    const d = this.#deferred;
    if (!d || !tsnLte(d.lastTsn, cumTsn)) return undefined;
    this.#deferred = undefined;
    this.#peerNext = tsnAdd(this.#peerNext, 1);
    this.#lastResult = ReconfigResult.SuccessPerformed;
    return { streams: d.streams, chunk: encodeReconfig([encodeReconfigResponse(d.reqSeq, ReconfigResult.SuccessPerformed)]) };
  }

  chunk(params: Uint8Array[]): Uint8Array {
    return encodeReconfig(params);
  }
}
