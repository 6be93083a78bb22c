import type { Clock } from '../../common/clock.js';
import type { DropCounter } from '../../common/drop-counter.js';
import type { ScopedLogger } from '../../common/log.js';
import { familyOf, formatAddress, type AddressFamily, type TcpConnection, type TcpServer, type TransportAddress, type UdpMessageHandler, type UdpSocket } from '../../transport/net.js';
import { FramedTcpConnection, tcpKey } from './framed-tcp-connection.js';

/** Bound on inbound connections of one passive candidate (RFC 6544 leaves it open). */
export const DEFAULT_MAX_PASSIVE_CONNECTIONS = 64;

export interface TcpSocketContext {
  readonly clock: Clock;
  readonly log: ScopedLogger;
  readonly drops: DropCounter;
}

/**
 * A passive ICE-TCP base (RFC 6544 §4.1): a listener whose accepted
 * connections carry RFC 4571 frames. Presented to the agent as a
 * datagram socket: frames arrive from the connection's remote address, and
 * `send(data, to)` writes a frame on the connection from `to`. A passive
 * candidate never connects out (RFC 6544 §6.2): sends to an address with no
 * connection are dropped and counted.
 */
export class TcpPassiveSocket implements UdpSocket {
  readonly #server: TcpServer;
  readonly #ctx: TcpSocketContext;
  readonly #maxConnections: number;
  readonly #conns = new Map<string, FramedTcpConnection>();
  #handler: UdpMessageHandler | undefined;
  #closed = false;

  constructor(server: TcpServer, ctx: TcpSocketContext, maxConnections = DEFAULT_MAX_PASSIVE_CONNECTIONS) {
    this.#server = server;
    this.#ctx = ctx;
    this.#maxConnections = maxConnections;
    server.onConnection((conn) => this.#accept(conn));
  }

  get localAddress(): TransportAddress {
    return this.#server.localAddress;
  }

  get family(): AddressFamily {
    return familyOf(this.#server.localAddress.address);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  #accept(conn: TcpConnection): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    const key = tcpKey(conn.remoteAddress);
    if (this.#conns.size >= this.#maxConnections && !this.#evictUnused()) {
      this.#ctx.drops.drop('tcp-passive-full', key);
      conn.close();
      return;
    }
    this.#conns.get(key)?.close();
    const framed = new FramedTcpConnection(conn.remoteAddress, (f, from) => this.#handler?.(f, from), this.#ctx.drops, this.#ctx.clock.now());
    this.#conns.set(key, framed);
    framed.onClose(() => {
      if (this.#conns.get(key) === framed) this.#conns.delete(key);
      if (this.#ctx.log.traceEnabled) this.#ctx.log.trace(`tcp passive ${formatAddress(this.localAddress)}: ${key} closed`);
    });
    if (this.#ctx.log.traceEnabled) this.#ctx.log.trace(`tcp passive ${formatAddress(this.localAddress)}: accepted ${formatAddress(conn.remoteAddress)}`);
    framed.attach(conn);
  }

  /** Closes the oldest connection the agent never used; false when all are in use. */
  #evictUnused(): boolean {
    for (const c of this.#conns.values()) {
      if (!c.used) {
        this.#ctx.drops.drop('tcp-passive-evicted', c.key);
        c.close();
        return true;
      }
    }
    return false;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    const c = this.#conns.get(tcpKey(to));
    if (!c) {
      // RFC 6544 §6.2: passive candidates do not open connections.
      this.#ctx.drops.drop('tcp-passive-no-connection', tcpKey(to));
      return;
    }
    c.write(data);
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#server.close();
    for (const c of [...this.#conns.values()]) c.close();
    this.#conns.clear();
  }
}
