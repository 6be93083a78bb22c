import { getLogger } from '../common/log.js';
import { formatAddress, type AddressFamily, type TransportAddress, type UdpMessageHandler, type UdpSocket } from '../transport/net.js';

const log = getLogger('net');

/** What a virtual UDP socket needs from its host (internal). */
export interface UdpSocketOwner {
  sendUdp(socket: VirtualUdpSocket, data: Buffer, to: TransportAddress): boolean;
  releaseUdp(socket: VirtualUdpSocket): void;
}

/** A UDP socket on a {@link VirtualHost}. */
export class VirtualUdpSocket implements UdpSocket {
  readonly localAddress: TransportAddress;
  readonly family: AddressFamily;
  /** Datagrams that could not be sent (bad destination, wrong family, closed network). */
  sendErrors = 0;
  readonly #owner: UdpSocketOwner;
  #handler: UdpMessageHandler | undefined;
  #closed = false;

  /** @internal */
  constructor(owner: UdpSocketOwner, localAddress: TransportAddress, family: AddressFamily) {
    this.#owner = owner;
    this.localAddress = localAddress;
    this.family = family;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    // Copy: the caller may reuse its buffer as soon as send() returns, as with node:dgram.
    if (!this.#owner.sendUdp(this, Buffer.from(data), to)) {
      this.sendErrors++;
      if (log.traceEnabled) log.trace(`vnet udp ${formatAddress(this.localAddress)}: cannot send to ${String(to?.address)}:${String(to?.port)}`);
    }
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#owner.releaseUdp(this);
  }

  /** @internal Returns false when nobody took the datagram. */
  deliver(data: Buffer, from: TransportAddress): boolean {
    const h = this.#handler;
    if (this.#closed || !h) return false;
    try {
      h(data, from);
    } catch (err) {
      log.error(`vnet udp ${formatAddress(this.localAddress)}: handler threw`, err);
    }
    return true;
  }
}
