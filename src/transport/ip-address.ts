/**
 * IP address literals as values: parsing (IPv4, IPv6 with `::` and an
 * embedded IPv4 tail) and the RFC 5952 canonical text. Shared by the virtual
 * network and by mDNS, which carries addresses as bytes.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../common/errors.js';
import type { AddressFamily } from './net.js';

/** A parsed IP address: family and its value as a 32- or 128-bit integer. */
export interface IpValue {
  readonly family: AddressFamily;
  readonly value: bigint;
}

/** Parses dotted-quad IPv4 (no leading zeros) into an unsigned 32-bit number, without allocating; undefined when invalid. */
export function parseIpv4(address: string): number | undefined {
  const len = address.length;
  if (len < 7 || len > 15) return undefined;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined; // leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

/** Parses an IPv4 or IPv6 literal (zone ids are not accepted); undefined when invalid. */
export function parseIp(address: string): IpValue | undefined {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const f = isIP(address);
  if (f === 6 && !address.includes('%')) return { family: 6, value: parseIpv6(address) };
  return undefined;
}

function parseIpv6(address: string): bigint {
  let text = address;
  // An embedded dotted quad (::ffff:192.0.2.1) becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIp(tail);
    const n = Number(v4?.value ?? 0n);
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::', 2) as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

/** Canonical text (RFC 5952 §4 for IPv6: lower case, longest zero run compressed). */
export function formatIp(ip: IpValue): string {
  if (ip.family === 4) {
    const n = Number(ip.value);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single 0 group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical form of an address literal; throws InvalidArgumentError when it is not one. */
export function canonicalIp(address: string): string {
  const ip = parseIp(address);
  if (!ip) throw new InvalidArgumentError(`'${address}' is not an IP address`);
  return formatIp(ip);
}

/** Canonical form, or undefined when not an IP literal. */
export function tryCanonicalIp(address: string): string | undefined {
  // A valid dotted quad without leading zeros is already canonical.
  if (parseIpv4(address) !== undefined) return address;
  const ip = parseIp(address);
  return ip ? formatIp(ip) : undefined;
}
