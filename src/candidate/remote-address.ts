import { parseIp } from '../transport/ip-address.js';
import type { Candidate } from './candidate.js';

/**
 * Why a remote candidate's transport address can never carry a connectivity
 * check, or undefined when it can. Browsers refuse these too: checks sent to
 * them would go to this host (0.0.0.0, ::), to every host of a link
 * (broadcast, multicast) or nowhere (port 0), which makes a peer connection a
 * tool for scanning or flooding the local network.
 * - IPv4 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3), 224.0.0.0/4
 *   (multicast) and 240.0.0.0/4 (reserved, with 255.255.255.255 broadcast);
 * - IPv6 :: (unspecified) and ff00::/8 (multicast), also IPv4-mapped;
 * - port 0, except for an active ICE-TCP candidate, which never receives
 *   (RFC 6544 §4.5 gives it port 9; some stacks write 0).
 * An mDNS name (`.local`) is checked once resolved.
 */
export function unusableRemoteAddress(c: Candidate): string | undefined {
  if (c.port === 0 && !(c.transport === 'tcp' && c.tcpType === 'active')) return 'port-zero';
  if (c.isMdns) return undefined;
  return unusableAddress(c.address);
}

/** The reason an IP literal is no unicast destination, or undefined (also for a name). */
export function unusableAddress(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  let v4: number | undefined;
  if (ip.family === 4) v4 = Number(ip.value);
  else if (ip.value >> 32n === 0xffffn) v4 = Number(ip.value & 0xffffffffn);
  if (v4 !== undefined) {
    const first = v4 >>> 24;
    if (first === 0) return 'unspecified-address';
    if (first >= 224 && first <= 239) return 'multicast-address';
    if (first >= 240) return v4 === 0xffffffff ? 'broadcast-address' : 'reserved-address';
    return undefined;
  }
  if (ip.value === 0n) return 'unspecified-address';
  if (ip.value >> 120n === 0xffn) return 'multicast-address';
  return undefined;
}
