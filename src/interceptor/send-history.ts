/**
 * Recently sent RTP packets by sequence number, so a NACK can be answered
 * with a retransmission (RFC 4585 §6.2.1). A power-of-two ring: O(1) put and
 * get, no allocation beyond the stored packets.
 */
export const DEFAULT_SEND_HISTORY_SIZE = 1024;

export class SendHistory {
  // Allocated on the first put: a sender that never sends (or an idle
  // connection) holds no ring (2 × 1024 slots, ≈ 12 KiB per sender).
  #packets: (Buffer | undefined)[] | undefined;
  #seqs: Int32Array | undefined;
  readonly #size: number;

  constructor(size = DEFAULT_SEND_HISTORY_SIZE) {
    let n = 1;
    while (n < size) n <<= 1;
    this.#size = n;
  }

  /** Stores the plain (unprotected) RTP packet sent with `seq`. */
  put(seq: number, packet: Buffer): void {
    let packets = this.#packets;
    let seqs = this.#seqs;
    if (packets === undefined || seqs === undefined) {
      packets = this.#packets = new Array<Buffer | undefined>(this.#size).fill(undefined);
      seqs = this.#seqs = new Int32Array(this.#size).fill(-1);
    }
    const i = seq & (this.#size - 1);
    packets[i] = packet;
    seqs[i] = seq;
  }

  get(seq: number): Buffer | undefined {
    const seqs = this.#seqs;
    if (seqs === undefined) return undefined;
    const i = seq & (this.#size - 1);
    return seqs[i] === seq ? this.#packets![i] : undefined;
  }

  clear(): void {
    this.#packets = undefined;
    this.#seqs = undefined;
  }
}
