import type { Net, TransportAddress } from '../transport/net.js';
import { nodeNet } from '../transport/node-net.js';
import { MdnsError } from './errors.js';
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
 * mDNS sockets through an injected {@link Net}: its `bindMulticastUdp`
 * (node:dgram in {@link NodeNet}: 0.0.0.0:5353 with SO_REUSEADDR next to the
 * system's responder, joined to 224.0.0.251 or ff02::fb, TTL 255, loopback
 * on). A Net without multicast (the virtual network) makes opening fail with
 * `ERR_MDNS_SOCKET`; no real socket is ever opened behind the Net's back.
 */
export function netMdnsSocketFactory(net: Net): MdnsSocketFactory {
  return async (options) => {
    const port = options.port ?? MDNS_PORT;
    const v6 = options.family === 6;
    const group = v6 ? MDNS_GROUP_V6 : MDNS_GROUP_V4;
    if (!net.bindMulticastUdp) throw new MdnsError('ERR_MDNS_SOCKET', 'the network has no multicast (Net.bindMulticastUdp)');
    const socket = await net.bindMulticastUdp({
      family: options.family,
      group,
      port,
      ttl: MDNS_IP_TTL,
      ...(options.interfaceAddress !== undefined ? { interfaceAddress: options.interfaceAddress } : {}),
    });
    const groupAddress = v6 && options.interfaceAddress?.includes('%') ? `${group}%${options.interfaceAddress.split('%')[1]}` : group;
    return {
      family: options.family,
      send(data, to) {
        try {
          socket.send(data, to ?? { address: groupAddress, port });
        } catch (err) {
          options.onError?.(err as Error);
        }
      },
      onMessage(handler) {
        socket.onMessage(handler);
      },
      close() {
        socket.close();
      },
    };
  };
}

/** The node:dgram mDNS sockets: {@link netMdnsSocketFactory} over the real network. */
export const nodeMdnsSocketFactory: MdnsSocketFactory = (options) => netMdnsSocketFactory(nodeNet)(options);
