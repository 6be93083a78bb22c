import type { SrtpSessionKeys } from '../key-derivation.js';
import { SRTCP_INDEX_SIZE, type SrtpTransform } from '../transform.js';
import type { NativeSrtp, NativeSrtpKey } from './binding.js';

/** RFC 7714 §14.2: 16-octet tag for both AEAD profiles. */
const GCM_TAG_LENGTH = 16;

/**
 * AEAD_AES_128_GCM / AEAD_AES_256_GCM (RFC 7714) on the native accelerator:
 * one OpenSSL context per session key, re-IVed per packet, one native call
 * and one output allocation per packet. Same results as AesGcmTransform.
 */
export class NativeGcmTransform implements SrtpTransform {
  readonly rtpOverhead = GCM_TAG_LENGTH;
  readonly rtcpTagLength = GCM_TAG_LENGTH;
  readonly #n: NativeSrtp;
  readonly #rtp: NativeSrtpKey;
  readonly #rtcp: NativeSrtpKey;

  constructor(native: NativeSrtp, rtp: SrtpSessionKeys, rtcp: SrtpSessionKeys) {
    this.#n = native;
    this.#rtp = native.createKey(true, rtp.encryptionKey, rtp.salt, rtp.authKey);
    this.#rtcp = native.createKey(true, rtcp.encryptionKey, rtcp.salt, rtcp.authKey);
  }

  protectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const out = Buffer.allocUnsafe(packet.length + GCM_TAG_LENGTH);
    this.#n.gcmProtectRtp(this.#rtp, packet, headerLength, ssrc, roc, seq, out);
    return out;
  }

  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number, inPlace = false): Buffer | undefined {
    const n = packet.length - GCM_TAG_LENGTH;
    const out = inPlace ? packet.subarray(0, n) : Buffer.allocUnsafe(n);
    return this.#n.gcmUnprotectRtp(this.#rtp, packet, headerLength, ssrc, roc, seq, out) ? out : undefined;
  }

  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const out = Buffer.allocUnsafe(packet.length + GCM_TAG_LENGTH + SRTCP_INDEX_SIZE);
    this.#n.gcmProtectRtcp(this.#rtcp, packet, ssrc, index, out);
    return out;
  }

  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const out = Buffer.allocUnsafe(packet.length - GCM_TAG_LENGTH - SRTCP_INDEX_SIZE);
    return this.#n.gcmUnprotectRtcp(this.#rtcp, packet, ssrc, index, encrypted, out) ? out : undefined;
  }
}

/**
 * AES_CM_128_HMAC_SHA1_80/_32 (RFC 3711) on the native accelerator: the
 * keystream and the HMAC each from one keyed OpenSSL context. Same results
 * as AesCmHmacTransform.
 */
export class NativeCmHmacTransform implements SrtpTransform {
  readonly rtpOverhead: number;
  readonly rtcpTagLength: number;
  readonly #n: NativeSrtp;
  readonly #rtp: NativeSrtpKey;
  readonly #rtcp: NativeSrtpKey;

  constructor(native: NativeSrtp, rtp: SrtpSessionKeys, rtcp: SrtpSessionKeys, rtpTagLength: number, rtcpTagLength: number) {
    this.rtpOverhead = rtpTagLength;
    this.rtcpTagLength = rtcpTagLength;
    this.#n = native;
    this.#rtp = native.createKey(false, rtp.encryptionKey, rtp.salt, rtp.authKey);
    this.#rtcp = native.createKey(false, rtcp.encryptionKey, rtcp.salt, rtcp.authKey);
  }

  protectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const out = Buffer.allocUnsafe(packet.length + this.rtpOverhead);
    this.#n.cmProtectRtp(this.#rtp, packet, headerLength, ssrc, roc, seq, this.rtpOverhead, out);
    return out;
  }

  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number, inPlace = false): Buffer | undefined {
    const n = packet.length - this.rtpOverhead;
    const out = inPlace ? packet.subarray(0, n) : Buffer.allocUnsafe(n);
    return this.#n.cmUnprotectRtp(this.#rtp, packet, headerLength, ssrc, roc, seq, this.rtpOverhead, out) ? out : undefined;
  }

  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const out = Buffer.allocUnsafe(packet.length + SRTCP_INDEX_SIZE + this.rtcpTagLength);
    this.#n.cmProtectRtcp(this.#rtcp, packet, ssrc, index, this.rtcpTagLength, out);
    return out;
  }

  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const out = Buffer.allocUnsafe(packet.length - SRTCP_INDEX_SIZE - this.rtcpTagLength);
    return this.#n.cmUnprotectRtcp(this.#rtcp, packet, ssrc, index, encrypted, this.rtcpTagLength, out) ? out : undefined;
  }
}

