import { createSocket, type Socket } from 'node:dgram';
import { getLogger } from '../common/log.js';
import { NetError, type MulticastUdpBindOptions, type TransportAddress, type UdpMessageHandler, type UdpSocket } from './net.js';

const log = getLogger('net');

/**
 * node:dgram multicast socket for {@link NodeNet.bindMulticastUdp}: bound to
 * the wildcard address on the group's port with SO_REUSEADDR (so it coexists
 * with the system's responder, e.g. Avahi), joined to the group, multicast
 * loopback on. Send errors are traced, never thrown.
 */
export async function bindNodeMulticastUdp(options: MulticastUdpBindOptions): Promise<UdpSocket> {
  const v6 = options.family === 6;
  const socket: Socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true, ...(v6 ? { ipv6Only: true } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: options.port, address: v6 ? '::' : '0.0.0.0', exclusive: false }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.addMembership(options.group, options.interfaceAddress);
    if (options.interfaceAddress !== undefined) socket.setMulticastInterface(options.interfaceAddress);
    if (options.ttl !== undefined) socket.setMulticastTTL(options.ttl);
    socket.setMulticastLoopback(true);
  } catch (err) {
    socket.close();
    throw new NetError('ERR_NET', `cannot join ${options.group} on port ${options.port}: ${(err as Error).message}`, { cause: err });
  }
  return new NodeMulticastSocket(socket, options.family);
}

class NodeMulticastSocket implements UdpSocket {
  readonly localAddress: TransportAddress;
  readonly family: 4 | 6;
  #closed = false;

  constructor(
    private readonly socket: Socket,
    family: 4 | 6,
  ) {
    const a = socket.address();
    this.localAddress = { address: a.address, port: a.port };
    this.family = family;
    socket.on('error', (err) => log.debug(`multicast socket error: ${err.message}`));
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    try {
      this.socket.send(data, to.port, to.address, (err) => {
        if (err && log.traceEnabled) log.trace(`multicast send to ${to.address} failed: ${err.message}`);
      });
    } catch (err) {
      if (log.traceEnabled) log.trace(`multicast send to ${to.address} failed: ${(err as Error).message}`);
    }
  }

  onMessage(handler: UdpMessageHandler): void {
    this.socket.removeAllListeners('message');
    this.socket.on('message', (msg, rinfo) => handler(msg, { address: rinfo.address, port: rinfo.port }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.close();
  }
}
