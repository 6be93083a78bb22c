import type { DatagramTransport } from './datagram-transport.js';
import { sameAddress, type TransportAddress, type UdpSocket } from './net.js';

/**
 * A {@link DatagramTransport} over a UDP socket connected to one remote
 * address; datagrams from any other address are ignored. Closing the
 * transport closes the socket.
 */
export class UdpDatagramTransport implements DatagramTransport {
  #onClose: ((reason?: Error) => void) | undefined;
  #closed = false;

  constructor(
    private readonly socket: UdpSocket,
    readonly remote: TransportAddress,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Uint8Array): void {
    if (!this.#closed) this.socket.send(data, this.remote);
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.socket.onMessage((data, from) => {
      if (sameAddress(from, this.remote)) handler(data);
    });
  }

  onClose(handler: (reason?: Error) => void): void {
    this.#onClose = handler;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.close();
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.();
  }
}
