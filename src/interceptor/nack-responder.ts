import type { DropCounter } from '../common/drop-counter.js';
import { DEFAULT_SEND_HISTORY_SIZE } from './send-history.js';

/**
 * Decides which NACKed packets (RFC 4585 §6.2.1) one sender retransmits.
 * A NACK costs the remote peer a few bytes and can ask for thousands of
 * packets, so answering every request would let any peer multiply our
 * upstream (one 1.2 KB NACK names up to ~5,000 packets). As libwebrtc's
 * RTPSender (minimum resend time, retransmission rate limiter, history age)
 * and Pion's responder (bounded history) do, each sender:
 * - answers at most {@link NACK_BURST} NACK packets at once, refilled at
 *   {@link NACK_RATE_PER_SECOND} per second (`nack-rate-limited`);
 * - looks at no more than {@link MAX_SEQS_PER_NACK} sequence numbers of one
 *   NACK (`nack-too-many`);
 * - resends one packet at most once per {@link MIN_RESEND_INTERVAL_MS}
 *   (`nack-duplicate`: a NACK repeated before the first answer could arrive);
 * - skips packets sent more than {@link MAX_RETRANSMIT_AGE_MS} ago
 *   (`nack-too-old`: the receiver's jitter buffer has moved on);
 * - spends at most {@link RETRANSMIT_BUDGET_BYTES} on retransmissions per
 *   {@link RETRANSMIT_BUDGET_INTERVAL_MS} (`nack-over-budget`).
 * Skipped requests are counted on the DropCounter (once per NACK and
 * reason; `skipped` counts the packets) and trace-logged.
 * Sans-IO: the caller passes the time and does the sending. Memory: two
 * 8-byte slots per history entry, allocated on the first packet sent.
 */
export const NACK_RATE_PER_SECOND = 50;
/** NACK packets answered back to back before the rate applies. */
export const NACK_BURST = 10;
/** Sequence numbers considered per NACK packet (one FCI entry names up to 17). */
export const MAX_SEQS_PER_NACK = 512;
/** A packet is resent at most once per this interval (libwebrtc uses the RTT; 100 ms is a typical one). */
export const MIN_RESEND_INTERVAL_MS = 100;
/** Older packets are not resent (libwebrtc keeps about a second of history). */
export const MAX_RETRANSMIT_AGE_MS = 1000;
/** Retransmission bytes allowed per interval: 64 KiB per 100 ms, about 5 Mbit/s. */
export const RETRANSMIT_BUDGET_BYTES = 64 * 1024;
export const RETRANSMIT_BUDGET_INTERVAL_MS = 100;

export interface NackResponderLimits {
  nackRatePerSecond?: number;
  nackBurst?: number;
  maxSeqsPerNack?: number;
  minResendIntervalMs?: number;
  maxRetransmitAgeMs?: number;
  budgetBytes?: number;
  budgetIntervalMs?: number;
}

export class NackResponder {
  readonly #size: number;
  readonly #drops: DropCounter | undefined;
  readonly #l: Required<NackResponderLimits>;
  #seqs: Int32Array | undefined;
  #sentAt: Float64Array | undefined;
  #resentAt: Float64Array | undefined;
  #tokens: number;
  #tokensAt: number | undefined;
  #budgetLeft: number;
  #budgetAt: number | undefined;
  /** Packets resent, and the NACKed packets skipped by a limit. */
  resent = 0;
  skipped = 0;

  constructor(options: { historySize?: number; drops?: DropCounter; limits?: NackResponderLimits } = {}) {
    let n = 1;
    while (n < (options.historySize ?? DEFAULT_SEND_HISTORY_SIZE)) n <<= 1;
    this.#size = n;
    this.#drops = options.drops;
    const l = options.limits ?? {};
    this.#l = {
      nackRatePerSecond: l.nackRatePerSecond ?? NACK_RATE_PER_SECOND,
      nackBurst: l.nackBurst ?? NACK_BURST,
      maxSeqsPerNack: l.maxSeqsPerNack ?? MAX_SEQS_PER_NACK,
      minResendIntervalMs: l.minResendIntervalMs ?? MIN_RESEND_INTERVAL_MS,
      maxRetransmitAgeMs: l.maxRetransmitAgeMs ?? MAX_RETRANSMIT_AGE_MS,
      budgetBytes: l.budgetBytes ?? RETRANSMIT_BUDGET_BYTES,
      budgetIntervalMs: l.budgetIntervalMs ?? RETRANSMIT_BUDGET_INTERVAL_MS,
    };
    this.#tokens = this.#l.nackBurst;
    this.#budgetLeft = this.#l.budgetBytes;
  }

  /** Notes that the packet with this sequence number was sent (first time) at `nowMs`. */
  onSent(seq: number, nowMs: number): void {
    if (this.#seqs === undefined) {
      this.#seqs = new Int32Array(this.#size).fill(-1);
      this.#sentAt = new Float64Array(this.#size);
      this.#resentAt = new Float64Array(this.#size).fill(-Infinity);
    }
    const i = seq & (this.#size - 1);
    this.#seqs[i] = seq;
    this.#sentAt![i] = nowMs;
    this.#resentAt![i] = -Infinity;
  }

  /**
   * Answers one NACK: for each requested sequence number that passes the
   * limits, `lookup` gives the packet (undefined: no longer in the history)
   * and `send` resends it (false: the transport refused it). Returns the
   * number of packets resent.
   */
  respond(seqs: readonly number[], nowMs: number, lookup: (seq: number) => Buffer | undefined, send: (packet: Buffer) => boolean): number {
    if (!this.#takeNackToken(nowMs)) {
      this.#skip('nack-rate-limited', seqs.length);
      return 0;
    }
    this.#refillBudget(nowMs);
    const l = this.#l;
    const n = Math.min(seqs.length, l.maxSeqsPerNack);
    if (seqs.length > n) this.#skip('nack-too-many', seqs.length - n);
    const known = this.#seqs;
    let sent = 0;
    let unknown = 0;
    let old = 0;
    let duplicate = 0;
    let overBudget = 0;
    for (let k = 0; k < n; k++) {
      const seq = seqs[k]! & 0xffff;
      const i = seq & (this.#size - 1);
      if (known === undefined || known[i] !== seq) {
        unknown++;
        continue;
      }
      if (nowMs - this.#sentAt![i]! > l.maxRetransmitAgeMs) {
        old++;
        continue;
      }
      if (nowMs - this.#resentAt![i]! < l.minResendIntervalMs) {
        duplicate++;
        continue;
      }
      const packet = lookup(seq);
      if (!packet) {
        unknown++;
        continue;
      }
      if (packet.length > this.#budgetLeft) {
        overBudget = n - k;
        break;
      }
      if (!send(packet)) continue;
      this.#budgetLeft -= packet.length;
      this.#resentAt![i] = nowMs;
      sent++;
    }
    if (unknown) this.#skip('nack-unknown', unknown);
    if (old) this.#skip('nack-too-old', old);
    if (duplicate) this.#skip('nack-duplicate', duplicate);
    if (overBudget) this.#skip('nack-over-budget', overBudget);
    this.resent += sent;
    return sent;
  }

  /** Forgets the history (the sender stopped). */
  clear(): void {
    this.#seqs = undefined;
    this.#sentAt = undefined;
    this.#resentAt = undefined;
  }

  #takeNackToken(nowMs: number): boolean {
    const l = this.#l;
    if (this.#tokensAt !== undefined) {
      this.#tokens = Math.min(l.nackBurst, this.#tokens + ((nowMs - this.#tokensAt) * l.nackRatePerSecond) / 1000);
    }
    this.#tokensAt = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refillBudget(nowMs: number): void {
    const l = this.#l;
    if (this.#budgetAt === undefined || nowMs - this.#budgetAt >= l.budgetIntervalMs) {
      this.#budgetAt = nowMs;
      this.#budgetLeft = l.budgetBytes;
    }
  }

  #skip(reason: string, count: number): void {
    this.skipped += count;
    // One count per NACK and reason, not per packet: a flood must not cost a log line per sequence number.
    this.#drops?.drop(reason, `${count} packets`);
  }
}
