/**
 * Views of a shared port's socket and listener handed to a consumer (the
 * single-port ICE server): they look like a socket and a listener of their
 * own, but the dispatcher owns the real ones and feeds them what is theirs.
 */
import type { TcpConnection, TcpServer, TransportAddress, UdpMessageHandler, UdpSocket } from '../transport/net.js';

/** A {@link UdpSocket} sending through a shared socket and receiving what the dispatcher delivers. */
export class SharedUdpView implements UdpSocket {
  readonly #shared: UdpSocket;
  #handler: UdpMessageHandler | undefined;
  #closed = false;

  constructor(shared: UdpSocket) {
    this.#shared = shared;
  }

  get localAddress(): TransportAddress {
    return this.#shared.localAddress;
  }

  get family(): 4 | 6 {
    return this.#shared.family;
  }

  get closed(): boolean {
    return this.#closed || this.#shared.closed;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (!this.#closed) this.#shared.send(data, to);
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  /** Called by the dispatcher; false when nobody listens. */
  deliver(data: Buffer, from: TransportAddress): boolean {
    const h = this.#handler;
    if (this.#closed || h === undefined) return false;
    h(data, from);
    return true;
  }

  /** Detaches the view; the shared socket stays open. */
  close(): void {
    this.#closed = true;
    this.#handler = undefined;
  }
}

/** A {@link TcpServer} whose connections are the ones the dispatcher classified as its own. */
export class SharedTcpView implements TcpServer {
  readonly localAddress: TransportAddress;
  #handler: ((conn: TcpConnection) => void) | undefined;
  #closed = false;

  constructor(localAddress: TransportAddress) {
    this.localAddress = localAddress;
  }

  onConnection(handler: (conn: TcpConnection) => void): void {
    this.#handler = handler;
  }

  /** Called by the dispatcher; false (and the connection closed) when nobody listens. */
  deliver(conn: TcpConnection): boolean {
    const h = this.#handler;
    if (this.#closed || h === undefined) {
      conn.close();
      return false;
    }
    h(conn);
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#handler = undefined;
  }
}
