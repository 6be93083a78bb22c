import type { Clock } from '../common/clock.js';
import { DropCounter } from '../common/drop-counter.js';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { SeededRng, type Rng } from '../common/rng.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import type { VnetContext } from './context.js';
import { DeliveryQueue } from './delivery-queue.js';
import { VirtualHost, type HostAddressInit } from './host.js';
import type { LinkImpairment } from './link.js';
import type { FirewallConfig } from './firewall.js';
import type { NatConfig } from './nat.js';
import type { VirtualPacket } from './packet.js';
import { VirtualRouter } from './router.js';
import { DEFAULT_VIRTUAL_STUN_PORT, VirtualStunServer } from './stun-server.js';
import { DEFAULT_MAX_TURN_ALLOCATIONS, TURN_NONCE_LIFETIME_MS, VirtualTurnServer } from './turn-server.js';

const log = getLogger('net').child('vnet');

/** Seed used when no Rng is given: the virtual network is deterministic by default. */
export const DEFAULT_VNET_SEED = 0x7e57;
/** Interface name of a host's first address unless told otherwise. */
export const DEFAULT_INTERFACE_NAME = 'eth0';

export interface VirtualNetworkOptions {
  /** Timers for every delivery (a FakeClock runs protocol seconds in virtual milliseconds). */
  clock: Clock;
  /** Seeds every link's impairment draws; default `new SeededRng(DEFAULT_VNET_SEED)`. */
  rng?: Rng;
}

export interface AddRouterOptions {
  /** Default: the WAN. */
  parent?: VirtualRouter;
  /** IPv4 prefix of the LAN behind this router, e.g. `192.168.1.0/24`. */
  lanCidr: string;
  /** Optional routed IPv6 prefix of the LAN (never NATed). */
  lanCidr6?: string;
  /** The router's address on the parent's network (its NAT's external address). */
  publicAddress: string;
  /** RFC 4787 NAT; omitted: a plain router (the LAN prefix is reachable from the parent). */
  nat?: NatConfig;
  /** Stateful filtering of the routed IPv6 prefix (RFC 6092), e.g. `{ filtering: 'address-and-port-dependent' }`. */
  firewall6?: FirewallConfig;
  /** Impairment of the uplink to the parent, both directions. */
  impairment?: LinkImpairment;
  name?: string;
}

export interface AddHostOptions {
  router: VirtualRouter;
  /** First interface address (IPv4 or IPv6). */
  address: string;
  /** Default {@link DEFAULT_INTERFACE_NAME}. */
  interfaceName?: string;
  /** More addresses: on the first interface, on another interface, or on another router. */
  extraAddresses?: Array<string | { address: string; interfaceName?: string; router?: VirtualRouter }>;
  /** Impairment of the host's links to its routers. */
  impairment?: LinkImpairment;
  name?: string;
}

export interface AddStunServerOptions {
  router: VirtualRouter;
  address: string;
  /** Default 3478 (RFC 8489 §18.4). */
  port?: number;
  /** A second IP on the same router: turns on the RFC 5780 behaviour-discovery responses (alternate port = port + 1). */
  otherAddress?: string;
  /** Also answer STUN over TCP on the same port (default true). */
  tcp?: boolean;
  name?: string;
}

/** One observation from {@link VirtualNetwork.tap}. Addresses as they are at that point (before or after NAT). */
export interface VirtualPacketEvent {
  readonly type: 'sent' | 'delivered' | 'dropped';
  readonly atMs: number;
  readonly protocol: 'udp' | 'tcp';
  readonly src: TransportAddress;
  readonly dst: TransportAddress;
  /** Payload bytes (UDP datagram, or TCP segment payload). */
  readonly size: number;
  /** The payload; do not modify. */
  readonly data: Buffer;
  /** Why it was dropped. */
  readonly reason?: string;
}

export type VirtualPacketTap = (event: VirtualPacketEvent) => void;

export interface AddTurnServerOptions {
  router: VirtualRouter;
  address: string;
  /** More addresses for the server host (e.g. IPv6, for REQUESTED-ADDRESS-FAMILY). */
  extraAddresses?: string[];
  /** Default 3478. */
  port?: number;
  /** Default {@link DEFAULT_TURN_REALM}. */
  realm?: string;
  /** username -> password. */
  credentials: Record<string, string>;
  /** Also serve TURN over TCP (RFC 8656 §3.1) on the same port (default true). */
  tcp?: boolean;
  maxAllocations?: number;
  nonceLifetimeMs?: number;
  name?: string;
}

/** Realm of virtual TURN servers unless told otherwise. */
export const DEFAULT_TURN_REALM = 'tern.vnet';

export interface VirtualNetworkStats {
  /** Packets handed to the network by sockets (TCP segments included). */
  sent: number;
  /** Packets handed to a socket or connection. */
  delivered: number;
  dropped: number;
  /** Drops by reason: loss, mtu, queue-overflow, nat-filtered, nat-no-mapping, nat-no-hairpin, no-route, port-unreachable, ... */
  droppedByReason: Record<string, number>;
  duplicated: number;
  reordered: number;
  /** TCP segments the links lost and had retransmitted. */
  retransmitted: number;
}

/**
 * A virtual network on an injected clock, after Pion's transport/vnet: a WAN
 * router, nested routers with RFC 4787 NATs, hosts implementing {@link Net},
 * seeded impairments per link. Nothing touches a real socket.
 */
export class VirtualNetwork {
  readonly clock: Clock;
  readonly wan: VirtualRouter;
  readonly #rng: Rng;
  readonly #queue: DeliveryQueue;
  readonly #drops = new DropCounter(log);
  readonly #routers: VirtualRouter[] = [];
  readonly #hosts: VirtualHost[] = [];
  readonly #closers: Array<{ close(): void }> = [];
  readonly #taps = new Set<VirtualPacketTap>();
  readonly #ctx: VnetContext;
  #counts = { sent: 0, delivered: 0, duplicated: 0, reordered: 0, retransmitted: 0 };
  #closed = false;

  constructor(options: VirtualNetworkOptions) {
    this.clock = options.clock;
    this.#rng = options.rng ?? new SeededRng(DEFAULT_VNET_SEED);
    this.#queue = new DeliveryQueue(this.clock, (err) => log.error('delivery threw', err));
    const self = this;
    this.#ctx = {
      log,
      get closed() {
        return self.#closed;
      },
      now: () => this.clock.now(),
      schedule: (delayMs, fn) => this.#schedule(delayMs, fn),
      drop: (reason, p) => this.#drop(reason, p),
      count: (what) => {
        this.#counts[what]++;
      },
      forkRng: () => new SeededRng(this.#rng.uint32()),
      delivered: (p) => {
        this.#counts.delivered++;
        if (this.#taps.size > 0) this.#emit('delivered', p);
      },
      sent: (p) => {
        this.#counts.sent++;
        if (this.#taps.size > 0) this.#emit('sent', p);
      },
      handOver: (p, fn) => {
        if (p.async) fn();
        else
          this.#schedule(0, () => {
            p.async = true;
            fn();
          });
      },
    };
    this.wan = new VirtualRouter(this.#ctx, { name: 'wan', parent: undefined, lanCidr: undefined, publicAddress: undefined });
    this.#routers.push(this.wan);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Deliveries and timers still scheduled on the clock. */
  get pendingDeliveries(): number {
    return this.#queue.size;
  }

  get stats(): VirtualNetworkStats {
    return { ...this.#counts, dropped: this.#drops.total, droppedByReason: this.#drops.toJSON() };
  }

  addRouter(options: AddRouterOptions): VirtualRouter {
    this.#assertOpen();
    const parent = options.parent ?? this.wan;
    this.#assertOwn(parent);
    const router = new VirtualRouter(this.#ctx, {
      name: options.name ?? `router${this.#routers.length}`,
      parent,
      lanCidr: options.lanCidr,
      ...(options.lanCidr6 !== undefined ? { lanCidr6: options.lanCidr6 } : {}),
      publicAddress: options.publicAddress,
      ...(options.nat ? { nat: options.nat } : {}),
      ...(options.firewall6 ? { firewall6: options.firewall6 } : {}),
      ...(options.impairment ? { impairment: options.impairment } : {}),
    });
    parent.attachChild(router);
    this.#routers.push(router);
    return router;
  }

  addHost(options: AddHostOptions): VirtualHost {
    this.#assertOpen();
    this.#assertOwn(options.router);
    const first = options.interfaceName ?? DEFAULT_INTERFACE_NAME;
    const addresses: HostAddressInit[] = [{ address: options.address, interfaceName: first, router: options.router }];
    for (const extra of options.extraAddresses ?? []) {
      if (typeof extra === 'string') addresses.push({ address: extra, interfaceName: first, router: options.router });
      else {
        const router = extra.router ?? options.router;
        this.#assertOwn(router);
        addresses.push({ address: extra.address, interfaceName: extra.interfaceName ?? first, router });
      }
    }
    const host = new VirtualHost(this.#ctx, options.name ?? `host${this.#hosts.length}`, addresses, options.impairment);
    this.#hosts.push(host);
    return host;
  }

  /** A STUN Binding responder on a new host at `address` (RFC 5780 server when `otherAddress` is given). */
  addStunServer(options: AddStunServerOptions): VirtualStunServer {
    const host = this.addHost({
      router: options.router,
      address: options.address,
      ...(options.otherAddress !== undefined ? { extraAddresses: [options.otherAddress] } : {}),
      name: options.name ?? `stun-${options.address}`,
    });
    const [address, other] = host.addresses as [string, string | undefined];
    const server = new VirtualStunServer(host, address, options.port ?? DEFAULT_VIRTUAL_STUN_PORT, other, options.tcp ?? true);
    this.#closers.push(server);
    return server;
  }

  /** A TURN server (RFC 8656) on a new host at `address`, with UDP relays. */
  addTurnServer(options: AddTurnServerOptions): VirtualTurnServer {
    const host = this.addHost({
      router: options.router,
      address: options.address,
      ...(options.extraAddresses ? { extraAddresses: options.extraAddresses } : {}),
      name: options.name ?? `turn-${options.address}`,
    });
    const server = new VirtualTurnServer(
      host,
      {
        port: options.port ?? DEFAULT_VIRTUAL_STUN_PORT,
        realm: options.realm ?? DEFAULT_TURN_REALM,
        credentials: { ...options.credentials },
        tcp: options.tcp ?? true,
        maxAllocations: options.maxAllocations ?? DEFAULT_MAX_TURN_ALLOCATIONS,
        nonceLifetimeMs: options.nonceLifetimeMs ?? TURN_NONCE_LIFETIME_MS,
      },
      () => this.clock.now(),
      this.#ctx.forkRng(),
    );
    this.#closers.push(server);
    return server;
  }

  /**
   * Gives a running host another address (a new interface when the name is
   * new), e.g. joining a second network for a network-change test.
   */
  addInterface(host: VirtualHost, options: { address: string; interfaceName: string; router: VirtualRouter }): void {
    this.#assertOpen();
    this.#assertOwn(options.router);
    if (!this.#hosts.includes(host)) throw new InvalidArgumentError(`host ${host.name} belongs to another network`);
    host.addAddress(options);
  }

  /** Changes the impairment of a router's uplink, or of a host's interface link(s). */
  setImpairment(target: VirtualRouter | VirtualHost, impairment: LinkImpairment, interfaceName?: string): void {
    if (target instanceof VirtualHost) target.setImpairment(impairment, interfaceName);
    else target.setImpairment(impairment);
  }

  /** Closes every host and server, and cancels every scheduled delivery. Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const c of this.#closers) c.close();
    for (const h of this.#hosts) h.close();
    this.#closed = true;
    this.#queue.close();
    this.#taps.clear();
  }

  #schedule(delayMs: number, fn: () => void): () => void {
    if (this.#closed) return noop;
    return this.#queue.schedule(delayMs, fn);
  }

  /**
   * Observes every packet sent, delivered and dropped (a capture for tests);
   * returns the function that removes the tap. A throwing tap is logged.
   */
  tap(handler: VirtualPacketTap): () => void {
    this.#taps.add(handler);
    return () => {
      this.#taps.delete(handler);
    };
  }

  #emit(type: VirtualPacketEvent['type'], p: VirtualPacket, reason?: string): void {
    const event: VirtualPacketEvent = {
      type,
      atMs: this.clock.now(),
      protocol: p.protocol,
      src: { ...p.src },
      dst: { ...p.dst },
      size: p.data.length,
      data: p.data,
      ...(reason !== undefined ? { reason } : {}),
    };
    for (const t of this.#taps) {
      try {
        t(event);
      } catch (err) {
        log.error('packet tap threw', err);
      }
    }
  }

  #drop(reason: string, p: VirtualPacket): void {
    if (this.#taps.size > 0) this.#emit('dropped', p, reason);
    const detail = log.traceEnabled ? `${p.protocol} ${formatAddress(p.src)} -> ${formatAddress(p.dst)} (${p.data.length} bytes)` : undefined;
    this.#drops.drop(reason, detail);
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidArgumentError('the virtual network is closed');
  }

  #assertOwn(router: VirtualRouter): void {
    if (!this.#routers.includes(router)) throw new InvalidArgumentError(`router ${router.name} belongs to another network`);
  }
}

function noop(): void {}
