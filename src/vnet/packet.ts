import type { TransportAddress } from '../transport/net.js';

export type VirtualProtocol = 'udp' | 'tcp';

/** A TCP segment as the virtual network models it (no windows; SYN, data, FIN, RST). */
export interface TcpSegment {
  readonly kind: 'syn' | 'syn-ack' | 'data' | 'fin' | 'rst';
  /** Per-direction sequence number, counted in segments (SYN = 0). */
  readonly seq: number;
  /** The sending connection: told when the network gives up on a segment. */
  readonly origin?: { abort(reason: string): void };
}

/**
 * A packet in flight. Routers rewrite `src`/`dst` (NAT); `async` records that
 * delivery already left the sender's call stack, so the final hand-over to a
 * socket never re-enters the sender.
 */
export interface VirtualPacket {
  readonly protocol: VirtualProtocol;
  src: TransportAddress;
  dst: TransportAddress;
  readonly data: Buffer;
  readonly tcp?: TcpSegment;
  hops: number;
  async: boolean;
}

/** IPv4 + UDP/TCP header bytes counted against MTU and bandwidth (IPv6 adds 20). */
export function headerBytes(p: VirtualPacket): number {
  const ip = p.dst.address.includes(':') ? 40 : 20;
  return ip + (p.protocol === 'udp' ? 8 : 20);
}

export function clonePacket(p: VirtualPacket): VirtualPacket {
  return { ...p, src: { ...p.src }, dst: { ...p.dst }, data: Buffer.from(p.data) };
}
