import { DTLS_1_0, DTLS_1_2, MAX_CIPHERTEXT_LENGTH, RECORD_HEADER_LENGTH } from '../constants.js';
import { DtlsDecodeError } from '../errors.js';

/** One DTLS record as it came off the wire (slices share the datagram's memory). */
export interface RawRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit sequence number (exact as a JS number). */
  readonly sequence: number;
  /** The 13-byte header. */
  readonly header: Buffer;
  /** DTLSPlaintext.fragment or DTLSCiphertext.fragment. */
  readonly fragment: Buffer;
}

const TWO_32 = 0x1_0000_0000;

/**
 * RFC 6347 §4.1: splits a datagram into records. Several records may share a
 * datagram (§4.1.1). A record cannot span datagrams, so a malformed header
 * ends the datagram: what was parsed is returned, then DtlsDecodeError is
 * thrown for the rest only when nothing was parsed.
 */
export function parseRecords(datagram: Buffer): RawRecord[] {
  const out: RawRecord[] = [];
  let o = 0;
  while (o < datagram.length) {
    if (datagram.length - o < RECORD_HEADER_LENGTH) break;
    const type = datagram[o]!;
    const version = datagram.readUInt16BE(o + 1);
    const length = datagram.readUInt16BE(o + 11);
    if (type < 20 || type > 63 || (version !== DTLS_1_2 && version !== DTLS_1_0) || length > MAX_CIPHERTEXT_LENGTH) break;
    const end = o + RECORD_HEADER_LENGTH + length;
    if (end > datagram.length) break;
    out.push({
      type,
      version,
      epoch: datagram.readUInt16BE(o + 3),
      sequence: datagram.readUInt16BE(o + 5) * TWO_32 + datagram.readUInt32BE(o + 7),
      header: datagram.subarray(o, o + RECORD_HEADER_LENGTH),
      fragment: datagram.subarray(o + RECORD_HEADER_LENGTH, end),
    });
    o = end;
  }
  if (out.length === 0) throw new DtlsDecodeError('no valid DTLS record in datagram');
  return out;
}

/** Writes a record header at `offset`. */
export function writeRecordHeader(
  out: Buffer,
  offset: number,
  type: number,
  epoch: number,
  sequence: number,
  length: number,
  version: number = DTLS_1_2,
): void {
  out[offset] = type;
  out.writeUInt16BE(version, offset + 1);
  out.writeUInt16BE(epoch, offset + 3);
  out.writeUInt16BE(Math.floor(sequence / TWO_32), offset + 5);
  out.writeUInt32BE(sequence % TWO_32 >>> 0, offset + 7);
  out.writeUInt16BE(length, offset + 11);
}

/** A plaintext (epoch 0) record. */
export function plaintextRecord(type: number, epoch: number, sequence: number, fragment: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + fragment.length);
  writeRecordHeader(out, 0, type, epoch, sequence, fragment.length);
  out.set(fragment, RECORD_HEADER_LENGTH);
  return out;
}

/** RFC 6347 §4.1: 48-bit sequence numbers; the epoch must change before this wraps. */
export const MAX_SEQUENCE = 2 ** 48 - 1;
