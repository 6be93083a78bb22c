import { InvalidArgumentError } from '../common/errors.js';
import { RtcpDecodeError } from './errors.js';
import { RTCP_HEADER_SIZE, RtcpPacketType, writeRtcpHeader, type RtcpPacketBase } from './header.js';

/** RFC 3550 §6.5 SDES item types. */
export const SdesItemType = { End: 0, Cname: 1, Name: 2, Email: 3, Phone: 4, Loc: 5, Tool: 6, Note: 7, Priv: 8 } as const;

export interface SdesItem {
  type: number;
  /** Item text, UTF-8 on the wire (at most 255 bytes). */
  text: string;
}

export interface SdesChunk {
  /** SSRC or CSRC the items describe. */
  source: number;
  items: SdesItem[];
}

const MAX_SOURCES = 31;

/** RFC 3550 §6.5 source description. */
export class SourceDescription implements RtcpPacketBase {
  readonly kind = 'sdes' as const;
  readonly packetType = RtcpPacketType.SourceDescription;
  chunks: SdesChunk[];

  constructor(chunks: SdesChunk[] = []) {
    this.chunks = chunks;
  }

  /** A one-chunk SDES carrying a CNAME (RFC 3550 §6.5.1; RFC 7022). */
  static cname(source: number, cname: string): SourceDescription {
    return new SourceDescription([{ source, items: [{ type: SdesItemType.Cname, text: cname }] }]);
  }

  static parse(buf: Buffer, off: number, end: number, count: number): SourceDescription {
    const sdes = new SourceDescription();
    let i = off + RTCP_HEADER_SIZE;
    for (let c = 0; c < count; c++) {
      if (i + 4 > end) throw new RtcpDecodeError('SDES chunk truncated');
      const chunk: SdesChunk = { source: buf.readUInt32BE(i), items: [] };
      i += 4;
      for (;;) {
        if (i >= end) throw new RtcpDecodeError('SDES chunk without end item');
        const type = buf[i]!;
        if (type === SdesItemType.End) {
          // The null item, then zero padding up to the next 32-bit boundary.
          i = off + ((i - off + 4) & ~3);
          break;
        }
        if (i + 2 > end) throw new RtcpDecodeError('SDES item truncated');
        const len = buf[i + 1]!;
        if (i + 2 + len > end) throw new RtcpDecodeError('SDES item truncated');
        chunk.items.push({ type, text: buf.toString('utf8', i + 2, i + 2 + len) });
        i += 2 + len;
      }
      sdes.chunks.push(chunk);
    }
    return sdes;
  }

  #chunkSize(chunk: SdesChunk): number {
    let n = 4;
    for (const item of chunk.items) n += 2 + Buffer.byteLength(item.text, 'utf8');
    return (n + 4) & ~3; // at least one null octet, then pad
  }

  get serializedSize(): number {
    let n = RTCP_HEADER_SIZE;
    for (const c of this.chunks) n += this.#chunkSize(c);
    return n;
  }

  serializeTo(buf: Buffer, off: number): number {
    if (this.chunks.length > MAX_SOURCES) throw new InvalidArgumentError(`at most ${MAX_SOURCES} SDES chunks`);
    const size = this.serializedSize;
    writeRtcpHeader(buf, off, this.chunks.length, this.packetType, size);
    let i = off + RTCP_HEADER_SIZE;
    for (const c of this.chunks) {
      const start = i;
      buf.writeUInt32BE(c.source >>> 0, i);
      i += 4;
      for (const item of c.items) {
        if (item.type < 1 || item.type > 255) throw new InvalidArgumentError(`bad SDES item type ${item.type}`);
        const len = Buffer.byteLength(item.text, 'utf8');
        if (len > 255) throw new InvalidArgumentError('SDES item longer than 255 bytes');
        buf[i] = item.type;
        buf[i + 1] = len;
        buf.write(item.text, i + 2, 'utf8');
        i += 2 + len;
      }
      const chunkEnd = start + this.#chunkSize(c);
      buf.fill(0, i, chunkEnd);
      i = chunkEnd;
    }
    return size;
  }
}

/** RFC 3550 §6.6 goodbye. */
export class Goodbye implements RtcpPacketBase {
  readonly kind = 'bye' as const;
  readonly packetType = RtcpPacketType.Goodbye;
  sources: number[];
  reason: string | undefined;

  constructor(sources: number[] = [], reason?: string) {
    this.sources = sources;
    this.reason = reason;
  }

  static parse(buf: Buffer, off: number, end: number, count: number): Goodbye {
    let i = off + RTCP_HEADER_SIZE;
    if (i + count * 4 > end) throw new RtcpDecodeError('BYE source list truncated');
    const sources: number[] = [];
    for (let c = 0; c < count; c++, i += 4) sources.push(buf.readUInt32BE(i));
    let reason: string | undefined;
    if (i < end) {
      const len = buf[i]!;
      if (i + 1 + len > end) throw new RtcpDecodeError('BYE reason truncated');
      reason = buf.toString('utf8', i + 1, i + 1 + len);
    }
    return new Goodbye(sources, reason);
  }

  get serializedSize(): number {
    const r = this.reason === undefined ? 0 : (1 + Buffer.byteLength(this.reason, 'utf8') + 3) & ~3;
    return RTCP_HEADER_SIZE + this.sources.length * 4 + r;
  }

  serializeTo(buf: Buffer, off: number): number {
    if (this.sources.length > MAX_SOURCES) throw new InvalidArgumentError(`at most ${MAX_SOURCES} BYE sources`);
    const size = this.serializedSize;
    writeRtcpHeader(buf, off, this.sources.length, this.packetType, size);
    let i = off + RTCP_HEADER_SIZE;
    for (const s of this.sources) {
      buf.writeUInt32BE(s >>> 0, i);
      i += 4;
    }
    if (this.reason !== undefined) {
      const len = Buffer.byteLength(this.reason, 'utf8');
      if (len > 255) throw new InvalidArgumentError('BYE reason longer than 255 bytes');
      buf[i] = len;
      buf.write(this.reason, i + 1, 'utf8');
      buf.fill(0, i + 1 + len, off + size);
    }
    return size;
  }
}

/** RFC 3550 §6.7 application-defined packet. */
export class ApplicationDefined implements RtcpPacketBase {
  readonly kind = 'app' as const;
  readonly packetType = RtcpPacketType.ApplicationDefined;
  subtype: number;
  ssrc: number;
  /** Four ASCII characters. */
  name: string;
  /** Application data; a multiple of 4 bytes on the wire (zero-padded when serialized). */
  data: Buffer;

  constructor(init: { subtype?: number; ssrc: number; name: string; data?: Buffer }) {
    this.subtype = init.subtype ?? 0;
    this.ssrc = init.ssrc;
    this.name = init.name;
    this.data = init.data ?? Buffer.alloc(0);
  }

  static parse(buf: Buffer, off: number, end: number, count: number): ApplicationDefined {
    const i = off + RTCP_HEADER_SIZE;
    if (i + 8 > end) throw new RtcpDecodeError('APP packet truncated');
    return new ApplicationDefined({
      subtype: count,
      ssrc: buf.readUInt32BE(i),
      name: buf.toString('latin1', i + 4, i + 8),
      data: buf.subarray(i + 8, end),
    });
  }

  get serializedSize(): number {
    return RTCP_HEADER_SIZE + 8 + ((this.data.length + 3) & ~3);
  }

  serializeTo(buf: Buffer, off: number): number {
    if (Buffer.byteLength(this.name, 'latin1') !== 4) throw new InvalidArgumentError('APP name must be 4 ASCII characters');
    const size = this.serializedSize;
    writeRtcpHeader(buf, off, this.subtype, this.packetType, size);
    const i = off + RTCP_HEADER_SIZE;
    buf.writeUInt32BE(this.ssrc >>> 0, i);
    buf.write(this.name, i + 4, 'latin1');
    this.data.copy(buf, i + 8);
    buf.fill(0, i + 8 + this.data.length, off + size);
    return size;
  }
}
