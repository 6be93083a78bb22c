import { InvalidArgumentError } from '../common/errors.js';
import { familyOf, formatAddress, type TransportAddress } from '../transport/net.js';
import type { VnetContext, LanEndpoint } from './context.js';
import { MAX_HOPS } from './context.js';
import { Cidr, canonicalIp } from './ip.js';
import { VirtualLink, type LinkImpairment } from './link.js';
import { StatefulFirewall, type FirewallConfig } from './firewall.js';
import { NatTable, type NatConfig } from './nat.js';
import type { VirtualPacket } from './packet.js';

/** What a router filter sees of a packet crossing its uplink. */
export interface RouterFilterPacket {
  readonly direction: 'outbound' | 'inbound';
  readonly protocol: 'udp' | 'tcp';
  /** Outbound: after NAT (as the parent sees it). Inbound: before NAT. */
  readonly src: TransportAddress;
  readonly dst: TransportAddress;
  readonly data: Buffer;
}

/** Returns false to drop the packet (a firewall rule, a blocked protocol, a partition). */
export type RouterFilter = (packet: RouterFilterPacket) => boolean;

export interface VirtualRouterInit {
  name: string;
  parent: VirtualRouter | undefined;
  /** IPv4 LAN prefix; undefined for the WAN (everything). */
  lanCidr: string | undefined;
  /** Routed (never NATed) IPv6 prefix of the LAN. */
  lanCidr6?: string;
  /** The router's address on its parent's network (the NAT's external address). */
  publicAddress: string | undefined;
  nat?: NatConfig;
  /** Stateful filtering of routed IPv6 traffic (RFC 6092). */
  firewall6?: FirewallConfig;
  impairment?: LinkImpairment;
}

/**
 * A router: forwards between its LAN and its parent over an impaired uplink,
 * optionally as an RFC 4787 NAT (IPv4 only; IPv6 is routed unchanged). The
 * network's WAN router has no parent and reaches every address on it.
 */
export class VirtualRouter {
  readonly name: string;
  readonly parent: VirtualRouter | undefined;
  readonly lanCidr: string | undefined;
  readonly lanCidr6: string | undefined;
  readonly publicAddress: string | undefined;
  readonly #ctx: VnetContext;
  readonly #lan4: Cidr | undefined;
  readonly #lan6: Cidr | undefined;
  readonly #nat: NatTable | undefined;
  readonly #firewall6: StatefulFirewall | undefined;
  /** The link to the parent (undefined for the WAN). */
  readonly #uplink: VirtualLink | undefined;
  readonly #endpoints = new Map<string, LanEndpoint>();
  readonly #childByAddress = new Map<string, VirtualRouter>();
  readonly #routedChildren: VirtualRouter[] = [];
  readonly #filters = new Set<RouterFilter>();

  /** @internal Created by {@link VirtualNetwork.addRouter}. */
  constructor(ctx: VnetContext, init: VirtualRouterInit) {
    this.#ctx = ctx;
    this.name = init.name;
    this.parent = init.parent;
    this.#lan4 = init.lanCidr === undefined ? undefined : new Cidr(init.lanCidr);
    if (this.#lan4 && this.#lan4.family !== 4) throw new InvalidArgumentError(`lanCidr must be IPv4: ${init.lanCidr}`);
    this.#lan6 = init.lanCidr6 === undefined ? undefined : new Cidr(init.lanCidr6);
    if (this.#lan6 && this.#lan6.family !== 6) throw new InvalidArgumentError(`lanCidr6 must be IPv6: ${init.lanCidr6}`);
    this.lanCidr = this.#lan4?.toString();
    this.lanCidr6 = this.#lan6?.toString();
    this.publicAddress = init.publicAddress === undefined ? undefined : canonicalIp(init.publicAddress);
    if (init.parent) {
      if (this.publicAddress === undefined || familyOf(this.publicAddress) !== 4) {
        throw new InvalidArgumentError(`router ${init.name} needs an IPv4 publicAddress on its parent's network`);
      }
      this.#uplink = new VirtualLink(ctx, ctx.forkRng(), init.impairment);
    } else if (init.impairment) {
      throw new InvalidArgumentError('the WAN router has no uplink to impair');
    }
    if (init.nat) {
      if (this.publicAddress === undefined) throw new InvalidArgumentError('a NAT needs a publicAddress');
      // Only a randomizing NAT draws from its own Rng (other routers keep the seeds they had).
      this.#nat = new NatTable(init.nat, this.publicAddress, init.nat.portAllocation === 'random' ? ctx.forkRng() : undefined);
    }
    if (init.firewall6) {
      if (!init.parent) throw new InvalidArgumentError('the WAN router has no firewall');
      this.#firewall6 = new StatefulFirewall(init.firewall6);
    }
  }

  /** The NAT configuration, if this router translates. */
  get nat(): Readonly<NatConfig> | undefined {
    return this.#nat?.config;
  }

  /** Live NAT mappings (0 without NAT). */
  natMappingCount(): number {
    return this.#nat?.mappingCount(this.#ctx.now()) ?? 0;
  }

  get impairment(): LinkImpairment {
    return this.#uplink?.impairment ?? {};
  }

  /** @internal */
  setImpairment(impairment: LinkImpairment): void {
    if (!this.#uplink) throw new InvalidArgumentError('the WAN router has no uplink to impair');
    this.#uplink.impairment = impairment;
  }

  /**
   * Adds a filter for packets crossing the uplink, e.g. `(p) => p.protocol !== 'udp'`
   * for a network that blocks UDP. Returns the function that removes it.
   */
  addFilter(filter: RouterFilter): () => void {
    if (!this.parent) throw new InvalidArgumentError('the WAN router has no uplink to filter');
    this.#filters.add(filter);
    return () => {
      this.#filters.delete(filter);
    };
  }

  #passes(direction: RouterFilterPacket['direction'], p: VirtualPacket): boolean {
    if (this.#filters.size === 0) return true;
    const view: RouterFilterPacket = { direction, protocol: p.protocol, src: { ...p.src }, dst: { ...p.dst }, data: p.data };
    for (const f of this.#filters) {
      try {
        if (!f(view)) return false;
      } catch (err) {
        this.#ctx.log.error(`${this.name}: filter threw`, err);
        return false;
      }
    }
    return true;
  }

  /** True when `address` belongs on this router's LAN. */
  ownsAddress(address: string): boolean {
    if (!this.#lan4) return true; // the WAN
    return familyOf(address) === 4 ? this.#lan4.contains(address) : (this.#lan6?.contains(address) ?? false);
  }

  /** Prefix length of the LAN an address of this family sits on. */
  prefixLength(family: 4 | 6): number {
    // The WAN has no single prefix: its hosts report a typical /24 (and /64 for IPv6).
    if (family === 4) return this.#lan4?.prefixLength ?? 24;
    return this.#lan6?.prefixLength ?? 64;
  }

  /** @internal Attaches a host interface address to the LAN. */
  attach(address: string, endpoint: LanEndpoint): void {
    if (!this.ownsAddress(address)) throw new InvalidArgumentError(`${address} is not on ${this.name}'s LAN`);
    if (address === this.publicAddress) throw new InvalidArgumentError(`${address} is ${this.name}'s own address`);
    if (this.#endpoints.has(address) || this.#childByAddress.has(address)) {
      throw new InvalidArgumentError(`${address} is already in use on ${this.name}`);
    }
    this.#endpoints.set(address, endpoint);
  }

  /** @internal */
  detach(address: string, endpoint: LanEndpoint): void {
    if (this.#endpoints.get(address) === endpoint) this.#endpoints.delete(address);
  }

  /** @internal Registers a child router (its publicAddress sits on this LAN). */
  attachChild(child: VirtualRouter): void {
    const a = child.publicAddress!;
    if (!this.ownsAddress(a)) throw new InvalidArgumentError(`${a} is not on ${this.name}'s LAN`);
    if (this.#endpoints.has(a) || this.#childByAddress.has(a)) throw new InvalidArgumentError(`${a} is already in use on ${this.name}`);
    this.#childByAddress.set(a, child);
    this.#routedChildren.push(child);
  }

  /** @internal A packet from the LAN side (a host or a child router). */
  fromLan(p: VirtualPacket): void {
    if (++p.hops > MAX_HOPS) return this.#ctx.drop('ttl', p);
    const dst = p.dst.address;
    if (this.#nat && dst === this.publicAddress) return this.#hairpin(p);
    if (this.ownsAddress(dst)) return this.#deliverLan(p);
    const parent = this.parent;
    if (!parent) return this.#ctx.drop('no-route', p);
    if (this.#nat && familyOf(dst) === 4) {
      const ext = this.#nat.outbound(p.protocol, p.src, p.dst, this.#ctx.now());
      if (typeof ext === 'string') return this.#ctx.drop(ext, p);
      if (this.#ctx.log.traceEnabled) {
        this.#ctx.log.trace(`${this.name}: nat ${p.protocol} ${formatAddress(p.src)} -> ${formatAddress(ext)} (to ${formatAddress(p.dst)})`);
      }
      p.src = ext;
    } else if (this.#firewall6 && !this.#firewall6.outbound(p.protocol, p.src, p.dst, this.#ctx.now())) {
      return this.#ctx.drop('firewall-full', p);
    }
    if (!this.#passes('outbound', p)) return this.#ctx.drop('router-filter', p);
    this.#uplink!.transmit(p, 'up', (q) => parent.fromLan(q));
  }

  /** @internal A packet arriving over the uplink from the parent. */
  fromParent(p: VirtualPacket): void {
    if (++p.hops > MAX_HOPS) return this.#ctx.drop('ttl', p);
    if (!this.#passes('inbound', p)) return this.#ctx.drop('router-filter', p);
    if (this.#nat && familyOf(p.dst.address) === 4) {
      if (p.dst.address !== this.publicAddress) return this.#ctx.drop('no-route', p);
      const internal = this.#nat.inbound(p.protocol, p.src, p.dst.port, this.#ctx.now());
      if (typeof internal === 'string') {
        if (this.#ctx.log.traceEnabled) {
          this.#ctx.log.trace(`${this.name}: ${internal} ${p.protocol} from ${formatAddress(p.src)} to :${p.dst.port}`);
        }
        return this.#ctx.drop(internal, p);
      }
      p.dst = internal;
    } else if (!this.ownsAddress(p.dst.address)) {
      return this.#ctx.drop('no-route', p);
    } else if (this.#firewall6 && !this.#firewall6.allows(p.protocol, p.src, p.dst, this.#ctx.now())) {
      return this.#ctx.drop('firewall-filtered', p);
    }
    this.#deliverLan(p);
  }

  /** RFC 4787 §6: translate the source as for outbound traffic, then the destination as inbound. */
  #hairpin(p: VirtualPacket): void {
    const nat = this.#nat!;
    if (!nat.config.hairpinning) return this.#ctx.drop('nat-no-hairpin', p);
    const now = this.#ctx.now();
    const ext = nat.outbound(p.protocol, p.src, p.dst, now);
    if (typeof ext === 'string') return this.#ctx.drop(ext, p);
    const internal = nat.inbound(p.protocol, ext, p.dst.port, now);
    if (typeof internal === 'string') return this.#ctx.drop(internal, p);
    p.src = ext;
    p.dst = internal;
    this.#deliverLan(p);
  }

  #deliverLan(p: VirtualPacket): void {
    const dst = p.dst.address;
    const endpoint = this.#endpoints.get(dst);
    if (endpoint) return endpoint.receiveFromRouter(p);
    let child = this.#childByAddress.get(dst);
    // A child found by prefix: a plain router's LAN, or any child's routed IPv6 prefix.
    child ??= this.#routedChildren.find((c) => (!c.#nat || familyOf(dst) === 6) && c.ownsAddress(dst));
    if (!child) return this.#ctx.drop('no-route', p);
    const c = child;
    c.#uplink!.transmit(p, 'down', (q) => c.fromParent(q));
  }
}
