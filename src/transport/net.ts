import { TernError } from '../common/errors.js';

/**
 * The network, injected. Drivers (ICE agent, TURN client, DTLS over UDP,
 * single-port server) reach sockets only through this interface, so the same
 * code runs over `node:dgram`/`node:net` ({@link NodeNet}) and over the
 * virtual network in tests (`tern-rtc/vnet`).
 *
 * Packet paths use plain callbacks (one handler per socket), never rxjs.
 */

export type AddressFamily = 4 | 6;

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

export interface NetInterfaceAddress {
  /** Interface name, e.g. `lo`, `eth0`. */
  readonly name: string;
  readonly address: string;
  readonly family: AddressFamily;
  readonly internal: boolean;
  /** Prefix length of the address's network. */
  readonly prefixLength: number;
}

/** How long a closed UDP socket may wait for datagrams already handed to `send` to leave. */
export const UDP_CLOSE_FLUSH_MS = 200;

export type UdpMessageHandler = (data: Buffer, from: TransportAddress) => void;

export interface UdpSocket {
  readonly localAddress: TransportAddress;
  readonly family: AddressFamily;
  /** Fire-and-forget; send failures are counted and traced by the socket, never thrown. */
  send(data: Uint8Array, to: TransportAddress): void;
  /** Sets the one handler for inbound datagrams (replaces any previous one). */
  onMessage(handler: UdpMessageHandler): void;
  close(): void;
  readonly closed: boolean;
}

export interface TcpConnection {
  readonly localAddress: TransportAddress;
  readonly remoteAddress: TransportAddress;
  /** Writes raw bytes (callers do their own framing, e.g. RFC 4571). */
  write(data: Uint8Array): void;
  onData(handler: (chunk: Buffer) => void): void;
  /** Called once, when the connection is closed by either side or fails. */
  onClose(handler: (error?: Error) => void): void;
  close(): void;
  readonly closed: boolean;
}

export interface TcpServer {
  readonly localAddress: TransportAddress;
  onConnection(handler: (conn: TcpConnection) => void): void;
  close(): void;
}

export interface UdpBindOptions {
  address: string;
  /** 0 lets the system choose. */
  port: number;
}

export interface TcpListenOptions {
  address: string;
  port: number;
  backlog?: number;
}

export interface TcpDialOptions {
  address: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  timeoutMs?: number;
}

/** A UDP socket joined to a multicast group (mDNS, RFC 6762). */
export interface MulticastUdpBindOptions {
  family: AddressFamily;
  /** Group to join, e.g. 224.0.0.251 or ff02::fb. */
  group: string;
  /** Port to bind (shared with other listeners of the group). */
  port: number;
  /** Interface for membership and outgoing multicast: an IPv4 address, or an IPv6 scope such as `::%lo`. */
  interfaceAddress?: string;
  /** IP TTL / hop limit of outgoing multicast. */
  ttl?: number;
}

export interface Net {
  /** Addresses of the host's interfaces (what gathering may use). */
  interfaces(): NetInterfaceAddress[];
  /**
   * Binds a socket joined to a multicast group, with multicast loopback on
   * (mDNS uses it). Optional: a Net without it (e.g. the virtual network) has
   * no multicast, and mDNS through it fails with a typed error instead of
   * opening real sockets behind the caller's back.
   */
  bindMulticastUdp?(options: MulticastUdpBindOptions): Promise<UdpSocket>;
  /** Rejects with {@link NetError} code `ERR_NET_ADDRESS_IN_USE` when the port is taken. */
  bindUdp(options: UdpBindOptions): Promise<UdpSocket>;
  listenTcp(options: TcpListenOptions): Promise<TcpServer>;
  dialTcp(options: TcpDialOptions): Promise<TcpConnection>;
}

export type NetErrorCode =
  | 'ERR_NET_ADDRESS_IN_USE'
  | 'ERR_NET_ADDRESS_NOT_AVAILABLE'
  | 'ERR_NET_UNREACHABLE'
  | 'ERR_NET_REFUSED'
  | 'ERR_NET_TIMEOUT'
  | 'ERR_NET_CLOSED'
  | 'ERR_NET_NATIVE_UNAVAILABLE'
  | 'ERR_NET';

export class NetError extends TernError {
  declare readonly code: NetErrorCode;

  constructor(code: NetErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 6 : 4;
}

export function formatAddress(a: TransportAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

export function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && a.address === b.address;
}
