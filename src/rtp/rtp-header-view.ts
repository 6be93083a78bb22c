import { RtpDecodeError } from './errors.js';
import type { RtpExtensionCodec } from './extension-codecs.js';
import { RTP_EXTENSION_PROFILE_ONE_BYTE, isRfc8285Profile } from './header-extension.js';
import { RtpHeader } from './rtp-header.js';
import { RtpPacket } from './rtp-packet.js';

/**
 * Zero-copy view of an RTP packet for the hot path: `reset(buf)` checks the
 * layout (version, CSRCs, extension block, padding) and records offsets;
 * fields are read from the buffer on access, extension elements are found
 * by scanning only when asked. Setters write through to the buffer (SSRC,
 * sequence number, timestamp, payload type, marker rewrites in an SFU). A
 * view can be reused for many packets.
 */
export class RtpHeaderView {
  #buf: Buffer = Buffer.alloc(0);
  #headerLength = 0;
  #paddingLength = 0;
  #extProfile = -1;
  /** 0: no RFC 8285 block, 1: one-byte form, 2: two-byte form. */
  #extForm = 0;
  #extStart = 0;
  #extEnd = 0;
  #foundOffset = -1;
  #foundLength = 0;

  constructor(buf?: Uint8Array) {
    if (buf !== undefined) this.reset(buf);
  }

  /** A new view of `buf`; throws only RtpDecodeError. */
  static parse(buf: Uint8Array): RtpHeaderView {
    return new RtpHeaderView(buf);
  }

  /** Points the view at another packet; throws only RtpDecodeError. */
  reset(data: Uint8Array): this {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const len = buf.length;
    if (len < 12) throw new RtpDecodeError(`RTP packet too short (${len} bytes)`);
    const b0 = buf[0]!;
    if (b0 >>> 6 !== 2) throw new RtpDecodeError(`RTP version ${b0 >>> 6}, expected 2`);
    let off = 12 + ((b0 & 0x0f) << 2);
    let extProfile = -1;
    let extStart = 0;
    let extEnd = 0;
    if (b0 & 0x10) {
      if (off + 4 > len) throw new RtpDecodeError('RTP header extension truncated');
      extProfile = (buf[off]! << 8) | buf[off + 1]!;
      extStart = off + 4;
      extEnd = extStart + (((buf[off + 2]! << 8) | buf[off + 3]!) << 2);
      off = extEnd;
    }
    if (off > len) throw new RtpDecodeError(`RTP header (${off} bytes) longer than the packet`);
    let padding = 0;
    if (b0 & 0x20) {
      // RFC 3550 §5.1: the last octet counts the padding, itself included.
      padding = off < len ? buf[len - 1]! : 0;
      if (padding === 0 || off + padding > len) throw new RtpDecodeError(`bad RTP padding length ${padding}`);
    }
    this.#buf = buf;
    this.#headerLength = off;
    this.#paddingLength = padding;
    this.#extProfile = extProfile;
    this.#extForm =
      extProfile === RTP_EXTENSION_PROFILE_ONE_BYTE ? 1 : extProfile >= 0 && isRfc8285Profile(extProfile) ? 2 : 0;
    this.#extStart = extStart;
    this.#extEnd = extEnd;
    return this;
  }

  get buffer(): Buffer {
    return this.#buf;
  }
  get headerLength(): number {
    return this.#headerLength;
  }
  get paddingLength(): number {
    return this.#paddingLength;
  }
  get payloadOffset(): number {
    return this.#headerLength;
  }
  get payloadLength(): number {
    return this.#buf.length - this.#headerLength - this.#paddingLength;
  }
  /** The payload without padding (a view, not a copy). */
  get payload(): Buffer {
    return this.#buf.subarray(this.#headerLength, this.#buf.length - this.#paddingLength);
  }
  get padding(): boolean {
    return (this.#buf[0]! & 0x20) !== 0;
  }
  get hasExtension(): boolean {
    return this.#extProfile >= 0;
  }
  get extensionProfile(): number | undefined {
    return this.#extProfile >= 0 ? this.#extProfile : undefined;
  }
  get csrcCount(): number {
    return this.#buf[0]! & 0x0f;
  }
  csrc(i: number): number {
    return this.#buf.readUInt32BE(12 + i * 4);
  }

  get marker(): boolean {
    return (this.#buf[1]! & 0x80) !== 0;
  }
  set marker(v: boolean) {
    this.#buf[1] = (this.#buf[1]! & 0x7f) | (v ? 0x80 : 0);
  }
  get payloadType(): number {
    return this.#buf[1]! & 0x7f;
  }
  set payloadType(v: number) {
    this.#buf[1] = (this.#buf[1]! & 0x80) | (v & 0x7f);
  }
  get sequenceNumber(): number {
    return (this.#buf[2]! << 8) | this.#buf[3]!;
  }
  set sequenceNumber(v: number) {
    this.#buf[2] = (v >>> 8) & 0xff;
    this.#buf[3] = v & 0xff;
  }
  get timestamp(): number {
    return this.#buf.readUInt32BE(4);
  }
  set timestamp(v: number) {
    this.#buf.writeUInt32BE(v >>> 0, 4);
  }
  get ssrc(): number {
    return this.#buf.readUInt32BE(8);
  }
  set ssrc(v: number) {
    this.#buf.writeUInt32BE(v >>> 0, 8);
  }

  /**
   * Offset of element `id`'s data times 256 plus its length, or -1. One
   * pass, no allocation; throws RtpDecodeError on a truncated element.
   */
  #find(id: number): number {
    const form = this.#extForm;
    if (form === 0) return -1;
    const buf = this.#buf;
    const end = this.#extEnd;
    let i = this.#extStart;
    if (form === 1) {
      while (i < end) {
        const b = buf[i]!;
        if (b === 0) {
          i++;
          continue;
        }
        const eid = b >>> 4;
        if (eid === 15) return -1; // RFC 8285 §4.2: stop processing
        const len = (b & 0x0f) + 1;
        if (i + 1 + len > end) throw new RtpDecodeError(`one-byte header extension ${eid} truncated`);
        if (eid === id) return (i + 1) * 256 + len;
        i += 1 + len;
      }
    } else {
      while (i < end) {
        const eid = buf[i]!;
        if (eid === 0) {
          i++;
          continue;
        }
        if (i + 2 > end) throw new RtpDecodeError(`two-byte header extension ${eid} truncated`);
        const len = buf[i + 1]!;
        if (i + 2 + len > end) throw new RtpDecodeError(`two-byte header extension ${eid} truncated`);
        if (eid === id) return (i + 2) * 256 + len;
        i += 2 + len;
      }
    }
    return -1;
  }

  /**
   * Finds element `id` without allocating: on true, {@link extensionOffset}
   * and {@link extensionLength} locate its data in {@link buffer}.
   */
  locateExtension(id: number): boolean {
    const f = this.#find(id);
    if (f < 0) {
      this.#foundOffset = -1;
      this.#foundLength = 0;
      return false;
    }
    this.#foundOffset = Math.floor(f / 256);
    this.#foundLength = f % 256;
    return true;
  }

  /** Offset in the buffer of the data of the element last found by locateExtension (-1 if none). */
  get extensionOffset(): number {
    return this.#foundOffset;
  }

  /** Length of the data of the element last found by locateExtension. */
  get extensionLength(): number {
    return this.#foundLength;
  }

  /**
   * Element `id` read as a big-endian unsigned integer of its length (1-4
   * bytes: audio level, transport-cc sequence, abs-send-time...), without
   * allocating; undefined when absent or longer than 4 bytes.
   */
  readExtensionUint(id: number): number | undefined {
    const f = this.#find(id);
    if (f < 0) return undefined;
    const len = f % 256;
    if (len === 0 || len > 4) return undefined;
    const buf = this.#buf;
    let at = Math.floor(f / 256);
    let v = 0;
    for (let k = 0; k < len; k++) v = v * 256 + buf[at++]!;
    return v;
  }

  /** Data of RFC 8285 element `id` (a view into the packet), or undefined. */
  getExtension(id: number): Buffer | undefined {
    const f = this.#find(id);
    if (f < 0) return undefined;
    const start = Math.floor(f / 256);
    return this.#buf.subarray(start, start + (f % 256));
  }

  /** Typed value of element `id`; undefined when absent. */
  getExtensionValue<T>(id: number, codec: RtpExtensionCodec<T>): T | undefined {
    const d = this.getExtension(id);
    return d === undefined ? undefined : codec.decode(d);
  }

  /** Overwrites element `id` in place when it exists with the same length; returns whether it did. */
  writeExtension(id: number, data: Uint8Array): boolean {
    const f = this.#find(id);
    if (f < 0 || f % 256 !== data.length) return false;
    this.#buf.set(data, Math.floor(f / 256));
    return true;
  }

  /** Calls `visit(id, data)` for each RFC 8285 element in wire order (data is a view). */
  forEachExtension(visit: (id: number, data: Buffer) => void): void {
    const form = this.#extForm;
    if (form === 0) return;
    const buf = this.#buf;
    const end = this.#extEnd;
    const oneByte = form === 1;
    let i = this.#extStart;
    while (i < end) {
      const b = buf[i]!;
      if (b === 0) {
        i++;
        continue;
      }
      let id: number;
      let len: number;
      let dataAt: number;
      if (oneByte) {
        id = b >>> 4;
        if (id === 15) return;
        len = (b & 0x0f) + 1;
        dataAt = i + 1;
      } else {
        if (i + 2 > end) throw new RtpDecodeError(`two-byte header extension ${b} truncated`);
        id = b;
        len = buf[i + 1]!;
        dataAt = i + 2;
      }
      if (dataAt + len > end) throw new RtpDecodeError(`header extension ${id} truncated`);
      visit(id, buf.subarray(dataAt, dataAt + len));
      i = dataAt + len;
    }
  }

  /** The object form, sharing the payload and extension bytes with the buffer. */
  toPacket(): RtpPacket {
    return RtpPacket.parse(this.#buf);
  }

  /** The object form of the header only. */
  toHeader(): RtpHeader {
    return RtpHeader.parse(this.#buf);
  }
}
