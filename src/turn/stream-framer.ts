import { CHANNEL_DATA_HEADER_BYTES, MAX_STREAM_FRAME_BYTES, STUN_HEADER_BYTES } from './constants.js';

/**
 * Splits a TCP or TLS byte stream from a TURN server into messages.
 *
 * RFC 8656 §12.5 / RFC 6062: over a stream, STUN messages and ChannelData
 * messages are self-delimiting. A STUN message is 20 header bytes plus the
 * Length at bytes 2–3 (a multiple of 4); a ChannelData message is 4 header
 * bytes plus its Length, padded to a multiple of 4 over streams.
 *
 * Buffering is bounded: a frame can never exceed {@link MAX_STREAM_FRAME_BYTES},
 * and a first byte that is neither STUN (0b00) nor ChannelData (0b01) means the
 * stream is out of sync; the framer then reports an error and stays failed
 * (the connection must be dropped: there is no way to resynchronise).
 */
export class StreamFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #failed = false;

  /** True once the stream was found out of sync; every later push returns nothing. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Appends a chunk and returns the complete frames it finished, in order.
   * Each STUN frame is exactly the message; each ChannelData frame excludes
   * the padding.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.#failed || chunk.length === 0) return [];
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.#buffered < CHANNEL_DATA_HEADER_BYTES) break;
      const head = this.#peekHeader();
      const kind = head[0]! & 0xc0;
      const length = head.readUInt16BE(2);
      let frameBytes: number;
      let wireBytes: number;
      if (kind === 0x00) {
        // RFC 8489 §5: the message length is a multiple of 4.
        if ((length & 3) !== 0) return this.#fail(frames);
        frameBytes = STUN_HEADER_BYTES + length;
        wireBytes = frameBytes;
      } else if (kind === 0x40) {
        frameBytes = CHANNEL_DATA_HEADER_BYTES + length;
        wireBytes = CHANNEL_DATA_HEADER_BYTES + ((length + 3) & ~3);
      } else {
        return this.#fail(frames);
      }
      if (wireBytes > MAX_STREAM_FRAME_BYTES) return this.#fail(frames);
      // Joining chunks only once the whole frame is here keeps a slow drip linear.
      if (this.#buffered < wireBytes) break;
      const buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
      frames.push(buf.subarray(0, frameBytes));
      if (buf.length === wireBytes) {
        this.#chunks = [];
        this.#buffered = 0;
      } else {
        this.#chunks = [buf.subarray(wireBytes)];
        this.#buffered = buf.length - wireBytes;
      }
    }
    return frames;
  }

  /** The first 4 buffered bytes (the common STUN/ChannelData prefix). */
  #peekHeader(): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= CHANNEL_DATA_HEADER_BYTES) return first;
    const merged = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [merged];
    return merged;
  }

  #fail(frames: Buffer[]): Buffer[] {
    this.#failed = true;
    this.#chunks = [];
    this.#buffered = 0;
    return frames;
  }
}
