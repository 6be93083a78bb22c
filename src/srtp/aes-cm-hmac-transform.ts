import { AesCmKeystream, xorKeystream } from './aes-cm-keystream.js';
import { HMAC_SHA1_PREFIX, HmacSha1 } from './hmac-sha1.js';
import type { SrtpSessionKeys } from './key-derivation.js';
import { RTCP_CLEAR_HEADER, SRTCP_E_FLAG, SRTCP_INDEX_SIZE, type SrtpTransform } from './transform.js';

/**
 * AES_CM_128_HMAC_SHA1_80/_32 (RFC 3711 §4.1.1 AES-CM, §4.2.1 HMAC-SHA1).
 *
 * Every output is built in one allocation with 64 spare bytes in front for
 * the HMAC inner pad (see HmacSha1) and the ROC or E||index word placed
 * right after the authenticated portion, so the tag is two one-shot SHA-1
 * calls over contiguous memory; the keystream comes from a reused AES-ECB
 * context (see AesCmKeystream) and is XORed in place. The returned packet is
 * a view that starts 64 bytes into its allocation.
 */
export class AesCmHmacTransform implements SrtpTransform {
  readonly rtpOverhead: number;
  readonly rtcpTagLength: number;
  readonly #rtpKs: AesCmKeystream;
  readonly #rtcpKs: AesCmKeystream;
  readonly #rtpAuth: HmacSha1;
  readonly #rtcpAuth: HmacSha1;
  readonly #rtpSalt: Buffer;
  readonly #rtcpSalt: Buffer;
  readonly #iv = Buffer.alloc(16);

  constructor(rtp: SrtpSessionKeys, rtcp: SrtpSessionKeys, rtpTagLength: number, rtcpTagLength: number) {
    this.rtpOverhead = rtpTagLength;
    this.rtcpTagLength = rtcpTagLength;
    this.#rtpKs = new AesCmKeystream(rtp.encryptionKey);
    this.#rtcpKs = new AesCmKeystream(rtcp.encryptionKey);
    this.#rtpAuth = new HmacSha1(rtp.authKey);
    this.#rtcpAuth = new HmacSha1(rtcp.authKey);
    this.#rtpSalt = padSalt(rtp.salt);
    this.#rtcpSalt = padSalt(rtcp.salt);
  }

  /** RFC 3711 §4.1.1: IV = (k_s·2^16) ⊕ (SSRC·2^64) ⊕ (i·2^16), i = ROC·2^16 + SEQ. */
  #setIv(salt: Buffer, ssrc: number, hi32: number, lo16: number): Buffer {
    const iv = this.#iv;
    iv.writeUInt32BE(salt.readUInt32BE(0), 0);
    iv.writeUInt32BE((salt.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    iv.writeUInt32BE((salt.readUInt32BE(8) ^ hi32) >>> 0, 8);
    iv.writeUInt16BE(salt.readUInt16BE(12) ^ lo16, 12);
    return iv; // bytes 14..15 stay zero: the block counter
  }

  protectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const len = packet.length;
    const tagLen = this.rtpOverhead;
    const P = HMAC_SHA1_PREFIX;
    const out = Buffer.allocUnsafe(P + len + tagLen);
    packet.copy(out, P, 0, len);
    const payloadLen = len - headerLength;
    if (payloadLen > 0) {
      const ks = this.#rtpKs.generate(this.#setIv(this.#rtpSalt, ssrc, roc, seq), payloadLen);
      xorKeystream(out, P + headerLength, ks, payloadLen);
    }
    // RFC 3711 §4.2: M = authenticated portion || ROC; the ROC sits where the tag goes (tag ≥ 4 bytes).
    out.writeUInt32BE(roc, P + len);
    const tag = this.#rtpAuth.macPrefixed(out, 0, P + len + 4);
    tag.copy(out, P + len, 0, tagLen);
    return out.subarray(P);
  }

  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer | undefined {
    const tagLen = this.rtpOverhead;
    const authLen = packet.length - tagLen;
    const P = HMAC_SHA1_PREFIX;
    const out = Buffer.allocUnsafe(P + authLen + 4);
    packet.copy(out, P, 0, authLen);
    out.writeUInt32BE(roc, P + authLen);
    const tag = this.#rtpAuth.macPrefixed(out, 0, P + authLen + 4);
    if (!tagsEqual(tag, packet, authLen, tagLen)) return undefined;
    const payloadLen = authLen - headerLength;
    if (payloadLen > 0) {
      const ks = this.#rtpKs.generate(this.#setIv(this.#rtpSalt, ssrc, roc, seq), payloadLen);
      xorKeystream(out, P + headerLength, ks, payloadLen);
    }
    return out.subarray(P, P + authLen);
  }

  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const len = packet.length;
    const tagLen = this.rtcpTagLength;
    const P = HMAC_SHA1_PREFIX;
    const out = Buffer.allocUnsafe(P + len + SRTCP_INDEX_SIZE + tagLen);
    packet.copy(out, P, 0, len);
    const encLen = len - RTCP_CLEAR_HEADER;
    if (encLen > 0) {
      // The 31-bit SRTCP index takes the place of i: bytes 10..13 of the IV.
      const ks = this.#rtcpKs.generate(this.#setIv(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff), encLen);
      xorKeystream(out, P + RTCP_CLEAR_HEADER, ks, encLen);
    }
    out.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, P + len);
    // RFC 3711 §3.4: the tag covers header, encrypted portion and E||index.
    const tag = this.#rtcpAuth.macPrefixed(out, 0, P + len + SRTCP_INDEX_SIZE);
    tag.copy(out, P + len + SRTCP_INDEX_SIZE, 0, tagLen);
    return out.subarray(P);
  }

  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const tagLen = this.rtcpTagLength;
    const authLen = packet.length - tagLen;
    const P = HMAC_SHA1_PREFIX;
    const out = Buffer.allocUnsafe(P + authLen);
    packet.copy(out, P, 0, authLen);
    const tag = this.#rtcpAuth.macPrefixed(out, 0, P + authLen);
    if (!tagsEqual(tag, packet, authLen, tagLen)) return undefined;
    const len = authLen - SRTCP_INDEX_SIZE;
    const encLen = len - RTCP_CLEAR_HEADER;
    if (encrypted && encLen > 0) {
      const ks = this.#rtcpKs.generate(this.#setIv(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff), encLen);
      xorKeystream(out, P + RTCP_CLEAR_HEADER, ks, encLen);
    }
    return out.subarray(P, P + len);
  }
}

/** The 14-byte salt in a 16-byte buffer (trailing zeros) for word reads. */
function padSalt(salt: Buffer): Buffer {
  const out = Buffer.alloc(16);
  salt.copy(out);
  return out;
}

/** Constant-time comparison of `mac[0..len)` with `packet[at..at+len)`. */
function tagsEqual(mac: Buffer, packet: Buffer, at: number, len: number): boolean {
  let diff = 0;
  for (let i = 0; i < len; i++) diff |= mac[i]! ^ packet[at + i]!;
  return diff === 0;
}
