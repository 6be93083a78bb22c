import { RTCP_HEADER_SIZE, writeRtcpHeader, type RtcpPacketBase } from './header.js';

/** An RTCP packet of a type or format this module does not decode (e.g. XR), kept as bytes. */
export class RawRtcpPacket implements RtcpPacketBase {
  readonly kind = 'raw' as const;
  readonly packetType: number;
  /** The 5-bit count / FMT field. */
  count: number;
  /** Everything after the 4-byte common header (padding removed). */
  body: Buffer;

  constructor(packetType: number, count: number, body: Buffer) {
    this.packetType = packetType;
    this.count = count;
    this.body = body;
  }

  get serializedSize(): number {
    return RTCP_HEADER_SIZE + ((this.body.length + 3) & ~3);
  }

  serializeTo(buf: Buffer, off: number): number {
    const size = this.serializedSize;
    writeRtcpHeader(buf, off, this.count, this.packetType, size);
    this.body.copy(buf, off + RTCP_HEADER_SIZE);
    buf.fill(0, off + RTCP_HEADER_SIZE + this.body.length, off + size);
    return size;
  }
}
