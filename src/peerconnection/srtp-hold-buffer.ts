/**
 * SRTP and SRTCP datagrams that arrive before the SRTP keys are installed,
 * held in arrival order and handed over once they are.
 *
 * Why: the DTLS server starts sending media the moment it has sent its last
 * flight. The client then often reads the first SRTP packet in the same
 * receive batch as that flight, before the handshake's completion has run
 * through to the key installation (a promise continuation later); a lost or
 * reordered final flight makes media arrive even earlier. That first packet
 * is usually the start of a key frame, so it is kept, not dropped.
 *
 * Bounded: at most {@link SRTP_HOLD_MAX_PACKETS} datagrams and
 * {@link SRTP_HOLD_MAX_BYTES} bytes (whichever comes first). Beyond that new
 * datagrams are refused (the caller drops and counts them): the oldest are
 * kept because the start of a stream matters most and later losses are
 * repaired by NACK. Only datagrams from the ICE-validated pair reach it, and
 * it is emptied when the keys arrive or the transport closes or fails.
 */
export const SRTP_HOLD_MAX_PACKETS = 256;
/** Bytes held at most (about 300 full-size packets). */
export const SRTP_HOLD_MAX_BYTES = 384 * 1024;

export type HeldKind = 'rtp' | 'rtcp';

export class SrtpHoldBuffer {
  #packets: Buffer[] = [];
  #kinds: HeldKind[] = [];
  #bytes = 0;
  readonly #maxPackets: number;
  readonly #maxBytes: number;

  constructor(maxPackets = SRTP_HOLD_MAX_PACKETS, maxBytes = SRTP_HOLD_MAX_BYTES) {
    this.#maxPackets = maxPackets;
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#packets.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Holds one datagram; false (nothing held) when the buffer is full. */
  push(kind: HeldKind, packet: Buffer): boolean {
    if (this.#packets.length >= this.#maxPackets || this.#bytes + packet.length > this.#maxBytes) return false;
    this.#packets.push(packet);
    this.#kinds.push(kind);
    this.#bytes += packet.length;
    return true;
  }

  /**
   * Empties the buffer, calling `to` for each held datagram in arrival order.
   * Datagrams held while draining (a re-entrant push) are delivered too, after the others.
   */
  drain(to: (kind: HeldKind, packet: Buffer) => void): number {
    let n = 0;
    while (this.#packets.length > 0) {
      const packets = this.#packets;
      const kinds = this.#kinds;
      this.#packets = [];
      this.#kinds = [];
      this.#bytes = 0;
      for (let i = 0; i < packets.length; i++) {
        to(kinds[i]!, packets[i]!);
        n++;
      }
    }
    return n;
  }

  /** Forgets everything held; returns how many datagrams were discarded. */
  clear(): number {
    const n = this.#packets.length;
    this.#packets = [];
    this.#kinds = [];
    this.#bytes = 0;
    return n;
  }
}
