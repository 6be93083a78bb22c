import tls from 'node:tls';
import type { Clock } from '../common/clock.js';
import { getLogger } from '../common/log.js';
import { formatAddress, type TcpConnection, type TransportAddress } from '../transport/net.js';
import { TurnError } from './errors.js';

const log = getLogger('turn');

/**
 * Bytes allowed to wait in the TLS socket's write buffer. TURN carries
 * datagrams: when the stream cannot keep up, whole messages are dropped (as
 * UDP would lose them) instead of buffering without bound; dropping whole
 * messages keeps the stream framing intact.
 */
export const MAX_TLS_WRITE_BUFFER_BYTES = 1 << 20;

/**
 * A TLS client connection (`turns:`, RFC 7065) presented as a
 * {@link TcpConnection}. TLS cannot be layered on the injected `Net`, so this
 * uses `node:tls` directly; the connect timeout still runs on the injected clock.
 */
export class TlsConnection implements TcpConnection {
  readonly localAddress: TransportAddress;
  readonly remoteAddress: TransportAddress;
  readonly #socket: tls.TLSSocket;
  #closed = false;
  #error: Error | undefined;
  #onClose: ((error?: Error) => void) | undefined;
  /** Messages dropped because the write buffer was full. */
  droppedWrites = 0;

  private constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    this.localAddress = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.remoteAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('error', (err) => {
      this.#error = err;
      log.debug(`tls ${formatAddress(this.remoteAddress)}: ${err.message}`);
    });
    socket.on('close', () => {
      this.#closed = true;
      const cb = this.#onClose;
      this.#onClose = undefined;
      cb?.(this.#error);
    });
  }

  /** Connects and completes the TLS handshake, or rejects with `ERR_TURN_CONNECT`. */
  static connect(options: {
    address: string;
    port: number;
    localAddress?: string;
    servername?: string;
    tls?: tls.ConnectionOptions;
    clock: Clock;
    timeoutMs: number;
  }): Promise<TlsConnection> {
    return new Promise((resolve, reject) => {
      const target = formatAddress({ address: options.address, port: options.port });
      const socket = tls.connect({
        // Certificate checks stay on (Node's defaults) unless the caller's options change them.
        ...options.tls,
        host: options.address,
        port: options.port,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
        ...(options.servername !== undefined ? { servername: options.servername } : {}),
      });
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        options.clock.clearTimer(timer);
        socket.removeListener('error', onError);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(new TlsConnection(socket));
      };
      const onError = (err: Error): void =>
        settle(new TurnError('ERR_TURN_CONNECT', `TLS connection to ${target} failed: ${err.message}`, { cause: err }));
      const timer = options.clock.setTimer(
        () => settle(new TurnError('ERR_TURN_CONNECT', `TLS connection to ${target} timed out`)),
        options.timeoutMs,
      );
      socket.once('error', onError);
      socket.once('secureConnect', () => settle());
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: Uint8Array): void {
    if (this.#closed || this.#socket.destroyed) return;
    if (this.#socket.writableLength > MAX_TLS_WRITE_BUFFER_BYTES) {
      this.droppedWrites++;
      if (log.traceEnabled) log.trace(`tls ${formatAddress(this.remoteAddress)}: write buffer full, message dropped`);
      return;
    }
    this.#socket.write(data);
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.#socket.removeAllListeners('data');
    this.#socket.on('data', (chunk: Buffer) => {
      try {
        handler(chunk);
      } catch (err) {
        log.error(`tls ${formatAddress(this.remoteAddress)}: handler threw`, err);
      }
    });
  }

  onClose(handler: (error?: Error) => void): void {
    if (this.#closed) {
      handler(this.#error);
      return;
    }
    this.#onClose = handler;
  }

  close(): void {
    if (this.#socket.destroyed) return;
    this.#socket.destroy();
  }
}
