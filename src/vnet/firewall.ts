import { InvalidArgumentError } from '../common/errors.js';
import type { TransportAddress } from '../transport/net.js';
import type { NatBehavior } from './nat.js';
import type { VirtualProtocol } from './packet.js';

/**
 * A stateful firewall for routed (un-NATed) IPv6 traffic, as home routers run
 * (RFC 6092 §3.2.2 recommends endpoint-independent filtering; most CPEs filter
 * by address and port). Inbound traffic reaches an inside endpoint only after
 * that endpoint sent outbound, subject to the filtering behaviour.
 */
export interface FirewallConfig {
  filtering: NatBehavior;
  /** Idle lifetime of the outbound state (default {@link DEFAULT_FIREWALL_LIFETIME_MS}). */
  lifetimeMs?: number;
}

/** RFC 6092 REC-14: UDP filter state MUST NOT expire in less than two minutes; as for the NAT default, five. */
export const DEFAULT_FIREWALL_LIFETIME_MS = 300_000;
/** Bound on tracked inside endpoints. */
export const MAX_FIREWALL_STATES = 16384;

interface FilterState {
  readonly permits: Set<string>;
  expiresAt: number;
}

export class StatefulFirewall {
  readonly config: Readonly<FirewallConfig>;
  readonly #lifetimeMs: number;
  readonly #states = new Map<string, FilterState>();

  constructor(config: FirewallConfig) {
    const lifetime = config.lifetimeMs ?? DEFAULT_FIREWALL_LIFETIME_MS;
    if (!(lifetime > 0)) throw new InvalidArgumentError('firewall lifetimeMs must be > 0');
    this.config = { ...config };
    this.#lifetimeMs = lifetime;
  }

  /** Records outbound traffic; false when the state table is full. */
  outbound(protocol: VirtualProtocol, src: TransportAddress, dst: TransportAddress, now: number): boolean {
    const key = `${protocol}|${src.address}|${src.port}`;
    let s = this.#states.get(key);
    if (!s || s.expiresAt <= now) {
      if (this.#states.size >= MAX_FIREWALL_STATES) {
        for (const [k, v] of this.#states) if (v.expiresAt <= now) this.#states.delete(k);
        if (this.#states.size >= MAX_FIREWALL_STATES) return false;
      }
      s = { permits: new Set(), expiresAt: 0 };
      this.#states.set(key, s);
    }
    s.expiresAt = now + this.#lifetimeMs;
    s.permits.add(this.#permitKey(dst));
    return true;
  }

  /** Whether inbound traffic from `src` may reach the inside endpoint `dst`. */
  allows(protocol: VirtualProtocol, src: TransportAddress, dst: TransportAddress, now: number): boolean {
    const s = this.#states.get(`${protocol}|${dst.address}|${dst.port}`);
    if (!s || s.expiresAt <= now) return false;
    if (protocol === 'tcp') s.expiresAt = now + this.#lifetimeMs;
    return this.config.filtering === 'endpoint-independent' || s.permits.has(this.#permitKey(src));
  }

  #permitKey(remote: TransportAddress): string {
    return this.config.filtering === 'address-dependent' ? remote.address : `${remote.address}|${remote.port}`;
  }
}
