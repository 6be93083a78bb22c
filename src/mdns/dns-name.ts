import { MdnsDecodeError, MdnsError } from './errors.js';

/** RFC 1035 §2.3.4: a label is at most 63 octets, a name at most 255 octets on the wire. */
export const MAX_LABEL_BYTES = 63;
export const MAX_NAME_BYTES = 255;

/** Lower-case, no trailing dot: the form names are compared in (RFC 6762 §16: case-insensitive ASCII). */
export function canonicalName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** Wire form of a name without compression (`name` in text form, trailing dot optional). */
export function encodeName(name: string): Buffer {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  let total = 1;
  for (const label of n.split('.')) {
    const b = Buffer.from(label, 'utf8');
    if (b.length === 0 || b.length > MAX_LABEL_BYTES) throw new MdnsError('ERR_MDNS_INVALID_NAME', `bad label in ${JSON.stringify(name)}`);
    total += 1 + b.length;
    parts.push(Buffer.from([b.length]), b);
  }
  if (total > MAX_NAME_BYTES) throw new MdnsError('ERR_MDNS_INVALID_NAME', `name longer than ${MAX_NAME_BYTES} bytes`);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * Decodes a possibly compressed name (RFC 1035 §4.1.4) at `offset`. Every
 * pointer must point strictly before the label it replaces, so a malicious
 * message cannot loop; the name is bounded by {@link MAX_NAME_BYTES}.
 * Returns the name and the offset just after it in the original position.
 */
export function decodeName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let wireBytes = 1;
  let limit = offset; // pointers must land strictly before this
  for (;;) {
    if (pos >= buf.length) throw new MdnsDecodeError('name runs past the end of the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw new MdnsDecodeError('truncated name pointer');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= limit) throw new MdnsDecodeError('name pointer does not point backwards');
      if (next < 0) next = pos + 2;
      limit = target;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new MdnsDecodeError(`reserved label type 0x${kind.toString(16)}`);
    if (pos + 1 + len > buf.length) throw new MdnsDecodeError('label runs past the end of the message');
    wireBytes += 1 + len;
    if (wireBytes > MAX_NAME_BYTES) throw new MdnsDecodeError('name longer than 255 bytes');
    labels.push(buf.toString('utf8', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.'), next };
}
