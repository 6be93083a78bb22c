import { allocPacket } from '../../common/packet-slab.js';
import type { SrtpSessionKeys } from '../key-derivation.js';
import { SRTCP_INDEX_SIZE, type SrtpTransform } from '../transform.js';
import type { NativeSrtp, NativeSrtpKey, RtcpCall, RtpCall } from './binding.js';

/**
 * Any protection profile on the native accelerator: one OpenSSL context per
 * session key, re-IVed per packet, one native call and at most one output
 * allocation per packet. Byte-identical to AesGcmTransform (RFC 7714) and
 * AesCmHmacTransform (RFC 3711).
 */
export class NativeTransform implements SrtpTransform {
  readonly rtpOverhead: number;
  readonly rtcpTagLength: number;
  readonly #rtp: NativeSrtpKey;
  readonly #rtcp: NativeSrtpKey;
  readonly #protectRtp: RtpCall<void>;
  readonly #unprotectRtp: RtpCall<boolean>;
  readonly #protectRtcp: RtcpCall<void>;
  readonly #unprotectRtcp: RtcpCall<boolean>;

  constructor(native: NativeSrtp, gcm: boolean, rtp: SrtpSessionKeys, rtcp: SrtpSessionKeys, rtpTagLength: number, rtcpTagLength: number) {
    this.rtpOverhead = rtpTagLength;
    this.rtcpTagLength = rtcpTagLength;
    this.#rtp = native.createKey(gcm, rtp.encryptionKey, rtp.salt, rtp.authKey);
    this.#rtcp = native.createKey(gcm, rtcp.encryptionKey, rtcp.salt, rtcp.authKey);
    this.#protectRtp = gcm ? native.gcmProtectRtp : native.cmProtectRtp;
    this.#unprotectRtp = gcm ? native.gcmUnprotectRtp : native.cmUnprotectRtp;
    this.#protectRtcp = gcm ? native.gcmProtectRtcp : native.cmProtectRtcp;
    this.#unprotectRtcp = gcm ? native.gcmUnprotectRtcp : native.cmUnprotectRtcp;
  }

  protectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const out = allocPacket(packet.length + this.rtpOverhead);
    this.#protectRtp(this.#rtp, packet, headerLength, ssrc, roc, seq, this.rtpOverhead, out);
    return out;
  }

  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number, inPlace = false): Buffer | undefined {
    const n = packet.length - this.rtpOverhead;
    // Unprotected packets go up to callers, who may keep them: Node's pool, not the send slabs.
    const out = inPlace ? packet.subarray(0, n) : Buffer.allocUnsafe(n);
    return this.#unprotectRtp(this.#rtp, packet, headerLength, ssrc, roc, seq, this.rtpOverhead, out) ? out : undefined;
  }

  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const out = allocPacket(packet.length + SRTCP_INDEX_SIZE + this.rtcpTagLength);
    this.#protectRtcp(this.#rtcp, packet, ssrc, index, true, this.rtcpTagLength, out);
    return out;
  }

  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const out = Buffer.allocUnsafe(packet.length - SRTCP_INDEX_SIZE - this.rtcpTagLength);
    return this.#unprotectRtcp(this.#rtcp, packet, ssrc, index, encrypted, this.rtcpTagLength, out) ? out : undefined;
  }
}
