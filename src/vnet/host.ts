import { InvalidArgumentError } from '../common/errors.js';
import {
  NetError,
  familyOf,
  formatAddress,
  type Net,
  type NetInterfaceAddress,
  type TcpConnection,
  type TcpDialOptions,
  type TcpListenOptions,
  type TcpServer,
  type TransportAddress,
  type UdpBindOptions,
  type UdpSocket,
} from '../transport/net.js';
import type { LanEndpoint, VnetContext } from './context.js';
import { isLoopbackIp, isUnspecifiedIp, tryCanonicalIp } from './ip.js';
import { VirtualLink, type LinkImpairment } from './link.js';
import type { TcpSegment, VirtualPacket, VirtualProtocol } from './packet.js';
import type { VirtualRouter } from './router.js';
import { VirtualTcpConnection, VirtualTcpServer, connectionKey, type TcpOwner, type TcpServerOwner } from './tcp.js';
import { VirtualUdpSocket, type UdpSocketOwner } from './udp-socket.js';
import { PortTable, endpointKey, isPort } from './port-table.js';

export { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN } from './port-table.js';

/** Default TCP connect timeout when the caller gives none (Linux gives up after ~2 minutes). */
export const DEFAULT_TCP_DIAL_TIMEOUT_MS = 30_000;

interface HostInterface {
  readonly name: string;
  readonly router: VirtualRouter;
  readonly link: VirtualLink;
  readonly addresses: string[];
  /** A down interface neither sends nor receives, and is not listed. */
  up: boolean;
}

/** @internal */
export interface HostAddressInit {
  address: string;
  interfaceName: string;
  router: VirtualRouter;
}

/**
 * A host on the virtual network. Implements {@link Net}, so the ICE agent,
 * TURN client and DTLS drivers run on it unchanged: UDP sockets, TCP
 * listen/dial, an interface list with `lo` plus the configured addresses.
 */
export class VirtualHost implements Net, UdpSocketOwner, TcpOwner, TcpServerOwner {
  readonly name: string;
  readonly #ctx: VnetContext;
  readonly #ifaces: HostInterface[] = [];
  readonly #endpoints: Array<[VirtualRouter, string, LanEndpoint]> = [];
  readonly #ports = new PortTable((family) => [
    ...this.addresses.filter((a) => familyOf(a) === family),
    family === 4 ? '127.0.0.1' : '::1',
  ]);
  readonly #tcpConns = new Map<string, VirtualTcpConnection>();
  readonly #impairment: LinkImpairment | undefined;
  #closed = false;

  /** @internal Created by {@link VirtualNetwork.addHost}. */
  constructor(ctx: VnetContext, name: string, addresses: HostAddressInit[], impairment?: LinkImpairment) {
    this.#ctx = ctx;
    this.name = name;
    this.#impairment = impairment;
    for (const a of addresses) this.addAddress(a);
  }

  /** @internal Adds an interface address (a new interface when the name is new). */
  addAddress(a: HostAddressInit): void {
    if (this.#closed) throw new InvalidArgumentError(`host ${this.name} is closed`);
    const address = tryCanonicalIp(a.address);
    if (address === undefined || isLoopbackIp(address) || isUnspecifiedIp(address)) {
      throw new InvalidArgumentError(`host ${this.name}: '${a.address}' is not a usable interface address`);
    }
    if (this.#ownsAddress(address)) throw new InvalidArgumentError(`host ${this.name}: ${address} given twice`);
    let iface = this.#ifaces.find((i) => i.name === a.interfaceName);
    if (iface && iface.router !== a.router) {
      throw new InvalidArgumentError(`host ${this.name}: interface ${a.interfaceName} cannot sit on two routers`);
    }
    const link = iface?.link ?? new VirtualLink(this.#ctx, this.#ctx.forkRng(), this.#impairment);
    const endpoint: LanEndpoint = {
      receiveFromRouter: (p) => {
        if (!this.#ifaces.find((i) => i.link === link)?.up) return this.#ctx.drop('interface-down', p);
        link.transmit(p, 'down', (q) => this.#receive(q));
      },
    };
    a.router.attach(address, endpoint);
    if (!iface) {
      iface = { name: a.interfaceName, router: a.router, link, addresses: [], up: true };
      this.#ifaces.push(iface);
    }
    this.#endpoints.push([a.router, address, endpoint]);
    iface.addresses.push(address);
  }

  /**
   * Takes an interface down or up (a network change: Wi-Fi lost, VPN up).
   * A down interface is not listed by interfaces(), sends and receives
   * nothing, and its addresses cannot be bound; sockets already bound stay.
   */
  setInterfaceUp(interfaceName: string, up: boolean): void {
    const iface = this.#ifaces.find((i) => i.name === interfaceName);
    if (!iface) throw new InvalidArgumentError(`host ${this.name} has no interface ${interfaceName}`);
    iface.up = up;
    if (this.#ctx.log.debugEnabled) this.#ctx.log.debug(`vnet ${this.name}: ${interfaceName} ${up ? 'up' : 'down'}`);
  }

  /** Interface addresses (without loopback), in configuration order. */
  get addresses(): string[] {
    return this.#ifaces.flatMap((i) => i.addresses);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** @internal Impairs the link of one interface (all when `interfaceName` is omitted). */
  setImpairment(impairment: LinkImpairment, interfaceName?: string): void {
    const targets = this.#ifaces.filter((i) => interfaceName === undefined || i.name === interfaceName);
    if (targets.length === 0) throw new InvalidArgumentError(`host ${this.name} has no interface ${interfaceName ?? ''}`);
    for (const i of targets) i.link.impairment = impairment;
  }

  interfaces(): NetInterfaceAddress[] {
    const out: NetInterfaceAddress[] = [
      { name: 'lo', address: '127.0.0.1', family: 4, internal: true, prefixLength: 8 },
      { name: 'lo', address: '::1', family: 6, internal: true, prefixLength: 128 },
    ];
    for (const i of this.#ifaces) {
      if (!i.up) continue;
      for (const address of i.addresses) {
        const family = familyOf(address);
        out.push({ name: i.name, address, family, internal: false, prefixLength: i.router.prefixLength(family) });
      }
    }
    return out;
  }

  // ---- UDP -------------------------------------------------------------------------------------

  async bindUdp(options: UdpBindOptions): Promise<UdpSocket> {
    return this.bindUdpNow(options);
  }

  /** Binds at once (no promise): for servers set up while the network is built. Throws NetError. */
  bindUdpNow(options: UdpBindOptions): VirtualUdpSocket {
    const address = this.#bindableAddress(options.address, 'udp');
    const port = this.#ports.choose('udp', address, options.port);
    const socket = new VirtualUdpSocket(this, { address, port }, familyOf(address));
    this.#ports.udp.set(endpointKey(address, port), socket);
    if (this.#ctx.log.debugEnabled) this.#ctx.log.debug(`vnet ${this.name}: udp bound ${formatAddress(socket.localAddress)}`);
    return socket;
  }

  /** @internal */
  sendUdp(socket: VirtualUdpSocket, data: Buffer, to: TransportAddress): boolean {
    const dst = tryCanonicalIp(to?.address ?? '');
    if (dst === undefined || !isPort(to.port) || to.port === 0 || familyOf(dst) !== socket.family) return false;
    if (this.#closed || this.#ctx.closed) return false;
    const p: VirtualPacket = {
      protocol: 'udp',
      src: { ...socket.localAddress },
      dst: { address: dst, port: to.port },
      data,
      hops: 0,
      async: false,
    };
    this.#ctx.sent(p);
    this.#route(p);
    return true;
  }

  /** @internal */
  releaseUdp(socket: VirtualUdpSocket): void {
    const key = endpointKey(socket.localAddress.address, socket.localAddress.port);
    if (this.#ports.udp.get(key) === socket) this.#ports.udp.delete(key);
  }

  // ---- TCP -------------------------------------------------------------------------------------

  async listenTcp(options: TcpListenOptions): Promise<TcpServer> {
    return this.listenTcpNow(options);
  }

  /** Listens at once (no promise). Throws NetError. */
  listenTcpNow(options: TcpListenOptions): VirtualTcpServer {
    const address = this.#bindableAddress(options.address, 'tcp');
    const port = this.#ports.choose('tcp', address, options.port);
    const server = new VirtualTcpServer(this, { address, port });
    this.#ports.tcpServers.set(endpointKey(address, port), server);
    if (this.#ctx.log.debugEnabled) this.#ctx.log.debug(`vnet ${this.name}: tcp listening ${formatAddress(server.localAddress)}`);
    return server;
  }

  async dialTcp(options: TcpDialOptions): Promise<TcpConnection> {
    const remoteAddress = tryCanonicalIp(options.address);
    if (remoteAddress === undefined || !isPort(options.port) || options.port === 0) {
      throw new NetError('ERR_NET_UNREACHABLE', `dial tcp ${options.address}:${options.port}: invalid address`);
    }
    if (this.#closed || this.#ctx.closed) throw new NetError('ERR_NET_CLOSED', `dial tcp: host ${this.name} is closed`);
    const family = familyOf(remoteAddress);
    let localAddress: string;
    if (options.localAddress !== undefined && !isUnspecifiedIp(options.localAddress)) {
      localAddress = this.#bindableAddress(options.localAddress, 'tcp');
      if (familyOf(localAddress) !== family) throw new NetError('ERR_NET_UNREACHABLE', 'dial tcp: address family mismatch');
    } else {
      const chosen = this.#sourceAddressFor(remoteAddress);
      if (chosen === undefined) throw new NetError('ERR_NET_UNREACHABLE', `dial tcp ${remoteAddress}: no route`);
      localAddress = chosen;
    }
    const localPort = this.#ports.choose('tcp', localAddress, options.localPort ?? 0);
    const remote = { address: remoteAddress, port: options.port };
    const conn = new VirtualTcpConnection(this, { address: localAddress, port: localPort }, remote, 'syn-sent');
    this.#ports.takeDialPort(localAddress, localPort);
    this.#tcpConns.set(conn.key, conn);
    return new Promise<TcpConnection>((resolve, reject) => {
      const cancelTimeout = this.#ctx.schedule(options.timeoutMs ?? DEFAULT_TCP_DIAL_TIMEOUT_MS, () => {
        conn.abort('connect timed out', 'ERR_NET_TIMEOUT');
      });
      conn.whenEstablished((error) => {
        cancelTimeout();
        if (error) reject(error);
        else resolve(conn);
      });
      conn.open();
    });
  }

  /** @internal */
  sendSegment(conn: VirtualTcpConnection, kind: TcpSegment['kind'], seq: number, data: Buffer): void {
    if (this.#closed || this.#ctx.closed) return;
    const p: VirtualPacket = {
      protocol: 'tcp',
      src: { ...conn.localAddress },
      dst: { ...conn.remoteAddress },
      data,
      tcp: { kind, seq, origin: conn },
      hops: 0,
      async: false,
    };
    this.#ctx.sent(p);
    this.#route(p);
  }

  /** @internal */
  releaseConnection(conn: VirtualTcpConnection): void {
    if (this.#tcpConns.get(conn.key) !== conn) return;
    this.#tcpConns.delete(conn.key);
    if (conn.dialed) this.#ports.releaseDialPort(conn.localAddress.address, conn.localAddress.port);
  }

  /** @internal */
  releaseServer(server: VirtualTcpServer): void {
    const key = endpointKey(server.localAddress.address, server.localAddress.port);
    if (this.#ports.tcpServers.get(key) === server) this.#ports.tcpServers.delete(key);
  }

  /** Closes every socket, listener and connection of this host and detaches it from its routers. */
  close(): void {
    if (this.#closed) return;
    for (const s of [...this.#ports.udp.values()]) s.close();
    for (const s of [...this.#ports.tcpServers.values()]) s.close();
    for (const c of [...this.#tcpConns.values()]) c.close();
    this.#closed = true;
    for (const [router, address, endpoint] of this.#endpoints) router.detach(address, endpoint);
  }

  // ---- routing and delivery ------------------------------------------------------------------

  #ownsAddress(address: string): boolean {
    return this.#ifaces.some((i) => i.addresses.includes(address));
  }

  /** The interface address a wildcard socket sends from: on-link interface first, else the first of the family. */
  #sourceAddressFor(dst: string): string | undefined {
    if (isLoopbackIp(dst)) return familyOf(dst) === 4 ? '127.0.0.1' : '::1';
    if (this.#ownsAddress(dst)) return dst;
    const family = familyOf(dst);
    const candidates = this.#ifaces
      .filter((i) => i.up)
      .flatMap((i) => i.addresses.filter((a) => familyOf(a) === family).map((a) => [i, a] as const));
    const onLink = candidates.find(([i]) => i.router.lanCidr !== undefined && i.router.ownsAddress(dst));
    return (onLink ?? candidates[0])?.[1];
  }

  #route(p: VirtualPacket): void {
    const dst = p.dst.address;
    if (isLoopbackIp(dst) || this.#ownsAddress(dst)) {
      if (isUnspecifiedIp(p.src.address)) p.src = { address: isLoopbackIp(dst) ? this.#sourceAddressFor(dst)! : dst, port: p.src.port };
      this.#receive(p);
      return;
    }
    if (isLoopbackIp(p.src.address)) return this.#ctx.drop('no-route', p);
    if (isUnspecifiedIp(p.src.address)) {
      const src = this.#sourceAddressFor(dst);
      if (src === undefined) return this.#ctx.drop('no-route', p);
      p.src = { address: src, port: p.src.port };
    }
    const iface = this.#ifaces.find((i) => i.addresses.includes(p.src.address));
    if (!iface) return this.#ctx.drop('no-route', p);
    if (!iface.up) return this.#ctx.drop('interface-down', p);
    iface.link.transmit(p, 'up', (q) => iface.router.fromLan(q));
  }

  #receive(p: VirtualPacket): void {
    this.#ctx.handOver(p, () => {
      if (this.#closed) return this.#ctx.drop('host-closed', p);
      if (p.protocol === 'udp') this.#receiveUdp(p);
      else this.#receiveTcp(p);
    });
  }

  #receiveUdp(p: VirtualPacket): void {
    const { address, port } = p.dst;
    const socket = this.#ports.udpFor(address, port);
    if (!socket) return this.#ctx.drop('port-unreachable', p);
    if (!socket.deliver(p.data, p.src)) return this.#ctx.drop('no-handler', p);
    this.#ctx.delivered(p);
  }

  #receiveTcp(p: VirtualPacket): void {
    const seg = p.tcp!;
    const conn = this.#tcpConns.get(connectionKey(p.dst, p.src));
    if (conn) {
      this.#ctx.delivered(p);
      conn.receive(seg.kind, seg.seq, p.data);
      return;
    }
    if (seg.kind !== 'syn') {
      this.#ctx.drop('tcp-no-connection', p);
      if (seg.kind !== 'rst') this.#reset(p);
      return;
    }
    const { address, port } = p.dst;
    const server = this.#ports.tcpServerFor(address, port);
    if (!server) {
      this.#ctx.drop('tcp-refused', p);
      this.#reset(p);
      return;
    }
    this.#ctx.delivered(p);
    const accepted = new VirtualTcpConnection(this, { ...p.dst }, { ...p.src }, 'established');
    this.#tcpConns.set(accepted.key, accepted);
    accepted.open();
    if (this.#ctx.log.traceEnabled) this.#ctx.log.trace(`vnet ${this.name}: tcp accepted ${formatAddress(p.src)} on ${formatAddress(p.dst)}`);
    if (!server.accept(accepted)) accepted.abort('no connection handler', 'ERR_NET_REFUSED');
  }

  /** Answers a segment that matches nothing with RST. */
  #reset(p: VirtualPacket): void {
    if (this.#ctx.closed) return;
    const r: VirtualPacket = {
      protocol: 'tcp',
      src: { ...p.dst },
      dst: { ...p.src },
      data: Buffer.alloc(0),
      tcp: { kind: 'rst', seq: 0 },
      hops: 0,
      async: true,
    };
    this.#ctx.sent(r);
    this.#route(r);
  }

  // ---- ports -----------------------------------------------------------------------------------

  /** Validates a local address for bind/listen: unspecified, loopback or one of ours. */
  #bindableAddress(input: string, what: VirtualProtocol): string {
    if (this.#closed || this.#ctx.closed) throw new NetError('ERR_NET_CLOSED', `bind ${what}: host ${this.name} is closed`);
    const address = tryCanonicalIp(input);
    const usable = (a: string): boolean => this.#ifaces.some((i) => i.up && i.addresses.includes(a));
    if (address === undefined || !(isUnspecifiedIp(address) || isLoopbackIp(address) || usable(address))) {
      throw new NetError('ERR_NET_ADDRESS_NOT_AVAILABLE', `bind ${what} ${input}: address not available on host ${this.name}`);
    }
    return address;
  }
}

