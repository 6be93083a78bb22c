import type { TransportCcFeedback } from '../../rtcp/transport-cc.js';

/** One packet's fate, from transport-cc feedback: when it left, when (whether) it arrived. */
export interface PacketAck {
  /** Transport-wide sequence number (16 bits). */
  readonly seq: number;
  /** Bytes on the wire (the plain RTP packet). */
  readonly size: number;
  /** Our monotonic send time (ms). */
  readonly departureMs: number;
  /** The receiver's arrival time (ms, the receiver's own time base), or undefined when lost. */
  readonly arrivalMs: number | undefined;
}

/**
 * Slots of the sent-packet log: a power of two above the packets one
 * feedback interval can cover at high rates (8192 = 1 s at ~100 Mbit/s of
 * 1200-byte packets); older entries are overwritten, so memory is fixed.
 */
export const SENT_LOG_SLOTS = 8192;
/** Packets of one feedback message looked at at most (a hostile peer's status count is not trusted further). */
export const MAX_ACKS_PER_FEEDBACK = 4096;

/**
 * Remembers the send time and size of each packet by transport-wide
 * sequence number (Pion's cc.FeedbackAdapter) and turns transport-cc
 * feedback into {@link PacketAck}s. Sans-IO: times are passed in.
 */
export class SentPacketLog {
  readonly #seq = new Int32Array(SENT_LOG_SLOTS).fill(-1);
  readonly #size = new Uint32Array(SENT_LOG_SLOTS);
  readonly #departure = new Float64Array(SENT_LOG_SLOTS);
  /** Feedback for a sequence number already acknowledged is ignored (duplicates, replays). */
  readonly #acked = new Uint8Array(SENT_LOG_SLOTS);

  onSent(seq: number, size: number, departureMs: number): void {
    const i = seq & (SENT_LOG_SLOTS - 1);
    this.#seq[i] = seq & 0xffff;
    this.#size[i] = size;
    this.#departure[i] = departureMs;
    this.#acked[i] = 0;
  }

  /** The packets a feedback message reports on that we sent (unknown ones skipped), in sequence order. */
  onFeedback(fb: TransportCcFeedback): PacketAck[] {
    const out: PacketAck[] = [];
    const results = fb.packetResults();
    const n = Math.min(results.length, MAX_ACKS_PER_FEEDBACK);
    for (let k = 0; k < n; k++) {
      const r = results[k]!;
      const i = r.sequenceNumber & (SENT_LOG_SLOTS - 1);
      if (this.#seq[i] !== r.sequenceNumber) continue;
      // A packet reported lost may be reported received by a later message; a received one is final.
      if (this.#acked[i] === 2) continue;
      this.#acked[i] = r.arrivalTimeUs === undefined ? 1 : 2;
      out.push({
        seq: r.sequenceNumber,
        size: this.#size[i]!,
        departureMs: this.#departure[i]!,
        arrivalMs: r.arrivalTimeUs === undefined ? undefined : r.arrivalTimeUs / 1000,
      });
    }
    return out;
  }
}
