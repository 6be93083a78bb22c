import type { DropCounter } from '../common/drop-counter.js';
import { sameAddress, type TcpConnection, type TransportAddress, type UdpSocket } from '../transport/net.js';
import { StreamFramer } from './stream-framer.js';

/**
 * The client's connection to its TURN server: a UDP socket (datagrams are
 * messages) or a TCP/TLS stream (messages framed by {@link StreamFramer}).
 */
export interface ServerLink {
  readonly localAddress: TransportAddress;
  readonly server: TransportAddress;
  /** True over TCP/TLS (reliable transactions, padded ChannelData). */
  readonly stream: boolean;
  send(data: Buffer): void;
  /** One handler for whole messages from the server. */
  onMessage(handler: (message: Buffer) => void): void;
  /** Called once when a stream closes or goes out of sync (never for UDP). */
  onClose(handler: (error?: Error) => void): void;
  close(): void;
}

/** RFC 8656 §3.1 over UDP: only datagrams from the server's address are the server's. */
export class UdpServerLink implements ServerLink {
  readonly stream = false;

  constructor(
    readonly socket: UdpSocket,
    readonly server: TransportAddress,
    private readonly drops: DropCounter,
  ) {}

  get localAddress(): TransportAddress {
    return this.socket.localAddress;
  }

  send(data: Buffer): void {
    this.socket.send(data, this.server);
  }

  onMessage(handler: (message: Buffer) => void): void {
    this.socket.onMessage((data, from) => {
      if (sameAddress(from, this.server)) handler(data);
      else this.drops.drop('not-from-server');
    });
  }

  onClose(): void {
    // A UDP socket does not close by itself.
  }

  close(): void {
    this.socket.close();
  }
}

/** TURN over TCP (RFC 8656 §3.1) or TLS (`turns:`): a byte stream of self-delimiting messages. */
export class StreamServerLink implements ServerLink {
  readonly stream = true;
  readonly #framer = new StreamFramer();
  #onClose: ((error?: Error) => void) | undefined;

  constructor(
    readonly connection: TcpConnection,
    private readonly drops: DropCounter,
  ) {
    connection.onClose((error) => this.#closed(error));
  }

  get localAddress(): TransportAddress {
    return this.connection.localAddress;
  }

  get server(): TransportAddress {
    return this.connection.remoteAddress;
  }

  send(data: Buffer): void {
    this.connection.write(data);
  }

  onMessage(handler: (message: Buffer) => void): void {
    this.connection.onData((chunk) => {
      const frames = this.#framer.push(chunk);
      for (const f of frames) handler(f);
      if (this.#framer.failed) {
        // No way to find the next message boundary: drop the connection.
        this.drops.drop('stream-out-of-sync');
        this.connection.close();
      }
    });
  }

  onClose(handler: (error?: Error) => void): void {
    this.#onClose = handler;
  }

  #closed(error?: Error): void {
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.(error);
  }

  close(): void {
    this.#onClose = undefined;
    this.connection.close();
  }
}
