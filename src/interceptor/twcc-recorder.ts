import type { DropCounter } from '../common/drop-counter.js';
import { TransportCcFeedback, TWCC_DELTA_TICK_US, TWCC_REFERENCE_TICK_US } from '../rtcp/transport-cc.js';
import { seqDiff } from '../rtp/sequence.js';

/**
 * Arrival times of packets carrying the transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), turned into
 * transport-cc feedback every interval so the remote sender's bandwidth
 * estimator can ramp up (browsers only send higher simulcast layers and
 * bitrates once feedback arrives).
 *
 * The sequence numbers come from the remote peer, so nothing here is sized
 * by their span. Limits (each drop is counted on the given DropCounter and
 * trace-logged):
 * - {@link MAX_TWCC_PENDING} packets wait for feedback (`twcc-pending-full`);
 * - a packet more than {@link MAX_TWCC_SEQ_JUMP} away from the highest
 *   sequence seen is a wild jump (`twcc-seq-jump`); only after
 *   {@link TWCC_RESYNC_PACKETS} such packets in a row does the recorder
 *   follow the new numbering (an honest sender's counter never jumps, so this
 *   only recovers from a sender restart);
 * - a packet already reported, lost or not, is late (`twcc-late`);
 * - building the feedback costs O(packets reported): a gap between reported
 *   packets is written slot by slot (as "not received") only while the
 *   round's slots stay within {@link TWCC_SLOT_BUDGET_FACTOR} × packets +
 *   {@link TWCC_SLOT_BUDGET_EXTRA}; a longer gap starts a new feedback packet
 *   at the next received packet instead;
 * - each feedback packet reports at most {@link MAX_TWCC_PACKETS_PER_FEEDBACK}
 *   packets over at most {@link MAX_TWCC_SLOTS_PER_FEEDBACK} slots (it fits
 *   one MTU), and one round sends at most {@link MAX_TWCC_FEEDBACKS_PER_ROUND}
 *   of them (the rest: `twcc-feedback-overflow`).
 */
export const MAX_TWCC_PENDING = 4096;
/** Feedback interval browsers use for transport-cc. */
export const TWCC_FEEDBACK_INTERVAL_MS = 100;
/** Largest distance from the highest sequence seen that counts as the same stream (a 1 s outage at 1,000 packets/s stays inside). */
export const MAX_TWCC_SEQ_JUMP = 0x1000;
/** Consecutive out-of-window packets after which the recorder follows the new numbering. */
export const TWCC_RESYNC_PACKETS = 16;
/** Slots a round may spend on gaps: factor × packets reported ... */
export const TWCC_SLOT_BUDGET_FACTOR = 2;
/** ... plus this many. */
export const TWCC_SLOT_BUDGET_EXTRA = 256;
/** Received packets per feedback packet (≤ 600 bytes of deltas). */
export const MAX_TWCC_PACKETS_PER_FEEDBACK = 300;
/** Status slots per feedback packet (≤ 300 bytes of status chunks). */
export const MAX_TWCC_SLOTS_PER_FEEDBACK = 1024;
/** Feedback packets per round; what is left over is dropped. */
export const MAX_TWCC_FEEDBACKS_PER_ROUND = 8;

/** ±8.19 s: what a 16-bit signed delta of 250 µs ticks holds. */
const MAX_DELTA_TICKS = 0x7fff;

export class TwccRecorder {
  /** Pending arrivals: unwrapped sequence → arrival (µs). */
  readonly #arrivals = new Map<number, number>();
  readonly #drops: DropCounter | undefined;
  #mediaSsrc = 0;
  #feedbackCount = 0;
  /** Highest unwrapped sequence accepted. */
  #highest: number | undefined;
  /** Lowest unwrapped sequence not yet reported (packets before it are late and dropped). */
  #next: number | undefined;
  #outOfWindow = 0;

  constructor(drops?: DropCounter) {
    this.#drops = drops;
  }

  /** Packets waiting for the next feedback. */
  get pending(): number {
    return this.#arrivals.size;
  }

  /** Records one packet: its transport-wide sequence number and arrival time (ms). */
  record(transportSeq: number, mediaSsrc: number, arrivalMs: number): void {
    const highest = this.#highest;
    let seq: number;
    if (highest === undefined) {
      seq = transportSeq & 0xffff;
    } else {
      // Unwrapped against the highest accepted sequence, never against a dropped one.
      const d = seqDiff(transportSeq, highest);
      seq = highest + d;
      if (d > MAX_TWCC_SEQ_JUMP || d < -MAX_TWCC_SEQ_JUMP) {
        if (++this.#outOfWindow < TWCC_RESYNC_PACKETS) return this.#drop('twcc-seq-jump', transportSeq);
        this.#resync(seq);
      }
    }
    this.#outOfWindow = 0;
    if (this.#next !== undefined && seq < this.#next) return this.#drop('twcc-late', transportSeq);
    if (this.#arrivals.has(seq)) return;
    if (this.#arrivals.size >= MAX_TWCC_PENDING) return this.#drop('twcc-pending-full', transportSeq);
    this.#mediaSsrc = mediaSsrc;
    this.#arrivals.set(seq, Math.round(arrivalMs * 1000));
    if (highest === undefined || seq > highest) this.#highest = seq;
  }

  /**
   * Feedback for everything recorded since the last call (empty when nothing
   * arrived): usually one packet, more when a round does not fit one.
   */
  feedback(senderSsrc: number): TransportCcFeedback[] {
    if (this.#arrivals.size === 0) return [];
    const seqs = [...this.#arrivals.keys()].sort((a, b) => a - b);
    let budget = TWCC_SLOT_BUDGET_FACTOR * seqs.length + TWCC_SLOT_BUDGET_EXTRA;
    const out: TransportCcFeedback[] = [];
    // Packets lost since the last round are reported too, within the budget.
    let base = this.#next !== undefined && this.#next < seqs[0]! && seqs[0]! - this.#next <= budget ? this.#next : seqs[0]!;
    let slots: (number | undefined)[] = [];
    let received = 0;
    let prevUs = 0;
    let i = 0;
    for (; i < seqs.length; i++) {
      const seq = seqs[i]!;
      const at = this.#arrivals.get(seq)!;
      const start = base + slots.length;
      const gap = seq - start;
      const ticks = received === 0 ? 0 : Math.round((at - prevUs) / TWCC_DELTA_TICK_US);
      const split =
        received > 0 &&
        (gap > budget ||
          received >= MAX_TWCC_PACKETS_PER_FEEDBACK ||
          slots.length + gap + 1 > MAX_TWCC_SLOTS_PER_FEEDBACK ||
          ticks > MAX_DELTA_TICKS ||
          ticks < -MAX_DELTA_TICKS - 1);
      if (split) {
        out.push(this.#build(senderSsrc, base, slots));
        if (out.length >= MAX_TWCC_FEEDBACKS_PER_ROUND) break;
        base = seq;
        slots = [];
        received = 0;
      } else if (received === 0 && gap > 0 && gap > budget) {
        base = seq;
      } else if (gap > 0) {
        budget -= gap;
        for (let g = 0; g < gap; g++) slots.push(undefined);
      }
      if (received === 0) prevUs = Math.floor(at / TWCC_REFERENCE_TICK_US) * TWCC_REFERENCE_TICK_US;
      prevUs += Math.round((at - prevUs) / TWCC_DELTA_TICK_US) * TWCC_DELTA_TICK_US;
      slots.push(at);
      received++;
    }
    if (i === seqs.length) out.push(this.#build(senderSsrc, base, slots));
    else for (let k = i; k < seqs.length; k++) this.#drop('twcc-feedback-overflow', seqs[k]! & 0xffff);
    this.#arrivals.clear();
    this.#next = seqs[seqs.length - 1]! + 1;
    return out;
  }

  #build(senderSsrc: number, base: number, arrivals: (number | undefined)[]): TransportCcFeedback {
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

  /** The sender's numbering moved for good: what was pending for the old one is dropped. */
  #resync(seq: number): void {
    for (const s of this.#arrivals.keys()) this.#drop('twcc-resync', s & 0xffff);
    this.#arrivals.clear();
    this.#next = undefined;
    this.#highest = seq;
    this.#outOfWindow = 0;
  }

  #drop(reason: string, seq: number): void {
    this.#drops?.drop(reason, `transport seq ${seq}`);
  }
}
