import type { Net, TransportAddress, UdpMessageHandler, UdpSocket, AddressFamily } from '../../transport/net.js';
import { familyOf, formatAddress } from '../../transport/net.js';
import { FramedTcpConnection, tcpKey } from './framed-tcp-connection.js';
import type { TcpSocketContext } from './tcp-passive-socket.js';

/** RFC 6544 §4.5: active candidates carry the discard port 9 in SDP. */
export const TCP_ACTIVE_DISCARD_PORT = 9;
/** Bound on outgoing connections of one active candidate. */
export const DEFAULT_MAX_ACTIVE_CONNECTIONS = 64;
/** Connect timeout for an active ICE-TCP connection. */
export const DEFAULT_TCP_CONNECT_TIMEOUT_MS = 5000;

/**
 * An active ICE-TCP base (RFC 6544 §4.1): when the agent first sends to a
 * remote passive candidate, a connection is dialed from the base's address
 * (ephemeral port); frames wait in a bounded queue until it is up.
 * Simultaneous open is not used.
 */
export class TcpActiveSocket implements UdpSocket {
  readonly #net: Net;
  readonly #ctx: TcpSocketContext;
  readonly #address: string;
  readonly #conns = new Map<string, FramedTcpConnection>();
  readonly #maxConnections: number;
  #handler: UdpMessageHandler | undefined;
  #closed = false;

  constructor(net: Net, address: string, ctx: TcpSocketContext, maxConnections = DEFAULT_MAX_ACTIVE_CONNECTIONS) {
    this.#net = net;
    this.#address = address;
    this.#ctx = ctx;
    this.#maxConnections = maxConnections;
  }

  get localAddress(): TransportAddress {
    return { address: this.#address, port: TCP_ACTIVE_DISCARD_PORT };
  }

  get family(): AddressFamily {
    return familyOf(this.#address);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    const key = tcpKey(to);
    let c = this.#conns.get(key);
    if (!c) {
      if (to.port === TCP_ACTIVE_DISCARD_PORT || to.port === 0) {
        this.#ctx.drops.drop('tcp-active-bad-port', key);
        return;
      }
      if (this.#conns.size >= this.#maxConnections) {
        this.#ctx.drops.drop('tcp-active-full', key);
        return;
      }
      c = this.#dial(to);
    }
    c.write(data);
  }

  #dial(to: TransportAddress): FramedTcpConnection {
    const framed = new FramedTcpConnection(to, (f, from) => this.#handler?.(f, from), this.#ctx.drops, this.#ctx.clock.now());
    const key = framed.key;
    this.#conns.set(key, framed);
    framed.onClose(() => {
      if (this.#conns.get(key) === framed) this.#conns.delete(key);
    });
    const log = this.#ctx.log;
    if (log.traceEnabled) log.trace(`tcp active ${this.#address}: connecting to ${formatAddress(to)}`);
    this.#net
      .dialTcp({ address: to.address, port: to.port, localAddress: this.#address, timeoutMs: DEFAULT_TCP_CONNECT_TIMEOUT_MS })
      .then(
        (conn) => {
          if (log.traceEnabled) log.trace(`tcp active ${formatAddress(conn.localAddress)} -> ${formatAddress(to)} connected`);
          framed.attach(conn);
        },
        (err: unknown) => {
          this.#ctx.drops.drop('tcp-connect-failed', `${key}: ${(err as Error).message}`);
          framed.close();
        },
      );
    return framed;
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    for (const c of [...this.#conns.values()]) c.close();
    this.#conns.clear();
  }
}
