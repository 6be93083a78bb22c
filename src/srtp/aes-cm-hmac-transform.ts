import { AesCmKeystream, xorInto } from './aes-cm-keystream.js';
import { HMAC_SHA1_PREFIX, HmacSha1 } from './hmac-sha1.js';
import type { SrtpSessionKeys } from './key-derivation.js';
import { RTCP_CLEAR_HEADER, SRTCP_E_FLAG, SRTCP_INDEX_SIZE, type SrtpTransform } from './transform.js';

/**
 * AES_CM_128_HMAC_SHA1_80/_32 (RFC 3711 §4.1.1 AES-CM, §4.2.1 HMAC-SHA1).
 *
 * The output packet is the buffer OpenSSL returns for the keystream (see
 * AesCmKeystream.generateAt): laid out so the payload's keystream lines up
 * with the payload, with at least 64 spare bytes in front for the HMAC inner
 * pad (see HmacSha1) and the ROC or E||index word right after the
 * authenticated portion, so the tag is two one-shot SHA-1 calls over
 * contiguous memory. One allocation per packet, no separate payload copy.
 * The returned packet is a view that starts 64-79 bytes into that buffer.
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
  #scratch: Buffer = Buffer.alloc(2048);

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
    // The packet starts at S ≥ 64 (room for the HMAC pad) with its payload 16-byte aligned,
    // so the ECB output itself is the output packet.
    const S = HMAC_SHA1_PREFIX + ((16 - (headerLength & 15)) & 15);
    const payloadLen = len - headerLength;
    const iv = this.#setIv(this.#rtpSalt, ssrc, roc, seq);
    const out = this.#rtpKs.generateAt(iv, S + headerLength, payloadLen, S + len + tagLen);
    packet.copy(out, S, 0, headerLength);
    xorInto(out, S + headerLength, packet, headerLength, payloadLen);
    // RFC 3711 §4.2: M = authenticated portion || ROC; the ROC sits where the tag goes (tag ≥ 4 bytes).
    out.writeUInt32BE(roc, S + len);
    const tag = this.#rtpAuth.macPrefixed(out, S - HMAC_SHA1_PREFIX, S + len + 4);
    tag.copy(out, S + len, 0, tagLen);
    return out.subarray(S, S + len + tagLen);
  }

  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer | undefined {
    const tagLen = this.rtpOverhead;
    const authLen = packet.length - tagLen;
    const P = HMAC_SHA1_PREFIX;
    // Authenticate first, over a copy with the pad in front and the ROC behind.
    const scratch = this.#macScratch(P + authLen + 4);
    packet.copy(scratch, P, 0, authLen);
    scratch.writeUInt32BE(roc, P + authLen);
    const tag = this.#rtpAuth.macPrefixed(scratch, 0, P + authLen + 4);
    if (!tagsEqual(tag, packet, authLen, tagLen)) return undefined;
    const S = P + ((16 - (headerLength & 15)) & 15);
    const payloadLen = authLen - headerLength;
    const out = this.#rtpKs.generateAt(this.#setIv(this.#rtpSalt, ssrc, roc, seq), S + headerLength, payloadLen, S + authLen);
    packet.copy(out, S, 0, headerLength);
    xorInto(out, S + headerLength, packet, headerLength, payloadLen);
    return out.subarray(S, S + authLen);
  }

  /** A reused buffer of at least `n` bytes for authenticating input in place. */
  #macScratch(n: number): Buffer {
    if (this.#scratch.length < n) this.#scratch = Buffer.alloc(Math.max(n, 2048));
    return this.#scratch;
  }

  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const len = packet.length;
    const tagLen = this.rtcpTagLength;
    // RTCP_CLEAR_HEADER is 8: start the packet at 72 so the encrypted part is 16-byte aligned.
    const S = HMAC_SHA1_PREFIX + 8;
    const encLen = len - RTCP_CLEAR_HEADER;
    // The 31-bit SRTCP index takes the place of i: bytes 10..13 of the IV.
    const iv = this.#setIv(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff);
    const out = this.#rtcpKs.generateAt(iv, S + RTCP_CLEAR_HEADER, encLen, S + len + SRTCP_INDEX_SIZE + tagLen);
    packet.copy(out, S, 0, RTCP_CLEAR_HEADER);
    xorInto(out, S + RTCP_CLEAR_HEADER, packet, RTCP_CLEAR_HEADER, encLen);
    out.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, S + len);
    // RFC 3711 §3.4: the tag covers header, encrypted portion and E||index.
    const tag = this.#rtcpAuth.macPrefixed(out, S - HMAC_SHA1_PREFIX, S + len + SRTCP_INDEX_SIZE);
    tag.copy(out, S + len + SRTCP_INDEX_SIZE, 0, tagLen);
    return out.subarray(S, S + len + SRTCP_INDEX_SIZE + tagLen);
  }

  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const tagLen = this.rtcpTagLength;
    const authLen = packet.length - tagLen;
    const P = HMAC_SHA1_PREFIX;
    const scratch = this.#macScratch(P + authLen);
    packet.copy(scratch, P, 0, authLen);
    const tag = this.#rtcpAuth.macPrefixed(scratch, 0, P + authLen);
    if (!tagsEqual(tag, packet, authLen, tagLen)) return undefined;
    const len = authLen - SRTCP_INDEX_SIZE;
    const encLen = len - RTCP_CLEAR_HEADER;
    if (!encrypted) return Buffer.from(packet.subarray(0, len));
    const S = P + 8;
    const iv = this.#setIv(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff);
    const out = this.#rtcpKs.generateAt(iv, S + RTCP_CLEAR_HEADER, encLen, S + len);
    packet.copy(out, S, 0, RTCP_CLEAR_HEADER);
    xorInto(out, S + RTCP_CLEAR_HEADER, packet, RTCP_CLEAR_HEADER, encLen);
    return out.subarray(S, S + len);
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
