import { formatIp, parseIp } from '../transport/ip-address.js';
import { MdnsError } from './errors.js';

/** IPv4 dotted quad to 4 bytes. */
export function ipv4ToBytes(address: string): Buffer {
  const ip = parseIp(address);
  if (ip?.family !== 4) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `not an IPv4 address: ${address}`);
  return valueToBytes(ip.value, 4);
}

/** IPv6 text (with `::` and an optional embedded IPv4 tail; no zone) to 16 bytes. */
export function ipv6ToBytes(address: string): Buffer {
  const ip = parseIp(address);
  if (ip?.family !== 6) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `not an IPv6 address: ${address}`);
  return valueToBytes(ip.value, 16);
}

/** 4 or 16 bytes to text; IPv6 in the RFC 5952 canonical form. */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length !== 4 && bytes.length !== 16) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `address of ${bytes.length} bytes`);
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return formatIp({ family: bytes.length === 4 ? 4 : 6, value });
}

function valueToBytes(value: bigint, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = length - 1, v = value; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
