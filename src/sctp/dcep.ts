import { TernError } from '../common/errors.js';

/**
 * Data Channel Establishment Protocol (RFC 8832) messages and the SCTP
 * payload protocol identifiers of WebRTC data channels (RFC 8831 §8).
 */

/** RFC 8831 §8 and RFC 8832 §8.1: SCTP payload protocol identifiers. */
export const Ppid = {
  Dcep: 50,
  String: 51,
  /** Deprecated (RFC 8831 §8): partial binary, reassembled as binary. */
  BinaryPartial: 52,
  Binary: 53,
  /** Deprecated (RFC 8831 §8): partial string, reassembled as string. */
  StringPartial: 54,
  StringEmpty: 56,
  BinaryEmpty: 57,
} as const;

/** RFC 8832 §8.2.1: message types. */
export const DcepMessageType = {
  Ack: 0x02,
  Open: 0x03,
} as const;

/** RFC 8832 §5.1: channel types (the high bit means unordered). */
export const DcepChannelType = {
  Reliable: 0x00,
  ReliableUnordered: 0x80,
  PartialReliableRexmit: 0x01,
  PartialReliableRexmitUnordered: 0x81,
  PartialReliableTimed: 0x02,
  PartialReliableTimedUnordered: 0x82,
} as const;

/** RFC 8831 §6.4 (priorities as WebRTC maps them, RFC 8835 §4.1 / W3C priority). */
export const DcepPriority = {
  'very-low': 128,
  low: 256,
  medium: 512,
  high: 1024,
} as const;

export type DataChannelPriority = keyof typeof DcepPriority;

export type Reliability = { kind: 'reliable' } | { kind: 'rexmit'; maxRetransmits: number } | { kind: 'timed'; maxPacketLifeTimeMs: number };

export interface DcepOpen {
  type: 'open';
  ordered: boolean;
  reliability: Reliability;
  priority: number;
  label: string;
  protocol: string;
}

export type DcepMessage = DcepOpen | { type: 'ack' };

export class DcepError extends TernError {
  constructor(message: string) {
    super('ERR_DCEP_DECODE', message);
  }
}

const OPEN_HEADER = 12;
/** Label and protocol are each at most 65535 bytes (16-bit length fields). */
const MAX_FIELD = 0xffff;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function channelType(ordered: boolean, reliability: Reliability): number {
  const base = reliability.kind === 'reliable' ? 0 : reliability.kind === 'rexmit' ? 1 : 2;
  return (ordered ? 0 : 0x80) | base;
}

export function encodeDcepOpen(m: Omit<DcepOpen, 'type'>): Buffer {
  const label = Buffer.from(m.label, 'utf8');
  const protocol = Buffer.from(m.protocol, 'utf8');
  if (label.length > MAX_FIELD || protocol.length > MAX_FIELD) throw new DcepError('label or protocol longer than 65535 bytes');
  const out = Buffer.allocUnsafe(OPEN_HEADER + label.length + protocol.length);
  out[0] = DcepMessageType.Open;
  out[1] = channelType(m.ordered, m.reliability);
  out.writeUInt16BE(m.priority & 0xffff, 2);
  const r = m.reliability;
  out.writeUInt32BE(r.kind === 'reliable' ? 0 : r.kind === 'rexmit' ? r.maxRetransmits >>> 0 : r.maxPacketLifeTimeMs >>> 0, 4);
  out.writeUInt16BE(label.length, 8);
  out.writeUInt16BE(protocol.length, 10);
  label.copy(out, OPEN_HEADER);
  protocol.copy(out, OPEN_HEADER + label.length);
  return out;
}

export function encodeDcepAck(): Buffer {
  return Buffer.from([DcepMessageType.Ack]);
}

/** Decodes one DCEP message; throws only {@link DcepError}. */
export function decodeDcep(data: Uint8Array): DcepMessage {
  if (data.length < 1) throw new DcepError('empty DCEP message');
  const type = data[0];
  if (type === DcepMessageType.Ack) return { type: 'ack' };
  if (type !== DcepMessageType.Open) throw new DcepError(`unknown DCEP message type ${String(type)}`);
  if (data.length < OPEN_HEADER) throw new DcepError('DATA_CHANNEL_OPEN shorter than its header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ct = view.getUint8(1);
  const priority = view.getUint16(2);
  const param = view.getUint32(4);
  const labelLength = view.getUint16(8);
  const protocolLength = view.getUint16(10);
  if (OPEN_HEADER + labelLength + protocolLength > data.length) throw new DcepError('DATA_CHANNEL_OPEN label/protocol past the end');
  let reliability: Reliability;
  switch (ct & 0x7f) {
    case 0:
      reliability = { kind: 'reliable' };
      break;
    case 1:
      reliability = { kind: 'rexmit', maxRetransmits: param };
      break;
    case 2:
      reliability = { kind: 'timed', maxPacketLifeTimeMs: param };
      break;
    default:
      throw new DcepError(`unknown channel type 0x${ct.toString(16)}`);
  }
  let label: string;
  let protocol: string;
  try {
    label = utf8.decode(data.subarray(OPEN_HEADER, OPEN_HEADER + labelLength));
    protocol = utf8.decode(data.subarray(OPEN_HEADER + labelLength, OPEN_HEADER + labelLength + protocolLength));
  } catch {
    throw new DcepError('DATA_CHANNEL_OPEN label or protocol is not UTF-8');
  }
  return { type: 'open', ordered: (ct & 0x80) === 0, reliability, priority, label, protocol };
}
