/**
 * The cipher-and-tag part of one protection profile, for one direction of one
 * key set. It knows nothing of SSRC state: the context passes the packet
 * index and gets back the output packet, or `undefined` when the tag does not
 * verify. Inputs are already length-checked by the context.
 */
export interface SrtpTransform {
  /** Bytes appended to an SRTP packet (the tag). */
  readonly rtpOverhead: number;
  /** SRTCP tag length (the E||index word is 4 more bytes). */
  readonly rtcpTagLength: number;
  protectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer;
  /**
   * `packet` includes the tag; returns the plain RTP packet or undefined on a
   * bad tag. With `inPlace`, a transform may decrypt into `packet` itself and
   * return a view of it (its bytes are then garbage when the tag fails).
   */
  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number, inPlace?: boolean): Buffer | undefined;
  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer;
  /** `packet` is the whole SRTCP packet; returns the plain RTCP packet or undefined on a bad tag. */
  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined;
}

/** RFC 3711 §3.4: the E flag, the top bit of the SRTCP index word. */
export const SRTCP_E_FLAG = 0x80000000;
/** Size of the E||SRTCP index word. */
export const SRTCP_INDEX_SIZE = 4;
/** Fixed RTCP header bytes left in the clear (RFC 3711 §3.4). */
export const RTCP_CLEAR_HEADER = 8;
