import type { Rng } from '../../common/rng.js';
import { PayloadDecodeError } from './errors.js';
import type { DepacketizedChunk, Depacketizer, Payloader } from './payloader.js';

/**
 * VP8 payload format (RFC 7741). Each payload gets a payload descriptor with
 * a 15-bit PictureID (M=1), so receivers can detect lost frames.
 */
export class Vp8Payloader implements Payloader {
  #pictureId: number;

  constructor(options: { rng?: Rng; pictureId?: number } = {}) {
    this.#pictureId = options.pictureId ?? (options.rng ? options.rng.uint32() & 0x7fff : 0);
  }

  payload(mtu: number, frame: Uint8Array): Buffer[] {
    const headerSize = 4; // X|S byte, I byte, 2-byte PictureID
    const maxData = mtu - headerSize;
    if (maxData <= 0 || frame.length === 0) return [];
    const out: Buffer[] = [];
    const pid = this.#pictureId;
    for (let offset = 0; offset < frame.length; offset += maxData) {
      const n = Math.min(maxData, frame.length - offset);
      const p = Buffer.allocUnsafe(headerSize + n);
      // RFC 7741 §4.2: X=1, S=1 on the first packet of the frame, PID=0.
      p[0] = 0x80 | (offset === 0 ? 0x10 : 0);
      p[1] = 0x80; // I=1: PictureID present
      p[2] = 0x80 | (pid >> 8); // M=1: 15-bit PictureID
      p[3] = pid & 0xff;
      p.set(frame.subarray(offset, offset + n), headerSize);
      out.push(p);
    }
    this.#pictureId = (pid + 1) & 0x7fff;
    return out;
  }
}

function descriptorLength(p: Uint8Array): number {
  if (p.length < 1) throw new PayloadDecodeError('empty VP8 payload');
  let i = 1;
  if (p[0]! & 0x80) {
    if (p.length < 2) throw new PayloadDecodeError('truncated VP8 descriptor');
    const ext = p[1]!;
    i = 2;
    if (ext & 0x80) {
      // I: PictureID, 7 or 15 bits.
      if (p.length <= i) throw new PayloadDecodeError('truncated VP8 PictureID');
      i += p[i]! & 0x80 ? 2 : 1;
    }
    if (ext & 0x40) i++; // L: TL0PICIDX
    if (ext & 0x30) i++; // T or K: TID/Y/KEYIDX
  }
  if (i >= p.length) throw new PayloadDecodeError('VP8 payload has no data after its descriptor');
  return i;
}

export class Vp8Depacketizer implements Depacketizer {
  depacketize(payload: Uint8Array): DepacketizedChunk {
    const n = descriptorLength(payload);
    const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return { data: b.subarray(n), frameStart: (payload[0]! & 0x10) !== 0 && (payload[0]! & 0x07) === 0 };
  }

  /** RFC 7741 §4.3: the P bit of the VP8 payload header is 0 for key frames. */
  isKeyFrame(payload: Uint8Array): boolean {
    try {
      const n = descriptorLength(payload);
      const start = (payload[0]! & 0x10) !== 0 && (payload[0]! & 0x07) === 0;
      return start && (payload[n]! & 0x01) === 0;
    } catch {
      return false;
    }
  }
}
