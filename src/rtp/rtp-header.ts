import { InvalidArgumentError } from '../common/errors.js';
import { RtpDecodeError } from './errors.js';
import type { RtpExtensionCodec } from './extension-codecs.js';
import {
  RTP_EXTENSION_PROFILE_ONE_BYTE,
  chooseExtensionProfile,
  extensionsSize,
  isRfc8285Profile,
  parseExtensions,
  writeExtensions,
  type RtpHeaderExtension,
} from './header-extension.js';

/** RFC 3550 §5.1: fixed header size. */
export const RTP_FIXED_HEADER_SIZE = 12;
/** RFC 3550 §5.1: at most 15 CSRCs. */
export const MAX_CSRCS = 15;

export interface RtpHeaderInit {
  padding?: boolean;
  marker?: boolean;
  payloadType?: number;
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
  csrcs?: number[];
  extensionProfile?: number;
  extensions?: RtpHeaderExtension[];
  extensionData?: Buffer;
}

/**
 * RTP fixed header, CSRC list and header extension (RFC 3550 §5.1, §5.3.1,
 * RFC 8285) as a mutable object. For per-packet work without allocation use
 * {@link RtpHeaderView}.
 */
export class RtpHeader {
  /** The P bit as parsed; RtpPacket sets it from its paddingLength when serializing. */
  padding: boolean;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /**
   * The extension block's profile. With RFC 8285 elements in `extensions`
   * it may be left undefined: serialization picks the one-byte form when
   * every element fits, else the two-byte form.
   */
  extensionProfile: number | undefined;
  /** RFC 8285 elements, in wire order. */
  extensions: RtpHeaderExtension[];
  /** Raw extension block body for non-RFC 8285 profiles (RFC 3550 §5.3.1). */
  extensionData: Buffer | undefined;

  constructor(init: RtpHeaderInit = {}) {
    this.padding = init.padding ?? false;
    this.marker = init.marker ?? false;
    this.payloadType = init.payloadType ?? 0;
    this.sequenceNumber = init.sequenceNumber ?? 0;
    this.timestamp = init.timestamp ?? 0;
    this.ssrc = init.ssrc ?? 0;
    this.csrcs = init.csrcs ?? [];
    this.extensionProfile = init.extensionProfile;
    this.extensions = init.extensions ?? [];
    this.extensionData = init.extensionData;
  }

  /** Parses the header at the start of `buf`; throws only RtpDecodeError. */
  static parse(buf: Uint8Array): RtpHeader {
    return RtpHeader.parseWithLength(buf).header;
  }

  /** Parses the header and reports its length in bytes (payload offset). */
  static parseWithLength(data: Uint8Array): { header: RtpHeader; length: number } {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const len = buf.length;
    if (len < RTP_FIXED_HEADER_SIZE) throw new RtpDecodeError(`RTP packet too short (${len} bytes)`);
    const b0 = buf[0]!;
    if (b0 >>> 6 !== 2) throw new RtpDecodeError(`RTP version ${b0 >>> 6}, expected 2`);
    const b1 = buf[1]!;
    const cc = b0 & 0x0f;
    let off = RTP_FIXED_HEADER_SIZE + cc * 4;
    if (off > len) throw new RtpDecodeError(`RTP CSRC list truncated`);
    const csrcs: number[] = new Array<number>(cc);
    for (let i = 0; i < cc; i++) csrcs[i] = buf.readUInt32BE(RTP_FIXED_HEADER_SIZE + i * 4);
    const header = new RtpHeader({
      padding: (b0 & 0x20) !== 0,
      marker: (b1 & 0x80) !== 0,
      payloadType: b1 & 0x7f,
      sequenceNumber: buf.readUInt16BE(2),
      timestamp: buf.readUInt32BE(4),
      ssrc: buf.readUInt32BE(8),
      csrcs,
    });
    if (b0 & 0x10) {
      if (off + 4 > len) throw new RtpDecodeError('RTP header extension truncated');
      const profile = buf.readUInt16BE(off);
      const end = off + 4 + buf.readUInt16BE(off + 2) * 4;
      if (end > len) throw new RtpDecodeError('RTP header extension longer than the packet');
      header.extensionProfile = profile;
      if (isRfc8285Profile(profile)) header.extensions = parseExtensions(buf, off + 4, end, profile);
      else header.extensionData = buf.subarray(off + 4, end);
      off = end;
    }
    return { header, length: off };
  }

  #profile(): number | undefined {
    if (this.extensionData !== undefined) return this.extensionProfile ?? 0;
    if (this.extensions.length === 0) return undefined;
    const p = this.extensionProfile;
    if (p !== undefined && isRfc8285Profile(p)) {
      // Keep a parsed one-byte profile only while every element still fits it.
      if (p !== RTP_EXTENSION_PROFILE_ONE_BYTE) return p;
      return chooseExtensionProfile(this.extensions);
    }
    return chooseExtensionProfile(this.extensions);
  }

  /** Bytes `serializeTo` writes. */
  get serializedSize(): number {
    let n = RTP_FIXED_HEADER_SIZE + this.csrcs.length * 4;
    const profile = this.#profile();
    if (profile !== undefined) {
      n += 4 + (this.extensionData !== undefined ? (this.extensionData.length + 3) & ~3 : extensionsSize(this.extensions, profile));
    }
    return n;
  }

  /** Writes the header at `buf[off..]`; returns the bytes written. */
  serializeTo(buf: Buffer, off = 0, padding = this.padding): number {
    const cc = this.csrcs.length;
    if (cc > MAX_CSRCS) throw new InvalidArgumentError(`at most ${MAX_CSRCS} CSRCs`);
    const profile = this.#profile();
    buf[off] = 0x80 | (padding ? 0x20 : 0) | (profile !== undefined ? 0x10 : 0) | cc;
    buf[off + 1] = (this.marker ? 0x80 : 0) | (this.payloadType & 0x7f);
    buf.writeUInt16BE(this.sequenceNumber & 0xffff, off + 2);
    buf.writeUInt32BE(this.timestamp >>> 0, off + 4);
    buf.writeUInt32BE(this.ssrc >>> 0, off + 8);
    let i = off + RTP_FIXED_HEADER_SIZE;
    for (let c = 0; c < cc; c++, i += 4) buf.writeUInt32BE(this.csrcs[c]! >>> 0, i);
    if (profile !== undefined) {
      buf.writeUInt16BE(profile, i);
      let body: number;
      if (this.extensionData !== undefined) {
        const d = this.extensionData;
        d.copy(buf, i + 4);
        body = (d.length + 3) & ~3;
        buf.fill(0, i + 4 + d.length, i + 4 + body);
      } else {
        body = writeExtensions(buf, i + 4, this.extensions, profile);
      }
      buf.writeUInt16BE(body / 4, i + 2);
      i += 4 + body;
    }
    return i - off;
  }

  serialize(): Buffer {
    const out = Buffer.allocUnsafe(this.serializedSize);
    this.serializeTo(out, 0);
    return out;
  }

  /** Data of the RFC 8285 element `id`, or undefined. */
  getExtension(id: number): Buffer | undefined {
    for (const e of this.extensions) if (e.id === id) return e.data;
    return undefined;
  }

  /** Adds or replaces element `id` (1-255; 15 only in the two-byte form). */
  setExtension(id: number, data: Buffer): this {
    if (!Number.isInteger(id) || id < 1 || id > 255) throw new InvalidArgumentError(`extension id ${id} out of range 1-255`);
    if (data.length > 255) throw new InvalidArgumentError('extension data longer than 255 bytes');
    if (this.extensionData !== undefined) throw new InvalidArgumentError('header carries a non-RFC 8285 extension block');
    const existing = this.extensions.find((e) => e.id === id);
    if (existing) existing.data = data;
    else this.extensions.push({ id, data });
    if (id === 15 || id > 14 || data.length === 0 || data.length > 16) this.extensionProfile = undefined;
    return this;
  }

  removeExtension(id: number): boolean {
    const i = this.extensions.findIndex((e) => e.id === id);
    if (i < 0) return false;
    this.extensions.splice(i, 1);
    return true;
  }

  /** Typed value of element `id` via `codec`; undefined when absent. Throws RtpDecodeError when malformed. */
  getExtensionValue<T>(id: number, codec: RtpExtensionCodec<T>): T | undefined {
    const d = this.getExtension(id);
    return d === undefined ? undefined : codec.decode(d);
  }

  setExtensionValue<T>(id: number, codec: RtpExtensionCodec<T>, value: T): this {
    return this.setExtension(id, codec.encode(value));
  }

  clone(): RtpHeader {
    return new RtpHeader({
      padding: this.padding,
      marker: this.marker,
      payloadType: this.payloadType,
      sequenceNumber: this.sequenceNumber,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      csrcs: [...this.csrcs],
      ...(this.extensionProfile !== undefined ? { extensionProfile: this.extensionProfile } : {}),
      extensions: this.extensions.map((e) => ({ id: e.id, data: Buffer.from(e.data) })),
      ...(this.extensionData !== undefined ? { extensionData: Buffer.from(this.extensionData) } : {}),
    });
  }
}
