/**
 * Recently sent RTP packets by sequence number, so a NACK can be answered
 * with a retransmission (RFC 4585 §6.2.1). A power-of-two ring: O(1) put and
 * get, no allocation beyond the stored packets.
 */
export const DEFAULT_SEND_HISTORY_SIZE = 1024;

export class SendHistory {
  readonly #packets: (Buffer | undefined)[];
  readonly #seqs: Int32Array;
  readonly #mask: number;

  constructor(size = DEFAULT_SEND_HISTORY_SIZE) {
    let n = 1;
    while (n < size) n <<= 1;
    this.#packets = new Array<Buffer | undefined>(n);
    this.#seqs = new Int32Array(n).fill(-1);
    this.#mask = n - 1;
  }

  /** Stores the plain (unprotected) RTP packet sent with `seq`. */
  put(seq: number, packet: Buffer): void {
    const i = seq & this.#mask;
    this.#packets[i] = packet;
    this.#seqs[i] = seq;
  }

  get(seq: number): Buffer | undefined {
    const i = seq & this.#mask;
    return this.#seqs[i] === seq ? this.#packets[i] : undefined;
  }

  clear(): void {
    this.#packets.fill(undefined);
    this.#seqs.fill(-1);
  }
}
