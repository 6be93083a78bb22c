/**
 * RFC 4571 §2 framing of datagrams (STUN, DTLS, RTP) over a TCP stream, as
 * ICE-TCP requires (RFC 6544 §3): each frame is a 16-bit big-endian LENGTH
 * followed by LENGTH bytes.
 */

/** RFC 4571 §2: LENGTH is 16 bits, so no frame carries more than 65535 bytes. */
export const RFC4571_MAX_FRAME_BYTES = 0xffff;

/** Prefixes `data` with its RFC 4571 length; throws RangeError for data over 65535 bytes (API misuse). */
export function frameRfc4571(data: Uint8Array): Buffer {
  if (data.length > RFC4571_MAX_FRAME_BYTES) throw new RangeError(`RFC 4571 frame of ${data.length} bytes exceeds 65535`);
  const out = Buffer.allocUnsafe(2 + data.length);
  out.writeUInt16BE(data.length, 0);
  out.set(data, 2);
  return out;
}

export interface Rfc4571FramerOptions {
  /** Frames longer than this are skipped (never buffered) and counted; default 65535. */
  maxFrameBytes?: number;
}

/**
 * Reassembles RFC 4571 frames from stream chunks. Memory is bounded: at most
 * one partial frame of ≤ `maxFrameBytes` is held; longer frames are skipped
 * byte-exactly (the stream stays in sync) and counted in `oversizedFrames`.
 * Whole frames inside one chunk are handed out as zero-copy views.
 */
export class Rfc4571Framer {
  readonly #maxFrameBytes: number;
  readonly #onFrame: (frame: Buffer) => void;
  /** Partial frame (or partial length prefix) waiting for more bytes. */
  #partial: Buffer | undefined;
  #partialFill = 0;
  /** First byte of a length prefix split across chunks (-1 when none). */
  #lengthHigh = -1;
  /** Bytes of an oversized frame still to skip. */
  #skip = 0;
  oversizedFrames = 0;
  frames = 0;

  constructor(onFrame: (frame: Buffer) => void, options: Rfc4571FramerOptions = {}) {
    this.#onFrame = onFrame;
    this.#maxFrameBytes = Math.min(options.maxFrameBytes ?? RFC4571_MAX_FRAME_BYTES, RFC4571_MAX_FRAME_BYTES);
  }

  /** Bytes currently held for reassembly. */
  get bufferedBytes(): number {
    return this.#partialFill + (this.#lengthHigh >= 0 ? 1 : 0);
  }

  push(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.#skip > 0) {
        const k = Math.min(this.#skip, n - off);
        this.#skip -= k;
        off += k;
        continue;
      }
      if (this.#partial) {
        const k = Math.min(this.#partial.length - this.#partialFill, n - off);
        chunk.copy(this.#partial, this.#partialFill, off, off + k);
        this.#partialFill += k;
        off += k;
        if (this.#partialFill === this.#partial.length) {
          const frame = this.#partial;
          this.#partial = undefined;
          this.#partialFill = 0;
          this.#emit(frame);
        }
        continue;
      }
      let len: number;
      if (this.#lengthHigh >= 0) {
        len = (this.#lengthHigh << 8) | chunk[off]!;
        this.#lengthHigh = -1;
        off += 1;
      } else if (n - off >= 2) {
        len = chunk.readUInt16BE(off);
        off += 2;
      } else {
        this.#lengthHigh = chunk[off]!;
        off += 1;
        continue;
      }
      if (len > this.#maxFrameBytes) {
        this.oversizedFrames++;
        this.#skip = len;
        continue;
      }
      if (n - off >= len) {
        const frame = chunk.subarray(off, off + len);
        off += len;
        this.#emit(frame);
      } else {
        this.#partial = Buffer.allocUnsafe(len);
        this.#partialFill = 0;
      }
    }
  }

  #emit(frame: Buffer): void {
    this.frames++;
    this.#onFrame(frame);
  }

  /** Drops any partial frame (connection closed). */
  reset(): void {
    this.#partial = undefined;
    this.#partialFill = 0;
    this.#lengthHigh = -1;
    this.#skip = 0;
  }
}
