import { createSocket, type Socket } from 'node:dgram';
import type { TransportAddress } from '../transport/net.js';
import { MDNS_PORT, type MdnsFamily } from './mdns-core.js';

/** RFC 6762 §3: the IPv4 and IPv6 link-local mDNS groups. */
export const MDNS_GROUP_V4 = '224.0.0.251';
export const MDNS_GROUP_V6 = 'ff02::fb';
/** RFC 6762 §11: mDNS packets are sent with IP TTL / hop limit 255. */
const MDNS_IP_TTL = 255;

/** One multicast socket of a family, joined to the mDNS group on port 5353. */
export interface MdnsSocket {
  readonly family: MdnsFamily;
  /** Sends to `to`, or to the mDNS group when `to` is undefined. Never throws. */
  send(data: Buffer, to: TransportAddress | undefined): void;
  /** Sets the one inbound handler. */
  onMessage(handler: (data: Buffer, from: TransportAddress) => void): void;
  close(): void;
}

export interface MdnsSocketOptions {
  readonly family: MdnsFamily;
  /**
   * Interface for the group membership and outgoing multicast: an IPv4
   * address of the interface, or for IPv6 a scope such as `::%lo`.
   * Default: the system's choice.
   */
  readonly interfaceAddress?: string | undefined;
  /** Port to bind and send to; default 5353. */
  readonly port?: number | undefined;
  /** Reports send errors (the socket never throws on send). */
  readonly onError?: ((err: Error) => void) | undefined;
}

/** Opens the mDNS sockets; injectable so tests can use another transport. */
export type MdnsSocketFactory = (options: MdnsSocketOptions) => Promise<MdnsSocket>;

/**
 * node:dgram mDNS socket: bound to 0.0.0.0:5353 (or [::]:5353) with
 * SO_REUSEADDR so it coexists with the system's responder (Avahi,
 * mDNSResponder), joined to 224.0.0.251 (or ff02::fb), TTL 255, loopback on.
 */
export const nodeMdnsSocketFactory: MdnsSocketFactory = async (options) => {
  const port = options.port ?? MDNS_PORT;
  const v6 = options.family === 6;
  const group = v6 ? MDNS_GROUP_V6 : MDNS_GROUP_V4;
  const socket: Socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true, ...(v6 ? { ipv6Only: true } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: v6 ? '::' : '0.0.0.0', exclusive: false }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.addMembership(group, options.interfaceAddress);
    if (options.interfaceAddress !== undefined) socket.setMulticastInterface(options.interfaceAddress);
    socket.setMulticastTTL(MDNS_IP_TTL);
    socket.setMulticastLoopback(true);
  } catch (err) {
    socket.close();
    throw err;
  }
  socket.on('error', (err) => options.onError?.(err));
  let closed = false;
  const groupAddress = v6 && options.interfaceAddress?.includes('%') ? `${group}%${options.interfaceAddress.split('%')[1]}` : group;
  return {
    family: options.family,
    send(data, to) {
      if (closed) return;
      try {
        socket.send(data, to?.port ?? port, to?.address ?? groupAddress, (err) => {
          if (err) options.onError?.(err);
        });
      } catch (err) {
        options.onError?.(err as Error);
      }
    },
    onMessage(handler) {
      socket.removeAllListeners('message');
      socket.on('message', (msg, rinfo) => handler(msg, { address: rinfo.address, port: rinfo.port }));
    },
    close() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
};
