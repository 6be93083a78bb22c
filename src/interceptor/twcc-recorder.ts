import { TransportCcFeedback } from '../rtcp/transport-cc.js';
import { SeqUnwrapper } from '../rtp/sequence.js';

/**
 * Arrival times of packets carrying the transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), turned into
 * transport-cc feedback every interval so the remote sender's bandwidth
 * estimator can ramp up (browsers only send higher simulcast layers and
 * bitrates once feedback arrives). Bounded: at most {@link MAX_TWCC_PENDING}
 * packets wait for feedback.
 */
export const MAX_TWCC_PENDING = 4096;
/** Feedback interval browsers use for transport-cc. */
export const TWCC_FEEDBACK_INTERVAL_MS = 100;

export class TwccRecorder {
  readonly #unwrap = new SeqUnwrapper();
  readonly #arrivals = new Map<number, number>();
  #mediaSsrc = 0;
  #feedbackCount = 0;
  /** Lowest unwrapped sequence not yet reported (packets before it are late and dropped). */
  #next: number | undefined;

  /** Records one packet: its transport-wide sequence number and arrival time (ms). */
  record(transportSeq: number, mediaSsrc: number, arrivalMs: number): void {
    const seq = this.#unwrap.unwrap(transportSeq);
    if (this.#next !== undefined && seq < this.#next) return;
    if (this.#arrivals.size >= MAX_TWCC_PENDING) return;
    this.#mediaSsrc = mediaSsrc;
    if (!this.#arrivals.has(seq)) this.#arrivals.set(seq, Math.round(arrivalMs * 1000));
  }

  /** Feedback for everything recorded since the last call, or undefined when nothing arrived. */
  feedback(senderSsrc: number): TransportCcFeedback | undefined {
    if (this.#arrivals.size === 0) return undefined;
    const seqs = [...this.#arrivals.keys()].sort((a, b) => a - b);
    const base = this.#next !== undefined ? Math.min(this.#next, seqs[0]!) : seqs[0]!;
    const last = seqs[seqs.length - 1]!;
    const arrivals: (number | undefined)[] = [];
    for (let s = base; s <= last; s++) arrivals.push(this.#arrivals.get(s));
    this.#arrivals.clear();
    this.#next = last + 1;
    const fb = TransportCcFeedback.fromArrivals({
      senderSsrc,
      mediaSsrc: this.#mediaSsrc,
      baseSequenceNumber: base & 0xffff,
      feedbackPacketCount: this.#feedbackCount & 0xff,
      arrivals,
    });
    this.#feedbackCount++;
    return fb;
  }
}
