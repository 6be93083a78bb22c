import { PayloadDecodeError } from './errors.js';
import type { DepacketizedChunk, Depacketizer, Payloader } from './payloader.js';

/** Opus (RFC 7587): one frame per payload, no payload header. */
export class OpusPayloader implements Payloader {
  payload(_mtu: number, frame: Uint8Array): Buffer[] {
    if (frame.length === 0) return [];
    return [Buffer.from(frame)];
  }
}

export class OpusDepacketizer implements Depacketizer {
  depacketize(payload: Uint8Array): DepacketizedChunk {
    if (payload.length === 0) throw new PayloadDecodeError('empty Opus payload');
    return { data: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), frameStart: true };
  }

  isKeyFrame(): boolean {
    return true;
  }
}
