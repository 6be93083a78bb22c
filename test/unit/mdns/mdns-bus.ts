import type { TransportAddress } from '../../../src/transport/net.js';
import type { MdnsSocket, MdnsSocketFactory } from '../../../src/mdns/index.js';

/**
 * An in-memory link for mDNS driver tests: multicast reaches every open
 * socket (the sender's too, like IP_MULTICAST_LOOP), unicast the one at `to`.
 * Delivery is asynchronous (a microtask), as on a real socket.
 */
export class MdnsBus {
  readonly #sockets = new Set<{ address: string; port: number; handler: ((d: Buffer, f: TransportAddress) => void) | undefined }>();
  #next = 1;
  sent = 0;
  /** When set, datagrams are dropped. */
  mute = false;

  factory(port = 5353): MdnsSocketFactory {
    return async (options) => {
      const entry = { address: `10.0.0.${this.#next++}`, port, handler: undefined as ((d: Buffer, f: TransportAddress) => void) | undefined };
      this.#sockets.add(entry);
      const socket: MdnsSocket = {
        family: options.family,
        send: (data, to) => {
          this.sent++;
          if (this.mute) return;
          const copy = Buffer.from(data);
          for (const s of this.#sockets) {
            if (to && (s.address !== to.address || s.port !== to.port)) continue;
            queueMicrotask(() => s.handler?.(copy, { address: entry.address, port: entry.port }));
          }
        },
        onMessage: (handler) => {
          entry.handler = handler;
        },
        close: () => {
          this.#sockets.delete(entry);
        },
      };
      return socket;
    };
  }

  get openSockets(): number {
    return this.#sockets.size;
  }

  /** Injects a datagram from `from` to every socket. */
  inject(data: Buffer, from: TransportAddress): void {
    for (const s of this.#sockets) s.handler?.(data, from);
  }
}
