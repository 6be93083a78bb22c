import { InvalidArgumentError } from '../common/errors.js';

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611). */
export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Goodbye: 203,
  ApplicationDefined: 204,
  TransportFeedback: 205,
  PayloadFeedback: 206,
  ExtendedReport: 207,
} as const;

/** FMT values of RTPFB (RFC 4585 §6.2) and PSFB (RFC 4585 §6.3, RFC 5104 §4.3) packets. */
export const RtcpFeedbackFormat = {
  GenericNack: 1,
  TransportCc: 15,
  PictureLossIndication: 1,
  FullIntraRequest: 4,
  ApplicationLayer: 15,
} as const;

/** RTCP common header size. */
export const RTCP_HEADER_SIZE = 4;

/** Writes the common header (V=2, P=0) for a packet of `size` bytes (a multiple of 4). */
export function writeRtcpHeader(buf: Buffer, off: number, count: number, packetType: number, size: number): void {
  if (size % 4 !== 0) throw new InvalidArgumentError(`RTCP packet size ${size} is not a multiple of 4`);
  if (count < 0 || count > 31) throw new InvalidArgumentError(`RTCP count/FMT ${count} out of range 0-31`);
  buf[off] = 0x80 | count;
  buf[off + 1] = packetType;
  buf.writeUInt16BE(size / 4 - 1, off + 2);
}

/** Common shape of every RTCP packet class. */
export interface RtcpPacketBase {
  readonly packetType: number;
  /** Bytes serializeTo writes (header included). */
  readonly serializedSize: number;
  serializeTo(buf: Buffer, off: number): number;
}
