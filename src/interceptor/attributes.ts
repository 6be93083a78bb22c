import { parseRtcp, type RtcpPacket } from '../rtcp/index.js';
import { RtpHeaderView } from '../rtp/rtp-header-view.js';

/**
 * Per-packet metadata passed along an interceptor chain (Pion's
 * interceptor.Attributes), and the place where a packet's parsed forms are
 * cached: the first interceptor that needs the RTP header or the RTCP packets
 * parses them, the others reuse the result. One object per packet, made only
 * when the chain has interceptors.
 */
export class Attributes {
  #values: Map<unknown, unknown> | undefined;
  #rtp: RtpHeaderView | undefined;
  #rtcp: RtcpPacket[] | undefined;

  get(key: unknown): unknown {
    return this.#values?.get(key);
  }

  set(key: unknown, value: unknown): void {
    (this.#values ??= new Map()).set(key, value);
  }

  /** The packet's RTP header (parsed once); throws RtpDecodeError for a malformed packet. */
  rtpHeader(packet: Buffer): RtpHeaderView {
    if (this.#rtp?.buffer !== packet) this.#rtp = new RtpHeaderView(packet);
    return this.#rtp;
  }

  /** Forgets the cached header (call after rewriting the packet into a new buffer). */
  invalidate(): void {
    this.#rtp = undefined;
    this.#rtcp = undefined;
  }

  /** The compound packet's RTCP packets (parsed once); throws RtcpDecodeError for a malformed packet. */
  rtcpPackets(packet: Buffer): RtcpPacket[] {
    this.#rtcp ??= parseRtcp(packet);
    return this.#rtcp;
  }
}
