import { isIP } from 'node:net';
import { MdnsError } from './errors.js';

/** IPv4 dotted quad to 4 bytes. */
export function ipv4ToBytes(address: string): Buffer {
  if (isIP(address) !== 4) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `not an IPv4 address: ${address}`);
  return Buffer.from(address.split('.').map((p) => Number(p)));
}

/** IPv6 text (with `::` and an optional embedded IPv4 tail; no zone) to 16 bytes. */
export function ipv6ToBytes(address: string): Buffer {
  if (isIP(address) !== 6 || address.includes('%')) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `not an IPv6 address: ${address}`);
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail.push(...ipv4ToBytes(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::', 2) as [string, string | undefined];
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const hi = parse(head);
  const lo = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? hi : [...hi, ...new Array<number>(8 - hi.length - lo.length).fill(0), ...lo];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (tail.length === 4) Buffer.from(tail).copy(out, 12);
  return out;
}

/** 4 or 16 bytes to text; IPv6 in the RFC 5952 canonical form. */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `address of ${bytes.length} bytes`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 §4.2: the longest run (≥ 2) of zero groups becomes '::', the first on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
