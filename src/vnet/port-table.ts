import { NetError, familyOf } from '../transport/net.js';
import type { VirtualProtocol } from './packet.js';
import type { VirtualTcpServer } from './tcp.js';
import type { VirtualUdpSocket } from './udp-socket.js';

/** IANA dynamic/private port range (RFC 6335 §6), used for ephemeral ports. */
export const EPHEMERAL_PORT_MIN = 49152;
export const EPHEMERAL_PORT_MAX = 65535;

export function endpointKey(address: string, port: number): string {
  return `${address}|${port}`;
}

export function wildcardOf(address: string): string {
  return familyOf(address) === 4 ? '0.0.0.0' : '::';
}

export function isPort(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65535;
}

/**
 * The ports a host has in use, per protocol: bound UDP sockets, TCP listeners
 * and the local endpoints of dialed TCP connections. Conflicts follow Linux
 * without SO_REUSEADDR: a wildcard bind conflicts with every address of its
 * family on the same port, and the other way round.
 */
export class PortTable {
  readonly udp = new Map<string, VirtualUdpSocket>();
  readonly tcpServers = new Map<string, VirtualTcpServer>();
  /** Local endpoints taken by dialed connections, with use counts. */
  readonly #tcpDialPorts = new Map<string, number>();
  readonly #nextEphemeral: Record<VirtualProtocol, number> = { udp: EPHEMERAL_PORT_MIN, tcp: EPHEMERAL_PORT_MIN };
  /** The host's addresses of a family plus its loopback address (for wildcard conflicts). */
  readonly #familyAddresses: (family: 4 | 6) => string[];

  constructor(familyAddresses: (family: 4 | 6) => string[]) {
    this.#familyAddresses = familyAddresses;
  }

  /** The socket bound to `address:port`, or to the wildcard of its family. */
  udpFor(address: string, port: number): VirtualUdpSocket | undefined {
    return this.udp.get(endpointKey(address, port)) ?? this.udp.get(endpointKey(wildcardOf(address), port));
  }

  tcpServerFor(address: string, port: number): VirtualTcpServer | undefined {
    return this.tcpServers.get(endpointKey(address, port)) ?? this.tcpServers.get(endpointKey(wildcardOf(address), port));
  }

  takeDialPort(address: string, port: number): void {
    const key = endpointKey(address, port);
    this.#tcpDialPorts.set(key, (this.#tcpDialPorts.get(key) ?? 0) + 1);
  }

  releaseDialPort(address: string, port: number): void {
    const key = endpointKey(address, port);
    const uses = this.#tcpDialPorts.get(key);
    if (uses === undefined) return;
    if (uses <= 1) this.#tcpDialPorts.delete(key);
    else this.#tcpDialPorts.set(key, uses - 1);
  }

  inUse(protocol: VirtualProtocol, address: string, port: number): boolean {
    const wildcard = wildcardOf(address);
    const taken =
      protocol === 'udp'
        ? (a: string): boolean => this.udp.has(endpointKey(a, port))
        : (a: string): boolean => this.tcpServers.has(endpointKey(a, port)) || this.#tcpDialPorts.has(endpointKey(a, port));
    if (taken(address) || (address !== wildcard && taken(wildcard))) return true;
    if (address !== wildcard) return false;
    return this.#familyAddresses(familyOf(address)).some(taken);
  }

  /** `requested` when free (ERR_NET_ADDRESS_IN_USE otherwise), or the next free ephemeral port for 0. */
  choose(protocol: VirtualProtocol, address: string, requested: number): number {
    if (!isPort(requested)) throw new NetError('ERR_NET', `bind ${protocol}: invalid port ${String(requested)}`);
    if (requested !== 0) {
      if (this.inUse(protocol, address, requested)) {
        throw new NetError('ERR_NET_ADDRESS_IN_USE', `bind ${protocol} ${address}:${requested}: address already in use`);
      }
      return requested;
    }
    const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
    for (let i = 0; i < span; i++) {
      const port = this.#nextEphemeral[protocol];
      this.#nextEphemeral[protocol] = port >= EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : port + 1;
      if (!this.inUse(protocol, address, port)) return port;
    }
    throw new NetError('ERR_NET_ADDRESS_IN_USE', `bind ${protocol} ${address}: no free ephemeral port`);
  }
}
