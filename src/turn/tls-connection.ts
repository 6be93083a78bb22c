import tls from 'node:tls';
import type { Clock } from '../common/clock.js';
import { formatAddress } from '../transport/net.js';
import { NodeTcpConnection } from '../transport/node-net.js';
import { TurnError } from './errors.js';

/**
 * TLS client connections (`turns:`, RFC 7065) presented as a `TcpConnection`
 * (the same bounded-write wrapper as plain TCP: when the stream cannot keep
 * up, whole messages are dropped as UDP would lose them, which keeps the
 * stream framing intact). TLS cannot be layered on the injected `Net`, so
 * this uses `node:tls` directly; the connect timeout still runs on the
 * injected clock.
 */
export const TlsConnection = {
  /** Connects and completes the TLS handshake, or rejects with `ERR_TURN_CONNECT`. */
  connect(options: {
    address: string;
    port: number;
    localAddress?: string;
    servername?: string;
    tls?: tls.ConnectionOptions;
    clock: Clock;
    timeoutMs: number;
  }): Promise<NodeTcpConnection> {
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
        } else resolve(new NodeTcpConnection(socket, 'tls'));
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
  },
};
