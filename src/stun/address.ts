import { InvalidArgumentError } from '../common/errors.js';
import type { TransportAddress } from '../transport/net.js';
import { ADDRESS_FAMILY_IPV4, ADDRESS_FAMILY_IPV6, MAGIC_COOKIE } from './constants.js';

/**
 * (XOR-)MAPPED-ADDRESS style attribute values, RFC 8489 §14.1 and §14.2:
 *   0x00 | family | port (16) | address (32 or 128 bits)
 * The XOR form XORs the port with the cookie's high 16 bits and the address
 * with the cookie (IPv4) or the cookie followed by the transaction ID (IPv6).
 *
 * IP text is read and written here without `node:net` so the packet path
 * allocates only the result string. IPv6 text output follows RFC 5952
 * (lowercase, longest zero run compressed, IPv4-mapped as ::ffff:a.b.c.d),
 * which is what Node's sockets report.
 */

// Local copies of imported constants (cheaper on the read path under CommonJS interop).
const FAMILY_V4 = ADDRESS_FAMILY_IPV4;
const FAMILY_V6 = ADDRESS_FAMILY_IPV6;
const COOKIE_HI = MAGIC_COOKIE >>> 16;

/**
 * Writes dotted-quad IPv4 text into 4 bytes at `off`; false when it is not
 * exactly four decimal octets without leading zeros (hand-parsed: this runs
 * for every response an ICE agent sends).
 */
function writeIpv4(text: string, out: Uint8Array, off: number): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const ch = i < n ? text.charCodeAt(i) : 0x2e;
    if (ch === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else if (ch >= 0x30 && ch <= 0x39) {
      if (digits === 1 && value === 0) return false; // leading zero
      value = value * 10 + (ch - 0x30);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Writes the IPv6 address text (zone ID ignored) into 16 bytes at `off`; false when invalid. */
function writeIpv6(text: string, out: Uint8Array, off: number): boolean {
  const pct = text.indexOf('%');
  let s = pct >= 0 ? text.slice(0, pct) : text;
  if (s.length < 2) return false;
  const groups: number[] = [];
  let tail4: number[] | undefined;
  // Embedded IPv4 in the last 32 bits (RFC 4291 §2.2 form 3).
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    const v4 = new Uint8Array(4);
    if (!writeIpv4(s.slice(lastColon + 1), v4, 0)) return false;
    tail4 = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = s.slice(0, lastColon + 1);
    // Keep a trailing '::' (zero groups before the IPv4 tail); drop a single separator.
    if (!s.endsWith('::')) s = s.slice(0, -1);
    if (s === '') return false;
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const res: number[] = [];
    for (const g of part.split(':')) {
      if (g.length < 1 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
      res.push(parseInt(g, 16));
    }
    return res;
  };
  const want = tail4 ? 6 : 8;
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > want - 1) return false;
    groups.push(...head);
    for (let i = head.length + tail.length; i < want; i++) groups.push(0);
    groups.push(...tail);
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== want) return false;
    groups.push(...all);
  }
  if (tail4) groups.push(...tail4);
  for (let i = 0; i < 8; i++) {
    out[off + 2 * i] = groups[i]! >> 8;
    out[off + 2 * i + 1] = groups[i]! & 0xff;
  }
  return true;
}

/** 4 or 6 for an IP literal (IPv6 may carry a `%zone`), undefined otherwise. */
export function ipFamily(text: string): 4 | 6 | undefined {
  const scratch = new Uint8Array(16);
  if (writeIpv4(text, scratch, 0)) return 4;
  if (text.includes(':') && writeIpv6(text, scratch, 0)) return 6;
  return undefined;
}

/** The IP literal's bytes (4 or 16); throws InvalidArgumentError when not an IP literal. */
export function ipToBytes(text: string): Buffer {
  const out = Buffer.alloc(16);
  if (writeIpv4(text, out, 0)) return out.subarray(0, 4);
  if (text.includes(':') && writeIpv6(text, out, 0)) return out;
  throw new InvalidArgumentError(`not an IP address: ${JSON.stringify(text)}`);
}

/** Text of the IPv4 (4 bytes) or IPv6 (16 bytes) address at `off`. */
export function ipToText(b: Uint8Array, off: number, length: 4 | 16): string {
  if (length === 4) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted-quad tail.
  let mapped = b[off + 10] === 0xff && b[off + 11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (b[off + i] !== 0) mapped = false;
  if (mapped) return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  // RFC 5952 §4.2: compress the longest run (≥ 2 groups) of zero groups, the first on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (b[off + 2 * i] === 0 && b[off + 2 * i + 1] === 0) {
      let j = i;
      while (j < 8 && b[off + 2 * j] === 0 && b[off + 2 * j + 1] === 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    } else i++;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += ((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!).toString(16);
  }
  return s;
}

/**
 * Writes a (XOR-)MAPPED-ADDRESS value for `a` at `off` of `out`. With
 * `transactionId` the XOR form is written (mask: cookie || transaction ID).
 * Returns the value length (8 or 20). Throws InvalidArgumentError for a non-IP.
 */
export function writeAddressValue(a: TransportAddress, out: Uint8Array, off: number, transactionId?: Uint8Array): number {
  const port = a.port;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new InvalidArgumentError(`invalid port ${port}`);
  }
  out[off] = 0;
  let len: number;
  if (writeIpv4(a.address, out, off + 4)) {
    out[off + 1] = FAMILY_V4;
    len = 4;
  } else if (a.address.includes(':') && writeIpv6(a.address, out, off + 4)) {
    out[off + 1] = FAMILY_V6;
    len = 16;
  } else {
    throw new InvalidArgumentError(`not an IP address: ${JSON.stringify(a.address)}`);
  }
  const p = transactionId ? port ^ COOKIE_HI : port;
  out[off + 2] = p >>> 8;
  out[off + 3] = p & 0xff;
  if (transactionId) {
    // RFC 8489 §14.2: X-Address = address XOR (cookie || transaction ID).
    out[off + 4]! ^= 0x21;
    out[off + 5]! ^= 0x12;
    out[off + 6]! ^= 0xa4;
    out[off + 7]! ^= 0x42;
    for (let i = 4; i < len; i++) out[off + 4 + i]! ^= transactionId[i - 4]!;
  }
  return 4 + len;
}

/** Length of the address value for `address`: 8 (IPv4) or 20 (IPv6, by the presence of ':'). */
function valueLength(address: string): number {
  return address.includes(':') ? 20 : 8;
}

/** A plain (MAPPED-ADDRESS style) address value in a fresh buffer. */
export function encodeAddressValue(a: TransportAddress): Buffer {
  const out = Buffer.allocUnsafe(valueLength(a.address));
  writeAddressValue(a, out, 0);
  return out;
}

/** An XOR-*-ADDRESS value (RFC 8489 §14.2) for a message with `transactionId`, in a fresh buffer. */
export function encodeXorAddressValue(a: TransportAddress, transactionId: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(valueLength(a.address));
  writeAddressValue(a, out, 0, transactionId);
  return out;
}

/**
 * Reads the address value at `b[off, off + len)` (undefined when malformed:
 * wrong length or family). For the XOR form, `xorSrc[xorOff ..]` holds the 16
 * bytes cookie || transaction ID (bytes 4..19 of the message header).
 */
export function readAddressValue(
  b: Uint8Array,
  off: number,
  len: number,
  xorSrc?: Uint8Array,
  xorOff = 0,
): TransportAddress | undefined {
  if (len < 4) return undefined;
  const family = b[off + 1];
  const ipLen = family === FAMILY_V4 ? 4 : family === FAMILY_V6 ? 16 : 0;
  if (ipLen === 0 || len !== 4 + ipLen) return undefined;
  let port = (b[off + 2]! << 8) | b[off + 3]!;
  if (xorSrc === undefined) return { address: ipToText(b, off + 4, ipLen), port };
  port ^= COOKIE_HI;
  if (ipLen === 4) {
    return {
      address: `${b[off + 4]! ^ xorSrc[xorOff]!}.${b[off + 5]! ^ xorSrc[xorOff + 1]!}.${b[off + 6]! ^ xorSrc[xorOff + 2]!}.${
        b[off + 7]! ^ xorSrc[xorOff + 3]!
      }`,
      port,
    };
  }
  const ip = new Uint8Array(16);
  for (let i = 0; i < 16; i++) ip[i] = b[off + 4 + i]! ^ xorSrc[xorOff + i]!;
  return { address: ipToText(ip, 0, 16), port };
}

/** True when `b[off, off + len)` is a well-formed address value (RFC 8489 §14.1). */
export function isValidAddressValue(b: Uint8Array, off: number, len: number): boolean {
  if (len === 8) return b[off + 1] === FAMILY_V4;
  if (len === 20) return b[off + 1] === FAMILY_V6;
  return false;
}
