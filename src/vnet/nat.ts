import { InvalidArgumentError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { TransportAddress } from '../transport/net.js';
import type { VirtualProtocol } from './packet.js';

/** RFC 4787 §4.1 (mapping) and §5 (filtering) behaviours. */
export type NatBehavior = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** A port forward: unsolicited inbound traffic to `externalPort` goes to the internal endpoint. */
export interface NatPortForward {
  protocol?: VirtualProtocol | 'both';
  externalPort: number;
  internalAddress: string;
  internalPort?: number;
}

export interface NatConfig {
  mapping: NatBehavior;
  filtering: NatBehavior;
  /** RFC 4787 §4.2.1: keep the internal port as the external port when it is free. */
  portPreservation?: boolean;
  /**
   * How new external ports are picked: 'sequential' (default, many home
   * routers) or 'random' (RFC 6056-style randomization, as carrier-grade
   * NATs do), drawn from the router's seeded Rng.
   */
  portAllocation?: 'sequential' | 'random';
  /** RFC 4787 §4.3: idle time before a UDP mapping expires (refreshed by outbound packets). */
  mappingLifetimeMs?: number;
  /** RFC 4787 §6: loop packets sent to the NAT's own external address back inside. */
  hairpinning?: boolean;
  /** Static forwards, checked before dynamic mappings (e.g. a server behind the NAT). */
  portForwards?: NatPortForward[];
  /**
   * Sends every unsolicited inbound packet to this internal address, port
   * unchanged. With `portPreservation` and endpoint-independent mapping this
   * models a 1:1 NAT (a cloud VM with a private address and a public IP).
   */
  dmz?: string;
}

/** RFC 4787 REQ-5: a UDP mapping timer MUST NOT expire in less than 2 minutes; 5 minutes or more is RECOMMENDED. */
export const DEFAULT_NAT_MAPPING_LIFETIME_MS = 300_000;
/** RFC 5382 REQ-5: established TCP connection idle-timeout MUST NOT be less than 2 hours 4 minutes. */
export const TCP_ESTABLISHED_MAPPING_LIFETIME_MS = 7_440_000;
/** First external port tried when the internal one is not kept (IANA dynamic range). */
export const NAT_FIRST_DYNAMIC_PORT = 49152;
/** Bound on live mappings per NAT (a home router holds a few thousand). */
export const MAX_NAT_MAPPINGS = 16384;

interface Mapping {
  readonly protocol: VirtualProtocol;
  readonly bindingKey: string;
  readonly internal: TransportAddress;
  readonly external: TransportAddress;
  /** Remote IPs or IP:ports this mapping has sent to (address(-and-port)-dependent filtering). */
  readonly permits: Set<string>;
  expiresAt: number;
}

export type NatDropReason = 'nat-no-mapping' | 'nat-filtered' | 'nat-ports-exhausted';

function endpointKey(a: TransportAddress): string {
  return `${a.address}|${a.port}`;
}

/** Mapping and filtering state of one NAPT with a single external address (RFC 4787). */
export class NatTable {
  readonly config: Readonly<NatConfig>;
  readonly #external: string;
  readonly #lifetimeMs: number;
  readonly #byBinding = new Map<string, Mapping>();
  readonly #byExternal = new Map<string, Mapping>();
  #nextPort = NAT_FIRST_DYNAMIC_PORT;
  readonly #rng: Rng | undefined;

  /** `rng` is needed for `portAllocation: 'random'`. */
  constructor(config: NatConfig, externalAddress: string, rng?: Rng) {
    const behaviors: NatBehavior[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];
    if (!behaviors.includes(config.mapping) || !behaviors.includes(config.filtering)) {
      throw new InvalidArgumentError(`invalid NAT behaviour: mapping ${config.mapping}, filtering ${config.filtering}`);
    }
    const lifetime = config.mappingLifetimeMs ?? DEFAULT_NAT_MAPPING_LIFETIME_MS;
    if (!(lifetime > 0)) throw new InvalidArgumentError('mappingLifetimeMs must be > 0');
    this.config = { ...config };
    this.#external = externalAddress;
    this.#lifetimeMs = lifetime;
    if (config.portAllocation === 'random' && !rng) throw new InvalidArgumentError('random port allocation needs an Rng');
    this.#rng = config.portAllocation === 'random' ? rng : undefined;
  }

  /** Live mappings (for tests and diagnostics). */
  mappingCount(now: number): number {
    this.#sweep(now);
    return this.#byBinding.size;
  }

  #bindingKey(protocol: VirtualProtocol, src: TransportAddress, dst: TransportAddress): string {
    // RFC 4787 §4.1: which part of the remote endpoint selects the mapping.
    switch (this.config.mapping) {
      case 'endpoint-independent':
        return `${protocol}|${endpointKey(src)}`;
      case 'address-dependent':
        return `${protocol}|${endpointKey(src)}|${dst.address}`;
      case 'address-and-port-dependent':
        return `${protocol}|${endpointKey(src)}|${endpointKey(dst)}`;
    }
  }

  #permitKey(remote: TransportAddress): string {
    return this.config.filtering === 'address-dependent' ? remote.address : endpointKey(remote);
  }

  #lifetime(protocol: VirtualProtocol): number {
    return protocol === 'tcp' ? Math.max(this.#lifetimeMs, TCP_ESTABLISHED_MAPPING_LIFETIME_MS) : this.#lifetimeMs;
  }

  #forwardFor(protocol: VirtualProtocol, port: number): NatPortForward | undefined {
    return this.config.portForwards?.find(
      (f) => f.externalPort === port && (f.protocol === undefined || f.protocol === 'both' || f.protocol === protocol),
    );
  }

  #forwardFromInside(protocol: VirtualProtocol, src: TransportAddress): NatPortForward | undefined {
    return this.config.portForwards?.find(
      (f) =>
        f.internalAddress === src.address &&
        (f.internalPort ?? f.externalPort) === src.port &&
        (f.protocol === undefined || f.protocol === 'both' || f.protocol === protocol),
    );
  }

  #remove(m: Mapping): void {
    this.#byBinding.delete(m.bindingKey);
    const ek = `${m.protocol}|${m.external.port}`;
    if (this.#byExternal.get(ek) === m) this.#byExternal.delete(ek);
  }

  #sweep(now: number): void {
    for (const m of this.#byBinding.values()) if (m.expiresAt <= now) this.#remove(m);
  }

  #portFree(protocol: VirtualProtocol, port: number, now: number): boolean {
    if (this.#forwardFor(protocol, port)) return false;
    const m = this.#byExternal.get(`${protocol}|${port}`);
    if (!m) return true;
    if (m.expiresAt <= now) {
      this.#remove(m);
      return true;
    }
    return false;
  }

  #allocatePort(protocol: VirtualProtocol, internalPort: number, now: number): number | undefined {
    // RFC 4787 §4.2.1: port preservation when the internal port is free.
    if (this.config.portPreservation && internalPort > 0 && this.#portFree(protocol, internalPort, now)) return internalPort;
    if (this.#rng) {
      // RFC 6056 §3.3.1-style: random tries over 1024..65535, then a sequential scan.
      for (let i = 0; i < 64; i++) {
        const port = 1024 + Math.floor(this.#rng.float() * (65536 - 1024));
        if (this.#portFree(protocol, port, now)) return port;
      }
    }
    for (let i = 0; i < 65536 - 1024; i++) {
      const port = this.#nextPort;
      this.#nextPort = port >= 65535 ? 1024 : port + 1;
      if (this.#portFree(protocol, port, now)) return port;
    }
    return undefined;
  }

  /**
   * An outbound packet from `src` (inside) to `dst` (outside): returns the
   * external source endpoint, creating or refreshing the mapping (RFC 4787
   * REQ-6: outbound packets refresh it).
   */
  outbound(protocol: VirtualProtocol, src: TransportAddress, dst: TransportAddress, now: number): TransportAddress | NatDropReason {
    const forward = this.#forwardFromInside(protocol, src);
    if (forward) return { address: this.#external, port: forward.externalPort };
    const key = this.#bindingKey(protocol, src, dst);
    let m = this.#byBinding.get(key);
    if (m && m.expiresAt <= now) {
      this.#remove(m);
      m = undefined;
    }
    if (!m) {
      if (this.#byBinding.size >= MAX_NAT_MAPPINGS) {
        this.#sweep(now);
        if (this.#byBinding.size >= MAX_NAT_MAPPINGS) return 'nat-ports-exhausted';
      }
      const port = this.#allocatePort(protocol, src.port, now);
      if (port === undefined) return 'nat-ports-exhausted';
      m = {
        protocol,
        bindingKey: key,
        internal: { ...src },
        external: { address: this.#external, port },
        permits: new Set(),
        expiresAt: 0,
      };
      this.#byBinding.set(key, m);
      this.#byExternal.set(`${protocol}|${port}`, m);
    }
    m.expiresAt = now + this.#lifetime(protocol);
    if (this.config.filtering !== 'endpoint-independent') m.permits.add(this.#permitKey(dst));
    return m.external;
  }

  /**
   * An inbound packet from `src` (outside) to the external port `dstPort`:
   * returns the internal endpoint, or why the packet is dropped (RFC 4787 §5).
   */
  inbound(protocol: VirtualProtocol, src: TransportAddress, dstPort: number, now: number): TransportAddress | NatDropReason {
    const m = this.#byExternal.get(`${protocol}|${dstPort}`);
    if (m && m.expiresAt > now) {
      if (this.config.filtering !== 'endpoint-independent' && !m.permits.has(this.#permitKey(src))) return 'nat-filtered';
      // RFC 5382: any TCP traffic keeps an established connection's mapping alive.
      if (protocol === 'tcp') m.expiresAt = now + this.#lifetime(protocol);
      return m.internal;
    }
    if (m) this.#remove(m);
    const forward = this.#forwardFor(protocol, dstPort);
    if (forward) return { address: forward.internalAddress, port: forward.internalPort ?? forward.externalPort };
    if (this.config.dmz !== undefined) return { address: this.config.dmz, port: dstPort };
    return 'nat-no-mapping';
  }
}

/**
 * The classic RFC 3489 names, as RFC 4787 behaviours (RFC 4787 §3 explains why
 * the old names are imprecise; they remain how people describe NATs).
 */
export const NAT_PRESETS = Object.freeze({
  /** "Full cone": EIM + EIF. */
  fullCone: Object.freeze({ mapping: 'endpoint-independent', filtering: 'endpoint-independent' } satisfies NatConfig),
  /** "Restricted cone": EIM + ADF. */
  restrictedCone: Object.freeze({ mapping: 'endpoint-independent', filtering: 'address-dependent' } satisfies NatConfig),
  /** "Port-restricted cone": EIM + APDF (most home routers). */
  portRestrictedCone: Object.freeze({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' } satisfies NatConfig),
  /** "Symmetric": APDM + APDF (many carrier-grade and enterprise NATs). */
  symmetric: Object.freeze({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' } satisfies NatConfig),
});
