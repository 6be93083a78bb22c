import { HANDSHAKE_HEADER_LENGTH } from '../constants.js';
import { DtlsDecodeError } from '../errors.js';

/** One handshake fragment, RFC 6347 §4.2.2. */
export interface HandshakeFragment {
  readonly msgType: number;
  /** Length of the whole message body. */
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly fragment: Buffer;
}

/** A complete, reassembled handshake message. */
export interface HandshakeMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Buffer;
}

/** Parses the handshake fragments of one record's plaintext (a record may carry several). */
export function parseHandshakeFragments(data: Buffer): HandshakeFragment[] {
  const out: HandshakeFragment[] = [];
  let o = 0;
  while (o < data.length) {
    if (data.length - o < HANDSHAKE_HEADER_LENGTH) throw new DtlsDecodeError('truncated handshake header');
    const msgType = data[o]!;
    const length = data.readUIntBE(o + 1, 3);
    const messageSeq = data.readUInt16BE(o + 4);
    const fragmentOffset = data.readUIntBE(o + 6, 3);
    const fragmentLength = data.readUIntBE(o + 9, 3);
    const start = o + HANDSHAKE_HEADER_LENGTH;
    if (start + fragmentLength > data.length) throw new DtlsDecodeError('truncated handshake fragment');
    if (fragmentOffset + fragmentLength > length) throw new DtlsDecodeError('handshake fragment beyond message length');
    out.push({ msgType, length, messageSeq, fragmentOffset, fragment: data.subarray(start, start + fragmentLength) });
    o = start + fragmentLength;
  }
  return out;
}

/** Writes a handshake header at `offset`. */
export function writeHandshakeHeader(
  out: Buffer,
  offset: number,
  msgType: number,
  length: number,
  messageSeq: number,
  fragmentOffset: number,
  fragmentLength: number,
): void {
  out[offset] = msgType;
  out.writeUIntBE(length, offset + 1, 3);
  out.writeUInt16BE(messageSeq, offset + 4);
  out.writeUIntBE(fragmentOffset, offset + 6, 3);
  out.writeUIntBE(fragmentLength, offset + 9, 3);
}

/**
 * The whole message as one fragment (offset 0, fragment_length = length):
 * RFC 6347 §4.2.6 hashes handshake messages in this form into the transcript.
 */
export function encodeHandshakeMessage(msgType: number, messageSeq: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HANDSHAKE_HEADER_LENGTH + body.length);
  writeHandshakeHeader(out, 0, msgType, body.length, messageSeq, 0, body.length);
  out.set(body, HANDSHAKE_HEADER_LENGTH);
  return out;
}
