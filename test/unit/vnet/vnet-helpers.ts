import type { TransportAddress, UdpSocket } from '../../../src/transport/net.js';
import type { VirtualHost } from '../../../src/vnet/index.js';

/** Binds a UDP socket that answers every datagram with the source address it saw (a STUN-like reflector). */
export async function reflector(host: VirtualHost, port: number): Promise<UdpSocket> {
  const s = await host.bindUdp({ address: host.addresses[0]!, port });
  s.onMessage((_data, from) => s.send(Buffer.from(JSON.stringify(from)), from));
  return s;
}

/** Collects what a socket receives. */
export function collect(socket: UdpSocket): Array<{ data: Buffer; from: TransportAddress }> {
  const got: Array<{ data: Buffer; from: TransportAddress }> = [];
  socket.onMessage((data, from) => got.push({ data, from }));
  return got;
}

export function reflected(msg: { data: Buffer } | undefined): TransportAddress | undefined {
  return msg ? (JSON.parse(msg.data.toString()) as TransportAddress) : undefined;
}
