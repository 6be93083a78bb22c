import { InvalidArgumentError } from '../common/errors.js';

/**
 * Writes VP8/VP9/AV1 frames in the IVF container (as Pion's ivfwriter):
 * a 32-byte file header, then per frame a 12-byte header and the frame.
 * Output goes to any sink (a file stream, an array), so it does no I/O itself.
 */
export interface IvfWriterOptions {
  fourcc?: 'VP80' | 'VP90' | 'AV01';
  width?: number;
  height?: number;
  /** Timebase numerator/denominator: 1/90000 for RTP timestamps. */
  timebaseNumerator?: number;
  timebaseDenominator?: number;
}

export class IvfWriter {
  #frames = 0;
  readonly #write: (chunk: Buffer) => void;

  constructor(write: (chunk: Buffer) => void, options: IvfWriterOptions = {}) {
    const fourcc = options.fourcc ?? 'VP80';
    const h = Buffer.alloc(32);
    h.write('DKIF', 0, 'ascii');
    h.writeUInt16LE(0, 4); // version
    h.writeUInt16LE(32, 6); // header size
    h.write(fourcc, 8, 'ascii');
    h.writeUInt16LE(options.width ?? 640, 12);
    h.writeUInt16LE(options.height ?? 480, 14);
    h.writeUInt32LE(options.timebaseDenominator ?? 90000, 16); // rate
    h.writeUInt32LE(options.timebaseNumerator ?? 1, 20); // scale
    h.writeUInt32LE(0, 24); // frame count (unknown while streaming)
    this.#write = write;
    write(h);
  }

  get framesWritten(): number {
    return this.#frames;
  }

  /** Writes one complete frame with its timestamp (in timebase units). */
  writeFrame(frame: Uint8Array, timestamp: bigint | number): void {
    if (frame.length === 0) throw new InvalidArgumentError('empty IVF frame');
    const h = Buffer.allocUnsafe(12);
    h.writeUInt32LE(frame.length, 0);
    h.writeBigUInt64LE(BigInt(timestamp), 4);
    this.#write(h);
    this.#write(Buffer.from(frame));
    this.#frames++;
  }
}
