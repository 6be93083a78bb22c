import { InvalidArgumentError } from '../common/errors.js';
import { RtpDecodeError } from './errors.js';
import { RtpHeader, type RtpHeaderInit } from './rtp-header.js';

/**
 * An RTP packet (RFC 3550 §5.1) as objects: header, payload and padding.
 * `parse` shares the payload and extension bytes with its input (no copy);
 * `serialize` writes one new buffer, `serializeTo` a caller's buffer.
 */
export class RtpPacket {
  header: RtpHeader;
  payload: Buffer;
  /** Padding octets after the payload, the count octet included (0 = none). */
  paddingLength: number;

  constructor(header: RtpHeader | RtpHeaderInit, payload: Buffer = Buffer.alloc(0), paddingLength = 0) {
    this.header = header instanceof RtpHeader ? header : new RtpHeader(header);
    this.payload = payload;
    this.paddingLength = paddingLength;
  }

  /** Throws only RtpDecodeError. */
  static parse(data: Uint8Array): RtpPacket {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const { header, length } = RtpHeader.parseWithLength(buf);
    let padding = 0;
    if (header.padding) {
      padding = length < buf.length ? buf[buf.length - 1]! : 0;
      if (padding === 0 || length + padding > buf.length) throw new RtpDecodeError(`bad RTP padding length ${padding}`);
    }
    return new RtpPacket(header, buf.subarray(length, buf.length - padding), padding);
  }

  get serializedSize(): number {
    return this.header.serializedSize + this.payload.length + this.paddingLength;
  }

  /** Writes the packet at `buf[off..]`; returns the bytes written. Padding octets are zero but the last. */
  serializeTo(buf: Buffer, off = 0): number {
    const pad = this.paddingLength;
    if (!Number.isInteger(pad) || pad < 0 || pad > 255) throw new InvalidArgumentError(`padding length ${pad} out of range 0-255`);
    if (this.serializedSize > buf.length - off) throw new InvalidArgumentError('buffer too small for the RTP packet');
    let i = off + this.header.serializeTo(buf, off, pad > 0);
    this.payload.copy(buf, i);
    i += this.payload.length;
    if (pad > 0) {
      buf.fill(0, i, i + pad - 1);
      buf[i + pad - 1] = pad;
      i += pad;
    }
    return i - off;
  }

  serialize(): Buffer {
    const out = Buffer.allocUnsafe(this.serializedSize);
    this.serializeTo(out, 0);
    return out;
  }

  clone(): RtpPacket {
    return new RtpPacket(this.header.clone(), Buffer.from(this.payload), this.paddingLength);
  }
}
