import { isNewerSeq, seqDiff } from '../rtp/sequence.js';

/**
 * Which recent sequence numbers of one inbound stream have arrived, to build
 * generic NACKs (RFC 4585 §6.2.1) for the gaps, as Pion's NACK generator.
 */
export const DEFAULT_RECEIVE_LOG_SIZE = 512;
/** A missing packet is NACKed at most this many times. */
export const DEFAULT_MAX_NACKS_PER_PACKET = 10;

export class ReceiveLog {
  readonly #size: number;
  readonly #received: Uint8Array;
  readonly #nacks: Uint8Array;
  #highest = -1;
  #lowest = -1;

  constructor(
    size = DEFAULT_RECEIVE_LOG_SIZE,
    readonly maxNacksPerPacket = DEFAULT_MAX_NACKS_PER_PACKET,
  ) {
    // A power of two that divides 2^16, so indexes stay consistent across wrap-around.
    let n = 16;
    while (n < size && n < 0x8000) n <<= 1;
    this.#size = n;
    this.#received = new Uint8Array(n);
    this.#nacks = new Uint8Array(n);
  }

  get highest(): number {
    return this.#highest;
  }

  add(seq: number): void {
    if (this.#highest < 0) {
      this.#highest = this.#lowest = seq;
      this.#mark(seq);
      return;
    }
    const d = seqDiff(seq, this.#highest);
    if (d > 0) {
      if (d >= this.#size) {
        // A jump larger than the log: forget everything before it.
        this.#received.fill(0);
        this.#nacks.fill(0);
        this.#lowest = seq;
      } else {
        for (let s = (this.#highest + 1) & 0xffff; s !== seq; s = (s + 1) & 0xffff) this.#clear(s);
      }
      this.#highest = seq;
      if (seqDiff(this.#highest, this.#lowest) >= this.#size) this.#lowest = (this.#highest - this.#size + 1) & 0xffff;
    } else if (-d >= this.#size || !isNewerSeq(seq, (this.#lowest - 1) & 0xffff)) {
      return; // too old to track
    }
    this.#mark(seq);
  }

  /**
   * Sequence numbers missing between the oldest tracked and the newest
   * received, skipping the newest `skipLastN`, each returned at most
   * maxNacksPerPacket times.
   */
  missing(skipLastN = 0): number[] {
    if (this.#highest < 0) return [];
    const out: number[] = [];
    const end = (this.#highest - skipLastN) & 0xffff;
    for (let s = this.#lowest; s !== ((end + 1) & 0xffff); s = (s + 1) & 0xffff) {
      if (seqDiff(end, s) < 0) break;
      const i = s % this.#size;
      if (this.#received[i] === 0 && this.#nacks[i]! < this.maxNacksPerPacket) {
        this.#nacks[i]!++;
        out.push(s);
      }
    }
    return out;
  }

  #mark(seq: number): void {
    const i = seq % this.#size;
    this.#received[i] = 1;
    this.#nacks[i] = 0;
  }

  #clear(seq: number): void {
    const i = seq % this.#size;
    this.#received[i] = 0;
    this.#nacks[i] = 0;
  }
}
