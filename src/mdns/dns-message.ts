import { decodeName, encodeName } from './dns-name.js';
import { MdnsDecodeError, MdnsError } from './errors.js';

/** RFC 1035 §3.2.2 / RFC 3596 record types used here (others are carried opaquely). */
export const DnsType = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, NSEC: 47, ANY: 255 } as const;
/** RFC 1035 §3.2.4. */
export const DNS_CLASS_IN = 1;
/** QCLASS "any" (RFC 1035 §3.2.5). */
export const DNS_CLASS_ANY = 255;
/** RFC 1035 §4.1.1: QR bit; RFC 6762 §18.4: AA set in every response. */
export const DNS_FLAG_RESPONSE = 0x8000;
export const DNS_FLAG_AUTHORITATIVE = 0x0400;
/** RFC 6762 §18.3: OPCODE must be zero in mDNS messages. */
const OPCODE_MASK = 0x7800;
/** RFC 6762 §17: an mDNS message is at most 9000 bytes (jumbo-frame bound). */
export const MAX_MDNS_MESSAGE_BYTES = 9000;
const HEADER_BYTES = 12;
/** Top bit of the class field: "unicast response" in questions (RFC 6762 §5.4), "cache flush" in records (§10.2). */
const CLASS_TOP_BIT = 0x8000;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  /** Class without the top bit. */
  readonly class: number;
  /** RFC 6762 §5.4 QU bit. */
  readonly unicastResponse: boolean;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  /** Class without the top bit. */
  readonly class: number;
  /** RFC 6762 §10.2 cache-flush bit. */
  readonly cacheFlush: boolean;
  readonly ttlSec: number;
  /** Raw RDATA (A: 4 bytes, AAAA: 16 bytes; compressed names in other types are not expanded). */
  readonly data: Buffer;
}

export interface DnsMessage {
  readonly id: number;
  readonly flags: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

export function isResponse(m: DnsMessage): boolean {
  return (m.flags & DNS_FLAG_RESPONSE) !== 0;
}

/** Encodes a message (names uncompressed). Throws MdnsError on an invalid name or an oversized message. */
export function encodeDnsMessage(m: DnsMessage): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(m.id & 0xffff, 0);
  header.writeUInt16BE(m.flags & 0xffff, 2);
  header.writeUInt16BE(m.questions.length, 4);
  header.writeUInt16BE(m.answers.length, 6);
  header.writeUInt16BE(m.authorities.length, 8);
  header.writeUInt16BE(m.additionals.length, 10);
  parts.push(header);
  for (const q of m.questions) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type & 0xffff, 0);
    tail.writeUInt16BE((q.class & 0x7fff) | (q.unicastResponse ? CLASS_TOP_BIT : 0), 2);
    parts.push(encodeName(q.name), tail);
  }
  for (const r of [...m.answers, ...m.authorities, ...m.additionals]) {
    if (r.data.length > 0xffff) throw new MdnsError('ERR_MDNS_LIMIT', 'RDATA longer than 65535 bytes');
    const tail = Buffer.alloc(10);
    tail.writeUInt16BE(r.type & 0xffff, 0);
    tail.writeUInt16BE((r.class & 0x7fff) | (r.cacheFlush ? CLASS_TOP_BIT : 0), 2);
    tail.writeUInt32BE(r.ttlSec >>> 0, 4);
    tail.writeUInt16BE(r.data.length, 8);
    parts.push(encodeName(r.name), tail, r.data);
  }
  const out = Buffer.concat(parts);
  if (out.length > MAX_MDNS_MESSAGE_BYTES) throw new MdnsError('ERR_MDNS_LIMIT', `message of ${out.length} bytes exceeds ${MAX_MDNS_MESSAGE_BYTES}`);
  return out;
}

/**
 * Decodes a DNS message (RFC 1035 §4.1) with name compression. Throws only
 * MdnsDecodeError. Work is bounded by the 9000-byte limit: every question
 * consumes at least 5 bytes and every record at least 11.
 */
export function decodeDnsMessage(data: Uint8Array): DnsMessage {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < HEADER_BYTES) throw new MdnsDecodeError('shorter than a DNS header');
  if (buf.length > MAX_MDNS_MESSAGE_BYTES) throw new MdnsDecodeError(`longer than ${MAX_MDNS_MESSAGE_BYTES} bytes`);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if ((flags & OPCODE_MASK) !== 0) throw new MdnsDecodeError('non-zero OPCODE'); // RFC 6762 §18.3: silently ignored
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)] as const;
  const remaining = buf.length - HEADER_BYTES;
  if (counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 > remaining) throw new MdnsDecodeError('section counts exceed the message');
  let pos = HEADER_BYTES;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const { name, next } = decodeName(buf, pos);
    if (next + 4 > buf.length) throw new MdnsDecodeError('truncated question');
    const cls = buf.readUInt16BE(next + 2);
    questions.push({ name, type: buf.readUInt16BE(next), class: cls & 0x7fff, unicastResponse: (cls & CLASS_TOP_BIT) !== 0 });
    pos = next + 4;
  }
  const readRecords = (n: number): DnsRecord[] => {
    const out: DnsRecord[] = [];
    for (let i = 0; i < n; i++) {
      const { name, next } = decodeName(buf, pos);
      if (next + 10 > buf.length) throw new MdnsDecodeError('truncated resource record');
      const type = buf.readUInt16BE(next);
      const cls = buf.readUInt16BE(next + 2);
      const ttlSec = buf.readUInt32BE(next + 4);
      const len = buf.readUInt16BE(next + 8);
      const start = next + 10;
      if (start + len > buf.length) throw new MdnsDecodeError('RDATA runs past the end of the message');
      if ((type === DnsType.A && len !== 4) || (type === DnsType.AAAA && len !== 16)) throw new MdnsDecodeError(`bad RDATA length ${len} for type ${type}`);
      out.push({ name, type, class: cls & 0x7fff, cacheFlush: (cls & CLASS_TOP_BIT) !== 0, ttlSec, data: Buffer.from(buf.subarray(start, start + len)) });
      pos = start + len;
    }
    return out;
  };
  const answers = readRecords(counts[1]);
  const authorities = readRecords(counts[2]);
  const additionals = readRecords(counts[3]);
  return { id, flags, questions, answers, authorities, additionals };
}
