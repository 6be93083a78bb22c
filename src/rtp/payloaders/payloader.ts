/**
 * Splits encoded media frames into RTP payloads that fit an MTU, and puts
 * them back together (Pion's rtp.Payloader / rtp.Depacketizer).
 */
export interface Payloader {
  /** Payloads for one frame; the last one carries the RTP marker bit. */
  payload(mtu: number, frame: Uint8Array): Buffer[];
}

export interface DepacketizedChunk {
  /** Bytes to append to the current frame. */
  data: Buffer;
  /** True when this payload starts a new frame/partition. */
  frameStart: boolean;
}

export interface Depacketizer {
  /** Strips the payload header; throws `PayloadDecodeError` on malformed input. */
  depacketize(payload: Uint8Array): DepacketizedChunk;
  /** Whether the payload begins a key frame (needs the start of a frame). */
  isKeyFrame(payload: Uint8Array): boolean;
}
