import { RtpPacket } from '../rtp/rtp-packet.js';
import type { Attributes } from './attributes.js';
import { NoOpInterceptor, type Interceptor, type InterceptorContext, type InterceptorFactory, type RTPWriter, type StreamInfo } from './interceptor.js';

/** draft-holmer-rmcat-transport-wide-cc-extensions-01 header extension URI. */
export const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/** The negotiated transport-cc extension id of a stream, or undefined. */
export function transportCcExtensionId(info: StreamInfo): number | undefined {
  return info.rtpHeaderExtensions.find((e) => e.uri === TRANSPORT_CC_URI)?.id;
}

/**
 * The transport-wide sequence number of an outbound packet: reads it when the
 * packet carries one, or writes the next one from `counter` (one counter per
 * peer connection: the number counts packets across every stream). Returns
 * the packet to send (a new buffer when the extension had to be added) and
 * the number, or undefined for a packet that cannot be parsed.
 */
export function stampTransportSequence(packet: Buffer, attributes: Attributes, id: number, counter: { next: number }): { packet: Buffer; seq: number } | undefined {
  let header;
  try {
    header = attributes.rtpHeader(packet);
  } catch {
    return undefined;
  }
  const existing = header.readExtensionUint(id);
  if (existing !== undefined) return { packet, seq: existing & 0xffff };
  const seq = counter.next;
  counter.next = (seq + 1) & 0xffff;
  const value = Buffer.from([seq >> 8, seq & 0xff]);
  let out: Buffer;
  try {
    const p = RtpPacket.parse(packet);
    p.header.setExtension(id, value);
    out = p.serialize();
  } catch {
    return undefined;
  }
  attributes.invalidate();
  return { packet: out, seq };
}

/**
 * Writes the transport-wide sequence number into every outbound packet of
 * the streams that negotiated the extension (Pion's
 * twcc.HeaderExtensionInterceptor), so the remote peer can send
 * transport-cc feedback about them. A packet that already carries one keeps it.
 */
export class TwccHeaderExtensionInterceptor extends NoOpInterceptor {
  readonly #counter: { next: number };

  constructor(initialSequence = 0) {
    super();
    this.#counter = { next: initialSequence & 0xffff };
  }

  override bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter {
    const id = transportCcExtensionId(info);
    if (id === undefined) return writer;
    const counter = this.#counter;
    return {
      write(packet, attributes) {
        const stamped = stampTransportSequence(packet, attributes, id, counter);
        return writer.write(stamped ? stamped.packet : packet, attributes);
      },
    };
  }
}

export class TwccHeaderExtensionFactory implements InterceptorFactory {
  static readonly NAME = 'twcc-sender';
  readonly name = TwccHeaderExtensionFactory.NAME;

  newInterceptor(context: InterceptorContext): Interceptor {
    // A random start, as browsers use: the remote cannot tell streams' ages apart from the number.
    return new TwccHeaderExtensionInterceptor(context.rng.uint32() & 0xffff);
  }
}
