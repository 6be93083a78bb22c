import { RtcpDecodeError } from './errors.js';
import { RTCP_HEADER_SIZE, RtcpFeedbackFormat, RtcpPacketType } from './header.js';
import { FullIntraRequest, GenericNack, PictureLossIndication, ReceiverEstimatedMaxBitrate } from './feedback.js';
import { RawRtcpPacket } from './raw-packet.js';
import { ReceiverReport, SenderReport } from './reports.js';
import { ApplicationDefined, Goodbye, SourceDescription } from './sdes-bye-app.js';
import { TransportCcFeedback } from './transport-cc.js';

/** Every RTCP packet `parseRtcp` returns; discriminate on `kind`. */
export type RtcpPacket =
  | SenderReport
  | ReceiverReport
  | SourceDescription
  | Goodbye
  | ApplicationDefined
  | GenericNack
  | PictureLossIndication
  | FullIntraRequest
  | ReceiverEstimatedMaxBitrate
  | TransportCcFeedback
  | RawRtcpPacket;

/**
 * Parses a compound (RFC 3550 §6.1) or reduced-size (RFC 5506) RTCP packet
 * into its packets, in order. Unknown types and formats come back as
 * RawRtcpPacket. Padding (P bit) is removed from each packet's body. Throws
 * only RtcpDecodeError, e.g. for a length running past the datagram.
 */
export function parseRtcp(data: Uint8Array): RtcpPacket[] {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const total = buf.length;
  if (total < RTCP_HEADER_SIZE) throw new RtcpDecodeError(`RTCP packet too short (${total} bytes)`);
  const out: RtcpPacket[] = [];
  let off = 0;
  while (off < total) {
    if (off + RTCP_HEADER_SIZE > total) throw new RtcpDecodeError('RTCP header truncated');
    const b0 = buf[off]!;
    if (b0 >>> 6 !== 2) throw new RtcpDecodeError(`RTCP version ${b0 >>> 6}, expected 2`);
    const count = b0 & 0x1f;
    const type = buf[off + 1]!;
    const size = (buf.readUInt16BE(off + 2) + 1) * 4;
    const next = off + size;
    if (next > total) throw new RtcpDecodeError(`RTCP packet length ${size} runs past the datagram`);
    let end = next;
    if (b0 & 0x20) {
      // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
      const pad = buf[next - 1]!;
      if (pad === 0 || pad > size - RTCP_HEADER_SIZE) throw new RtcpDecodeError(`bad RTCP padding ${pad}`);
      end -= pad;
    }
    out.push(parseOne(buf, off, end, type, count));
    off = next;
  }
  return out;
}

function parseOne(buf: Buffer, off: number, end: number, type: number, count: number): RtcpPacket {
  switch (type) {
    case RtcpPacketType.SenderReport:
      return SenderReport.parse(buf, off, end, count);
    case RtcpPacketType.ReceiverReport:
      return ReceiverReport.parse(buf, off, end, count);
    case RtcpPacketType.SourceDescription:
      return SourceDescription.parse(buf, off, end, count);
    case RtcpPacketType.Goodbye:
      return Goodbye.parse(buf, off, end, count);
    case RtcpPacketType.ApplicationDefined:
      return ApplicationDefined.parse(buf, off, end, count);
    case RtcpPacketType.TransportFeedback:
      if (count === RtcpFeedbackFormat.GenericNack) return GenericNack.parse(buf, off, end);
      if (count === RtcpFeedbackFormat.TransportCc) return TransportCcFeedback.parse(buf, off, end);
      break;
    case RtcpPacketType.PayloadFeedback:
      if (count === RtcpFeedbackFormat.PictureLossIndication) return PictureLossIndication.parse(buf, off, end);
      if (count === RtcpFeedbackFormat.FullIntraRequest) return FullIntraRequest.parse(buf, off, end);
      if (count === RtcpFeedbackFormat.ApplicationLayer && ReceiverEstimatedMaxBitrate.matches(buf, off, end)) {
        return ReceiverEstimatedMaxBitrate.parse(buf, off, end);
      }
      break;
    default:
      break;
  }
  return new RawRtcpPacket(type, count, buf.subarray(off + RTCP_HEADER_SIZE, end));
}

/** Serializes packets back to back into one compound packet (the caller orders them per RFC 3550 §6.1 or RFC 5506). */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  let size = 0;
  for (const p of packets) size += p.serializedSize;
  const out = Buffer.alloc(size);
  serializeRtcpTo(packets, out, 0);
  return out;
}

/** Writes packets at `buf[off..]`; returns the bytes written. */
export function serializeRtcpTo(packets: readonly RtcpPacket[], buf: Buffer, off: number): number {
  let i = off;
  for (const p of packets) i += p.serializeTo(buf, i);
  return i - off;
}
