/**
 * Which peer addresses a TURN server relays to (RFC 8656 §21.3 and coturn's
 * `denied-peer-ip` / `allowed-peer-ip` / `no-loopback-peers` /
 * `no-multicast-peers`): by default nothing that reaches the server's own
 * host or its private networks, so a relay cannot be turned against them.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { parseIp, parseIpv4 } from '../transport/ip-address.js';
import type { AddressFamily } from '../transport/net.js';

/** A parsed CIDR range. */
export interface IpRange {
  readonly family: AddressFamily;
  /** Network address as an integer (bigint for both families, compared once per new peer). */
  readonly network: bigint;
  readonly prefixLength: number;
  /** The text the range was given as. */
  readonly text: string;
}

/**
 * Ranges refused by default: unspecified, "this network", loopback,
 * RFC 1918 private, CGNAT shared space (RFC 6598), link-local, IETF protocol
 * assignments, benchmarking (RFC 2544, 198.18.0.0/15), multicast, reserved
 * and broadcast; IPv6 unspecified, loopback, IPv4-mapped, unique local,
 * link-local, site-local and multicast. Tests re-allow what they use.
 */
export const DEFAULT_DENIED_PEER_RANGES: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];

/** Parses `a.b.c.d/n`, `x::/n`, a single address, or `a.b.c.d-e.f.g.h` is not supported (use CIDR). */
export function parseIpRange(text: string): IpRange {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) throw new InvalidArgumentError(`not an IP range: '${text}'`);
  const bits = ip.family === 4 ? 32 : 128;
  const prefixLength = slash < 0 ? bits : Number(t.slice(slash + 1));
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits) {
    throw new InvalidArgumentError(`bad prefix length in '${text}'`);
  }
  const mask = prefixMask(bits, prefixLength);
  return { family: ip.family, network: ip.value & mask, prefixLength, text: t };
}

function prefixMask(bits: number, prefixLength: number): bigint {
  if (prefixLength === 0) return 0n;
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefixLength)) - 1n);
}

function inRange(range: IpRange, family: AddressFamily, value: bigint): boolean {
  if (range.family !== family) return false;
  const bits = family === 4 ? 32 : 128;
  return (value & prefixMask(bits, range.prefixLength)) === range.network;
}

export interface AddressPolicyConfig {
  /** Ranges refused (default {@link DEFAULT_DENIED_PEER_RANGES}); replaces the default list when given. */
  denied?: readonly string[];
  /** Ranges allowed even though denied (an allow entry wins over a deny entry), e.g. `127.0.0.0/8` in tests. */
  allowed?: readonly string[];
  /** The server's own addresses (listening, relay, external): refused unless allowed. */
  own?: readonly string[];
}

/** Bound on remembered verdicts; the cache starts over when full. */
const VERDICT_CACHE_MAX = 4096;

/**
 * Decides whether a peer IP may be relayed to. Verdicts are cached per
 * address text (bounded), so the per-packet cost is one map lookup.
 */
export class AddressPolicy {
  readonly #denied: IpRange[];
  readonly #allowed: IpRange[];
  readonly #own: Set<string>;
  readonly #cache = new Map<string, boolean>();

  constructor(config: AddressPolicyConfig = {}) {
    this.#denied = (config.denied ?? DEFAULT_DENIED_PEER_RANGES).map(parseIpRange);
    this.#allowed = (config.allowed ?? []).map(parseIpRange);
    this.#own = new Set();
    for (const a of config.own ?? []) {
      const ip = parseIp(a);
      if (ip) this.#own.add(`${ip.family}:${ip.value}`);
    }
  }

  /** True when relaying to `address` is permitted. Non-IP text is refused. */
  allows(address: string): boolean {
    const cached = this.#cache.get(address);
    if (cached !== undefined) return cached;
    const verdict = this.#decide(address);
    if (this.#cache.size >= VERDICT_CACHE_MAX) this.#cache.clear();
    this.#cache.set(address, verdict);
    return verdict;
  }

  #decide(address: string): boolean {
    const v4 = parseIpv4(address);
    const ip = v4 !== undefined ? { family: 4 as const, value: BigInt(v4) } : parseIp(address);
    if (!ip) return false;
    for (const r of this.#allowed) if (inRange(r, ip.family, ip.value)) return true;
    if (this.#own.has(`${ip.family}:${ip.value}`)) return false;
    for (const r of this.#denied) if (inRange(r, ip.family, ip.value)) return false;
    return true;
  }
}
