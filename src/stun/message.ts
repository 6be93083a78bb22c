import { InvalidArgumentError } from '../common/errors.js';
import type { TransportAddress } from '../transport/net.js';
import { encodeAddressValue, encodeXorAddressValue, readAddressValue } from './address.js';
import { attributeValueProblem } from './attribute-rules.js';
import {
  ADDRESS_FAMILY_IPV4,
  ADDRESS_FAMILY_IPV6,
  FINGERPRINT_XOR,
  isKnownStunAttr,
  MAGIC_COOKIE,
  MESSAGE_INTEGRITY_LENGTH,
  STUN_ERROR_REASONS,
  STUN_HEADER_LENGTH,
  StunAttr,
  StunClass,
  TRANSACTION_ID_LENGTH,
} from './constants.js';
import { StunDecodeError } from './errors.js';
import { crc32, crc32Update } from './fingerprint.js';
import { StunIntegrityKey } from './integrity-key.js';
import { stunAttrName, stunClassName, stunMethodName } from './names.js';

// Module-local aliases of imported bindings used per packet or per attribute:
// under CommonJS interop (tsx, vite-node) every use of an imported binding is a
// getter call, which showed up as the top cost of decoding in profiles.
const ATTR = StunAttr;
const HEADER_LEN = STUN_HEADER_LENGTH;
const COOKIE = MAGIC_COOKIE;
const MI_LEN = MESSAGE_INTEGRITY_LENGTH;
const FP_XOR = FINGERPRINT_XOR;
const TID_LEN = TRANSACTION_ID_LENGTH;
const crc = crc32;
const crcUpdate = crc32Update;
const IntegrityKey = StunIntegrityKey;
const valueProblem = attributeValueProblem;
const readAddr = readAddressValue;
const isKnown = isKnownStunAttr;

/**
 * A STUN message (RFC 8489 §5), with the attributes ICE (RFC 8445 §16) and
 * TURN (RFC 8656, RFC 6062, RFC 6156) use.
 *
 * Decoding is zero-copy: `raw`, `transactionId` and every attribute `value`
 * are views into the input buffer (do not reuse that buffer while the message
 * is in use). Known attributes are checked structurally while decoding, so the
 * typed getters never throw on network input. Integrity and fingerprint are
 * checked on demand against `raw`.
 *
 * The file holds the codec and the typed accessors of one class (≈ 700
 * lines): splitting the accessors out would need mixins or free functions and
 * break the contract's method-style API.
 */

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunEncodeOptions {
  /** Appends MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) with this key. */
  integrityKey?: Buffer | StunIntegrityKey;
  /** Appends MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6, 32 bytes) after MESSAGE-INTEGRITY. */
  integritySha256Key?: Buffer | StunIntegrityKey;
  /** Appends FINGERPRINT (RFC 8489 §14.7) last. */
  fingerprint?: boolean;
  /** Byte used for attribute padding (RFC 8489 §14: any value; default 0). */
  paddingByte?: number;
}

/** MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are recomputed by `encode`, never copied. */
function isTrailer(type: number): boolean {
  return type === ATTR.MessageIntegrity || type === ATTR.MessageIntegritySha256 || type === ATTR.Fingerprint;
}

function padded(n: number): number {
  return (n + 3) & ~3;
}

/** RFC 8489 §5: the method bits M11..M0 are interleaved with the class bits C1 (bit 8) and C0 (bit 4). */
export function stunMessageType(method: number, messageClass: StunClass): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((messageClass & 1) << 4) |
    ((messageClass & 2) << 7)
  );
}

/**
 * RFC 7983 §7 / RFC 8489 §5: cheap check that `data` starts a STUN message
 * (first byte 0..3, magic cookie, length a multiple of 4 that fits the data).
 */
export function isStunMessage(data: Uint8Array): boolean {
  if (data.length < HEADER_LEN || data[0]! > 3) return false;
  if (data[4] !== 0x21 || data[5] !== 0x12 || data[6] !== 0xa4 || data[7] !== 0x42) return false;
  const len = (data[2]! << 8) | data[3]!;
  return (len & 3) === 0 && HEADER_LEN + len <= data.length;
}

/** Placeholder handed to the constructor by `decode`; the real ID is a lazy view of `raw`. */
const DECODED_TRANSACTION_ID = Buffer.alloc(TID_LEN);
const EMPTY = Buffer.alloc(0);

export class StunMessage {
  method: number;
  messageClass: StunClass;
  /** The bytes this message was decoded from (exactly the message, without trailing bytes). */
  raw: Buffer | undefined;
  #transactionId: Buffer | undefined;
  #attributes: StunAttribute[] | undefined;
  // Decoded messages keep [type, valueOffset, valueLength] triples into `raw`
  // until `attributes` is first used, so the read path creates no views.
  #index: number[] | undefined;
  // Offsets in `raw` of the integrity/fingerprint attribute headers (-1 when absent).
  #miOffset = -1;
  #mi256Offset = -1;
  #fpOffset = -1;
  // Result of the last #locate(): the value is #lb[#lo, #lo + #ll).
  #lb: Buffer = EMPTY;
  #lo = 0;
  #ll = 0;

  constructor(method: number, messageClass: StunClass, transactionId: Buffer) {
    if (!Number.isInteger(method) || method < 0 || method > 0xfff) {
      throw new InvalidArgumentError(`STUN method out of range: ${method}`);
    }
    if (transactionId.length !== TID_LEN) {
      throw new InvalidArgumentError(`STUN transaction ID must be ${TID_LEN} bytes`);
    }
    this.method = method;
    this.messageClass = messageClass;
    this.#transactionId = transactionId;
  }

  /** 12 bytes; for decoded messages a view into `raw`. */
  get transactionId(): Buffer {
    return (this.#transactionId ??= this.raw!.subarray(8, HEADER_LEN));
  }
  set transactionId(id: Buffer) {
    if (id.length !== TID_LEN) {
      throw new InvalidArgumentError(`STUN transaction ID must be ${TID_LEN} bytes`);
    }
    this.#transactionId = id;
  }

  /**
   * Wire order; unknown attributes are kept. Attributes that follow
   * MESSAGE-INTEGRITY are dropped per RFC 8489 §14.5. Values of decoded
   * messages are views into `raw`.
   */
  get attributes(): StunAttribute[] {
    let attrs = this.#attributes;
    if (attrs === undefined) {
      attrs = [];
      const idx = this.#index;
      const raw = this.raw;
      if (idx !== undefined && raw !== undefined) {
        for (let i = 0; i < idx.length; i += 3) {
          attrs.push({ type: idx[i]!, value: raw.subarray(idx[i + 1]!, idx[i + 1]! + idx[i + 2]!) });
        }
      }
      this.#attributes = attrs;
      this.#index = undefined;
    }
    return attrs;
  }

  /** Finds the first attribute of `type`; its value is then at #lb[#lo, #lo + #ll). */
  #locate(type: number): boolean {
    const idx = this.#index;
    if (idx !== undefined) {
      for (let i = 0; i < idx.length; i += 3) {
        if (idx[i] === type) {
          this.#lb = this.raw!;
          this.#lo = idx[i + 1]!;
          this.#ll = idx[i + 2]!;
          return true;
        }
      }
      return false;
    }
    const attrs = this.#attributes;
    if (attrs === undefined) return false;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.type === type) {
        this.#lb = a.value;
        this.#lo = 0;
        this.#ll = a.value.length;
        return true;
      }
    }
    return false;
  }

  /** Decodes one message; throws only StunDecodeError. Bytes after the message's length are ignored. */
  static decode(data: Uint8Array): StunMessage {
    const input = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (input.length < HEADER_LEN) throw new StunDecodeError('shorter than a STUN header');
    const type = (input[0]! << 8) | input[1]!;
    // RFC 8489 §6.3: the two most significant bits are zero.
    if (type & 0xc000) throw new StunDecodeError('not a STUN message (leading bits)');
    if (input.readUInt32BE(4) !== COOKIE) throw new StunDecodeError('bad magic cookie');
    const len = (input[2]! << 8) | input[3]!;
    if (len & 3) throw new StunDecodeError('message length not a multiple of 4');
    const end = HEADER_LEN + len;
    if (end > input.length) throw new StunDecodeError('message length exceeds data');
    const raw = end === input.length ? input : input.subarray(0, end);

    const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
    const cls = (((type >> 4) & 1) | ((type >> 7) & 2)) as StunClass;
    const m = new StunMessage(method, cls, DECODED_TRANSACTION_ID);
    m.#transactionId = undefined;
    m.raw = raw;
    const idx: number[] = [];
    let pos = HEADER_LEN;
    while (pos < end) {
      if (pos + 4 > end) throw new StunDecodeError('truncated attribute header');
      const t = (raw[pos]! << 8) | raw[pos + 1]!;
      const l = (raw[pos + 2]! << 8) | raw[pos + 3]!;
      const next = pos + 4 + ((l + 3) & ~3);
      // RFC 8489 §14: values are padded to a multiple of 4 within the message.
      if (next > end) throw new StunDecodeError('attribute exceeds message');
      if (m.#fpOffset >= 0) break; // RFC 8489 §14.7: FINGERPRINT is last; anything after it is ignored.
      if (t === ATTR.Fingerprint) {
        m.#fpOffset = pos;
      } else if (m.#mi256Offset >= 0) {
        // RFC 8489 §14.6: only FINGERPRINT counts after MESSAGE-INTEGRITY-SHA256.
        pos = next;
        continue;
      } else if (m.#miOffset >= 0 && t !== ATTR.MessageIntegritySha256) {
        // RFC 8489 §14.5: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count.
        pos = next;
        continue;
      }
      const problem = valueProblem(t, raw, pos + 4, l);
      if (problem !== undefined) throw new StunDecodeError(`attribute 0x${t.toString(16)}: ${problem}`);
      if (t === ATTR.MessageIntegrity) m.#miOffset = pos;
      else if (t === ATTR.MessageIntegritySha256) m.#mi256Offset = pos;
      idx.push(t, pos + 4, l);
      pos = next;
    }
    m.#index = idx;
    return m;
  }

  /**
   * Encodes the message. Any MESSAGE-INTEGRITY(-SHA256)/FINGERPRINT in
   * `attributes` are left out and recomputed from `options`, in the order
   * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT (RFC 8489 §14.5–§14.7).
   */
  encode(options: StunEncodeOptions = {}): Buffer {
    const attrs = this.attributes;
    const mi256Len = options.integritySha256Key ? 32 : 0;
    let size = HEADER_LEN;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (!isTrailer(a.type)) size += 4 + padded(a.value.length);
    }
    if (size - HEADER_LEN > 0xffff) throw new InvalidArgumentError('STUN message too long');
    const total =
      size +
      (options.integrityKey ? 4 + MI_LEN : 0) +
      (mi256Len ? 4 + mi256Len : 0) +
      (options.fingerprint ? 8 : 0);
    const out = Buffer.allocUnsafe(total);
    const pad = options.paddingByte ?? 0;
    out.writeUInt16BE(stunMessageType(this.method, this.messageClass), 0);
    out.writeUInt32BE(COOKIE, 4);
    const tid = this.transactionId;
    for (let i = 0; i < TID_LEN; i++) out[8 + i] = tid[i]!;
    let pos = HEADER_LEN;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      const t = a.type;
      if (isTrailer(t)) continue;
      const v = a.value;
      const l = v.length;
      out[pos] = t >>> 8;
      out[pos + 1] = t & 0xff;
      out[pos + 2] = l >>> 8;
      out[pos + 3] = l & 0xff;
      pos += 4;
      // Short values are copied inline: Buffer#copy's native call costs more than the loop.
      if (l <= 64) for (let j = 0; j < l; j++) out[pos + j] = v[j]!;
      else v.copy(out, pos);
      pos += l;
      while (pos & 3) out[pos++] = pad;
    }
    if (options.integrityKey) {
      // RFC 8489 §14.5: the length field covers the message up to and including MESSAGE-INTEGRITY.
      out.writeUInt16BE(pos + 4 + MI_LEN - HEADER_LEN, 2);
      out.writeUInt16BE(ATTR.MessageIntegrity, pos);
      out.writeUInt16BE(MI_LEN, pos + 2);
      IntegrityKey.from(options.integrityKey).sign(out, 0, pos, out, pos + 4);
      pos += 4 + MI_LEN;
    }
    if (options.integritySha256Key) {
      // RFC 8489 §14.6: same rule, HMAC-SHA256 (full 32 bytes).
      out.writeUInt16BE(pos + 4 + mi256Len - HEADER_LEN, 2);
      const mac = IntegrityKey.from(options.integritySha256Key).sha256(out, 0, pos);
      out.writeUInt16BE(ATTR.MessageIntegritySha256, pos);
      out.writeUInt16BE(mi256Len, pos + 2);
      mac.copy(out, pos + 4);
      pos += 4 + mi256Len;
    }
    out.writeUInt16BE(total - HEADER_LEN, 2);
    if (options.fingerprint) {
      // RFC 8489 §14.7: CRC-32 of the message up to FINGERPRINT (length field already final) XOR 0x5354554e.
      const fp = (crc(out, 0, pos) ^ FP_XOR) >>> 0;
      out.writeUInt16BE(ATTR.Fingerprint, pos);
      out.writeUInt16BE(4, pos + 2);
      out.writeUInt32BE(fp, pos + 4);
    }
    return out;
  }

  /**
   * RFC 8489 §14.5: HMAC-SHA1 over `raw` up to MESSAGE-INTEGRITY with the
   * length field set as if the message ended after it. False when there is no
   * `raw` or no MESSAGE-INTEGRITY.
   */
  verifyIntegrity(key: Buffer | StunIntegrityKey): boolean {
    const raw = this.raw;
    const off = this.#miOffset;
    if (raw === undefined || off < 0) return false;
    const lengthField = off + 4 + MI_LEN - HEADER_LEN;
    return IntegrityKey.from(key).verify(raw, 0, off, raw, off + 4, lengthField);
  }

  /** RFC 8489 §14.6: checks MESSAGE-INTEGRITY-SHA256 (truncated lengths allowed); false when absent. */
  verifyIntegritySha256(key: Buffer | StunIntegrityKey): boolean {
    const raw = this.raw;
    const off = this.#mi256Offset;
    if (raw === undefined || off < 0) return false;
    const len = (raw[off + 2]! << 8) | raw[off + 3]!;
    const copy = Buffer.from(raw.subarray(0, off));
    copy.writeUInt16BE(off + 4 + len - HEADER_LEN, 2);
    const mac = IntegrityKey.from(key).sha256(copy, 0, off);
    let diff = 0;
    for (let i = 0; i < len; i++) diff |= mac[i]! ^ raw[off + 4 + i]!;
    return diff === 0;
  }

  /** RFC 8489 §14.7: false when FINGERPRINT is absent or does not match. */
  verifyFingerprint(): boolean {
    const raw = this.raw;
    const off = this.#fpOffset;
    if (raw === undefined || off < 0) return false;
    const expected = raw.readUInt32BE(off + 4);
    const lengthField = off + 8 - HEADER_LEN;
    let c: number;
    if (((raw[2]! << 8) | raw[3]!) === lengthField) {
      c = crcUpdate(-1, raw, 0, off);
    } else {
      // Ignored attributes followed FINGERPRINT: hash with the length ending at FINGERPRINT.
      const head = Buffer.from([raw[0]!, raw[1]!, lengthField >> 8, lengthField & 0xff]);
      c = crcUpdate(crcUpdate(-1, head, 0, 4), raw, 4, off);
    }
    return ((~c ^ FP_XOR) >>> 0) === expected;
  }

  // ---- generic attribute access ----

  hasAttr(type: number): boolean {
    return this.#locate(type);
  }

  /** Value of the first attribute of `type`. */
  getAttr(type: number): Buffer | undefined {
    if (!this.#locate(type)) return undefined;
    const b = this.#lb;
    return this.#lo === 0 && this.#ll === b.length ? b : b.subarray(this.#lo, this.#lo + this.#ll);
  }

  /** Values of every attribute of `type`, in wire order. */
  getAttrs(type: number): Buffer[] {
    const out: Buffer[] = [];
    for (const a of this.attributes) if (a.type === type) out.push(a.value);
    return out;
  }

  /** Appends an attribute (no check of its value). */
  addAttr(type: number, value: Buffer): this {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new InvalidArgumentError(`bad attribute type ${type}`);
    if (value.length > 0xffff) throw new InvalidArgumentError('attribute value too long');
    this.attributes.push({ type, value });
    return this;
  }

  /** Replaces the first attribute of `type` (or appends it). */
  setAttr(type: number, value: Buffer): this {
    const attrs = this.attributes;
    for (let i = 0; i < attrs.length; i++) {
      if (attrs[i]!.type === type) {
        if (value.length > 0xffff) throw new InvalidArgumentError('attribute value too long');
        attrs[i] = { type, value };
        return this;
      }
    }
    return this.addAttr(type, value);
  }

  /** For traces: `Binding request 0b1c…e2 [USERNAME(9), PRIORITY(4), …]`. */
  toString(): string {
    const parts: string[] = [];
    const idx = this.#index;
    if (idx !== undefined) for (let i = 0; i < idx.length; i += 3) parts.push(`${stunAttrName(idx[i]!)}(${idx[i + 2]})`);
    else for (const a of this.attributes) parts.push(`${stunAttrName(a.type)}(${a.value.length})`);
    const attrs = parts.join(', ');
    return `${stunMethodName(this.method)} ${stunClassName(this.messageClass)} ${this.transactionId.toString('hex')} [${attrs}]`;
  }

  /** Removes every attribute of `type`. */
  removeAttr(type: number): this {
    const attrs = this.attributes;
    for (let i = attrs.length - 1; i >= 0; i--) if (attrs[i]!.type === type) attrs.splice(i, 1);
    return this;
  }

  /**
   * RFC 8489 §7.3.1: comprehension-required attribute types (< 0x8000) this
   * implementation does not understand; a server answers 420 listing them.
   */
  unknownComprehensionRequired(): number[] {
    const out: number[] = [];
    const idx = this.#index;
    if (idx !== undefined) {
      for (let i = 0; i < idx.length; i += 3) {
        const t = idx[i]!;
        if (t < 0x8000 && !isKnown(t) && !out.includes(t)) out.push(t);
      }
      return out;
    }
    for (const a of this.attributes) {
      if (a.type < 0x8000 && !isKnown(a.type) && !out.includes(a.type)) out.push(a.type);
    }
    return out;
  }

  // ---- addresses (RFC 8489 §14.1, §14.2; RFC 8656 §18.3, §18.5) ----

  /** The 16 bytes cookie || transaction ID that XOR-*-ADDRESS values are masked with. */
  #xorKey(): Buffer {
    const k = Buffer.allocUnsafe(16);
    k.writeUInt32BE(COOKIE, 0);
    this.transactionId.copy(k, 4);
    return k;
  }

  /** Reads the located address value; values still in `raw` are unmasked with raw's own header. */
  #readLocatedAddress(xor: boolean): TransportAddress | undefined {
    const b = this.#lb;
    if (!xor) return readAddr(b, this.#lo, this.#ll);
    if (b === this.raw && this.#transactionId === undefined) return readAddr(b, this.#lo, this.#ll, b, 4);
    return readAddr(b, this.#lo, this.#ll, this.#xorKey(), 0);
  }

  #getXorAddress(type: number): TransportAddress | undefined {
    return this.#locate(type) ? this.#readLocatedAddress(true) : undefined;
  }

  #getAllXorAddresses(type: number): TransportAddress[] {
    const key = this.#xorKey();
    const out: TransportAddress[] = [];
    for (const a of this.attributes) {
      if (a.type !== type) continue;
      const addr = readAddr(a.value, 0, a.value.length, key, 0);
      if (addr) out.push(addr);
    }
    return out;
  }

  /** Encoded with the current transaction ID: set the transaction ID first. */
  setXorMappedAddress(a: TransportAddress): this {
    return this.setAttr(ATTR.XorMappedAddress, encodeXorAddressValue(a, this.transactionId));
  }
  getXorMappedAddress(): TransportAddress | undefined {
    return this.#getXorAddress(ATTR.XorMappedAddress);
  }

  setMappedAddress(a: TransportAddress): this {
    return this.setAttr(ATTR.MappedAddress, encodeAddressValue(a));
  }
  getMappedAddress(): TransportAddress | undefined {
    return this.#locate(ATTR.MappedAddress) ? this.#readLocatedAddress(false) : undefined;
  }

  /** RFC 8489 §14.15 ALTERNATE-SERVER (plain address form). */
  setAlternateServer(a: TransportAddress): this {
    return this.setAttr(ATTR.AlternateServer, encodeAddressValue(a));
  }
  getAlternateServer(): TransportAddress | undefined {
    return this.#locate(ATTR.AlternateServer) ? this.#readLocatedAddress(false) : undefined;
  }

  /** RFC 8656 §18.3: may appear several times (CreatePermission). */
  addXorPeerAddress(a: TransportAddress): this {
    return this.addAttr(ATTR.XorPeerAddress, encodeXorAddressValue(a, this.transactionId));
  }
  getXorPeerAddresses(): TransportAddress[] {
    return this.#getAllXorAddresses(ATTR.XorPeerAddress);
  }
  getXorPeerAddress(): TransportAddress | undefined {
    return this.#getXorAddress(ATTR.XorPeerAddress);
  }

  /** RFC 8656 §18.5; RFC 8656 §7.1 allows one per address family. */
  setXorRelayedAddress(a: TransportAddress): this {
    return this.setAttr(ATTR.XorRelayedAddress, encodeXorAddressValue(a, this.transactionId));
  }
  addXorRelayedAddress(a: TransportAddress): this {
    return this.addAttr(ATTR.XorRelayedAddress, encodeXorAddressValue(a, this.transactionId));
  }
  getXorRelayedAddress(): TransportAddress | undefined {
    return this.#getXorAddress(ATTR.XorRelayedAddress);
  }
  getXorRelayedAddresses(): TransportAddress[] {
    return this.#getAllXorAddresses(ATTR.XorRelayedAddress);
  }

  // ---- text attributes (UTF-8) ----

  #setText(type: number, s: string): this {
    return this.setAttr(type, Buffer.from(s, 'utf8'));
  }
  #getText(type: number): string | undefined {
    return this.#locate(type) ? this.#lb.toString('utf8', this.#lo, this.#lo + this.#ll) : undefined;
  }

  /** RFC 8489 §14.3 USERNAME (ICE: "remoteUfrag:localUfrag", RFC 8445 §7.2.2). */
  setUsername(s: string): this {
    return this.#setText(ATTR.Username, s);
  }
  getUsername(): string | undefined {
    return this.#getText(ATTR.Username);
  }
  /** RFC 8489 §14.14 SOFTWARE. */
  setSoftware(s: string): this {
    return this.#setText(ATTR.Software, s);
  }
  getSoftware(): string | undefined {
    return this.#getText(ATTR.Software);
  }
  /** RFC 8489 §14.9 REALM. */
  setRealm(s: string): this {
    return this.#setText(ATTR.Realm, s);
  }
  getRealm(): string | undefined {
    return this.#getText(ATTR.Realm);
  }
  /** RFC 8489 §14.10 NONCE. */
  setNonce(s: string): this {
    return this.#setText(ATTR.Nonce, s);
  }
  getNonce(): string | undefined {
    return this.#getText(ATTR.Nonce);
  }

  // ---- integers and flags ----

  #setU32(type: number, n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`value out of range: ${n}`);
    const v = Buffer.allocUnsafe(4);
    v.writeUInt32BE(n, 0);
    return this.setAttr(type, v);
  }
  #getU32(type: number): number | undefined {
    return this.#locate(type) && this.#ll === 4 ? this.#lb.readUInt32BE(this.#lo) : undefined;
  }
  #setU64(type: number, n: bigint): this {
    if (n < 0n || n > 0xffffffffffffffffn) throw new InvalidArgumentError('64-bit value out of range');
    const v = Buffer.allocUnsafe(8);
    v.writeBigUInt64BE(n, 0);
    return this.setAttr(type, v);
  }
  #getU64(type: number): bigint | undefined {
    return this.#locate(type) && this.#ll === 8 ? this.#lb.readBigUInt64BE(this.#lo) : undefined;
  }

  /** RFC 8445 §7.1.1 PRIORITY. */
  setPriority(n: number): this {
    return this.#setU32(ATTR.Priority, n);
  }
  getPriority(): number | undefined {
    return this.#getU32(ATTR.Priority);
  }
  /** RFC 8445 §7.1.2 USE-CANDIDATE (a flag). */
  setUseCandidate(): this {
    return this.setAttr(ATTR.UseCandidate, Buffer.alloc(0));
  }
  hasUseCandidate(): boolean {
    return this.hasAttr(ATTR.UseCandidate);
  }
  /** RFC 8445 §7.1.3 ICE-CONTROLLING tie-breaker. */
  setIceControlling(tieBreaker: bigint): this {
    return this.#setU64(ATTR.IceControlling, tieBreaker);
  }
  getIceControlling(): bigint | undefined {
    return this.#getU64(ATTR.IceControlling);
  }
  /** RFC 8445 §7.1.3 ICE-CONTROLLED tie-breaker. */
  setIceControlled(tieBreaker: bigint): this {
    return this.#setU64(ATTR.IceControlled, tieBreaker);
  }
  getIceControlled(): bigint | undefined {
    return this.#getU64(ATTR.IceControlled);
  }

  /** RFC 8489 §14.8 ERROR-CODE; the reason defaults to the RFC's phrase. */
  setErrorCode(code: number, reason?: string): this {
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new InvalidArgumentError(`bad STUN error code ${code}`);
    const text = Buffer.from(reason ?? STUN_ERROR_REASONS[code] ?? '', 'utf8');
    const v = Buffer.alloc(4 + text.length);
    v[2] = Math.floor(code / 100);
    v[3] = code % 100;
    text.copy(v, 4);
    return this.setAttr(ATTR.ErrorCode, v);
  }
  getErrorCode(): { code: number; reason: string } | undefined {
    const v = this.getAttr(ATTR.ErrorCode);
    if (v === undefined || v.length < 4) return undefined;
    return { code: (v[2]! & 0x07) * 100 + v[3]!, reason: v.toString('utf8', 4) };
  }

  /** RFC 8489 §14.13 UNKNOWN-ATTRIBUTES. */
  setUnknownAttributes(types: number[]): this {
    const v = Buffer.allocUnsafe(types.length * 2);
    types.forEach((t, i) => v.writeUInt16BE(t & 0xffff, i * 2));
    return this.setAttr(ATTR.UnknownAttributes, v);
  }
  getUnknownAttributes(): number[] {
    const v = this.getAttr(ATTR.UnknownAttributes);
    const out: number[] = [];
    if (v !== undefined) for (let i = 0; i + 1 < v.length; i += 2) out.push(v.readUInt16BE(i));
    return out;
  }

  /** RFC 8656 §18.4 LIFETIME (seconds). */
  setLifetime(seconds: number): this {
    return this.#setU32(ATTR.Lifetime, seconds);
  }
  getLifetime(): number | undefined {
    return this.#getU32(ATTR.Lifetime);
  }
  /** RFC 8656 §18.6 DATA. */
  setData(data: Buffer): this {
    return this.setAttr(ATTR.Data, data);
  }
  getData(): Buffer | undefined {
    return this.getAttr(ATTR.Data);
  }
  /** RFC 8656 §18.1 CHANNEL-NUMBER: 16-bit number then 16 RFFU bits. */
  setChannelNumber(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new InvalidArgumentError(`bad channel number ${n}`);
    const v = Buffer.alloc(4);
    v.writeUInt16BE(n, 0);
    return this.setAttr(ATTR.ChannelNumber, v);
  }
  getChannelNumber(): number | undefined {
    const v = this.getAttr(ATTR.ChannelNumber);
    return v === undefined || v.length !== 4 ? undefined : v.readUInt16BE(0);
  }
  /** RFC 8656 §18.8 REQUESTED-TRANSPORT: IANA protocol number (17 = UDP, 6 = TCP per RFC 6062) then 24 RFFU bits. */
  setRequestedTransport(protocolNumber: number): this {
    if (!Number.isInteger(protocolNumber) || protocolNumber < 0 || protocolNumber > 255) {
      throw new InvalidArgumentError(`bad protocol number ${protocolNumber}`);
    }
    const v = Buffer.alloc(4);
    v[0] = protocolNumber;
    return this.setAttr(ATTR.RequestedTransport, v);
  }
  getRequestedTransport(): number | undefined {
    const v = this.getAttr(ATTR.RequestedTransport);
    return v === undefined || v.length !== 4 ? undefined : v[0];
  }
  /** RFC 8656 §18.9 / RFC 6156 §4.1.1 REQUESTED-ADDRESS-FAMILY. */
  setRequestedAddressFamily(family: 4 | 6): this {
    const v = Buffer.alloc(4);
    v[0] = family === 6 ? ADDRESS_FAMILY_IPV6 : ADDRESS_FAMILY_IPV4;
    return this.setAttr(ATTR.RequestedAddressFamily, v);
  }
  /** 4 or 6; undefined when absent or an unknown family. */
  getRequestedAddressFamily(): 4 | 6 | undefined {
    const v = this.getAttr(ATTR.RequestedAddressFamily);
    if (v === undefined || v.length !== 4) return undefined;
    return v[0] === ADDRESS_FAMILY_IPV4 ? 4 : v[0] === ADDRESS_FAMILY_IPV6 ? 6 : undefined;
  }
  /** RFC 8656 §18.7 DONT-FRAGMENT (a flag). */
  setDontFragment(): this {
    return this.setAttr(ATTR.DontFragment, Buffer.alloc(0));
  }
  hasDontFragment(): boolean {
    return this.hasAttr(ATTR.DontFragment);
  }
  /** RFC 8656 §18.5 EVEN-PORT: the R bit asks the server to reserve the next port too. */
  setEvenPort(reserveNext = false): this {
    return this.setAttr(ATTR.EvenPort, Buffer.from([reserveNext ? 0x80 : 0]));
  }
  /** undefined when absent, otherwise whether the R bit is set. */
  getEvenPort(): { reserveNext: boolean } | undefined {
    const v = this.getAttr(ATTR.EvenPort);
    return v === undefined || v.length < 1 ? undefined : { reserveNext: (v[0]! & 0x80) !== 0 };
  }
  /** RFC 8656 §18.10 RESERVATION-TOKEN (8 bytes). */
  setReservationToken(token: Buffer): this {
    if (token.length !== 8) throw new InvalidArgumentError('RESERVATION-TOKEN must be 8 bytes');
    return this.setAttr(ATTR.ReservationToken, token);
  }
  getReservationToken(): Buffer | undefined {
    const v = this.getAttr(ATTR.ReservationToken);
    return v === undefined || v.length !== 8 ? undefined : v;
  }
  /** RFC 6062 §6.2.1 CONNECTION-ID. */
  setConnectionId(id: number): this {
    return this.#setU32(ATTR.ConnectionId, id);
  }
  getConnectionId(): number | undefined {
    return this.#getU32(ATTR.ConnectionId);
  }
}
