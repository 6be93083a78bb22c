import { InvalidArgumentError } from '../common/errors.js';
import { parseIp, parseIpv4, formatIp } from '../transport/ip-address.js';
import type { AddressFamily } from '../transport/net.js';

export { canonicalIp, formatIp, parseIp, parseIpv4, tryCanonicalIp, type IpValue } from '../transport/ip-address.js';

/** An IP prefix such as `192.168.1.0/24` or `2001:db8:1::/64`. */
export class Cidr {
  readonly family: AddressFamily;
  readonly prefixLength: number;
  readonly #base: bigint;
  readonly #mask: bigint;
  // IPv4 fast path (no BigInt per packet).
  readonly #base4: number;
  readonly #mask4: number;

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
    this.#mask4 = ip.family === 4 ? Number(this.#mask) : 0;
    this.#base4 = ip.family === 4 ? Number(this.#base) : 0;
  }

  contains(address: string): boolean {
    if (this.family === 4) {
      const v4 = parseIpv4(address);
      // & yields a signed 32-bit result; >>> 0 makes it comparable with the unsigned base.
      return v4 !== undefined && ((v4 & this.#mask4) >>> 0) === this.#base4;
    }
    const ip = parseIp(address);
    return ip !== undefined && ip.family === this.family && (ip.value & this.#mask) === this.#base;
  }

  toString(): string {
    return `${formatIp({ family: this.family, value: this.#base })}/${this.prefixLength}`;
  }
}

/** 127.0.0.0/8 or ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3). */
export function isLoopbackIp(address: string): boolean {
  if (address === '::1' || address === '127.0.0.1') return true;
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return v4 >>> 24 === 127;
  if (!address.includes(':')) return false;
  const ip = parseIp(address);
  if (!ip) return false;
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

/** 0.0.0.0 or :: (bind to every address of the family). */
export function isUnspecifiedIp(address: string): boolean {
  if (address === '0.0.0.0' || address === '::') return true;
  if (!address.includes(':')) return false;
  const ip = parseIp(address);
  return ip !== undefined && ip.value === 0n;
}
