import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../common/errors.js';
import type { AddressFamily } from '../net.js';

/** A parsed IP address: family and its value as a 32- or 128-bit integer. */
export interface IpValue {
  readonly family: AddressFamily;
  readonly value: bigint;
}

/** Parses an IPv4 or IPv6 literal (zone ids are not accepted); undefined when invalid. */
export function parseIp(address: string): IpValue | undefined {
  const f = isIP(address);
  if (f === 4) {
    let v = 0n;
    for (const part of address.split('.')) v = (v << 8n) | BigInt(Number(part));
    return { family: 4, value: v };
  }
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
  const ip = parseIp(address);
  return ip ? formatIp(ip) : undefined;
}

/** An IP prefix such as `192.168.1.0/24` or `2001:db8:1::/64`. */
export class Cidr {
  readonly family: AddressFamily;
  readonly prefixLength: number;
  readonly #base: bigint;
  readonly #mask: bigint;

  constructor(text: string) {
    const [addr, len] = text.split('/', 2) as [string, string | undefined];
    const ip = parseIp(addr);
    const bits = ip?.family === 6 ? 128 : 32;
    const prefixLength = len === undefined ? bits : Number(len);
    if (!ip || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits || (len !== undefined && !/^\d+$/.test(len))) {
      throw new InvalidArgumentError(`'${text}' is not a CIDR prefix`);
    }
    this.family = ip.family;
    this.prefixLength = prefixLength;
    const all = (1n << BigInt(bits)) - 1n;
    this.#mask = all ^ ((1n << BigInt(bits - prefixLength)) - 1n);
    this.#base = ip.value & this.#mask;
  }

  contains(address: string): boolean {
    const ip = parseIp(address);
    return ip !== undefined && ip.family === this.family && (ip.value & this.#mask) === this.#base;
  }

  toString(): string {
    return `${formatIp({ family: this.family, value: this.#base })}/${this.prefixLength}`;
  }
}

/** 127.0.0.0/8 or ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3). */
export function isLoopbackIp(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

/** 0.0.0.0 or :: (bind to every address of the family). */
export function isUnspecifiedIp(address: string): boolean {
  const ip = parseIp(address);
  return ip !== undefined && ip.value === 0n;
}
