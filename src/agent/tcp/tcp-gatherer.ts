import { DropCounter } from '../../common/drop-counter.js';
import { randomInt, type Rng } from '../../common/rng.js';
import { NetError, type Net, type TcpServer } from '../../transport/net.js';
import { localPreference } from '../../candidate/index.js';
import { IceError } from '../errors.js';
import type { NetworkType } from '../agent-config.js';
import type { PortRange } from '../port-range.js';
import { announceRewritten, gatherableAddresses, type GatherOptions, type GathererHost } from '../gatherer.js';
import { TcpActiveSocket } from './tcp-active-socket.js';
import { TcpPassiveSocket } from './tcp-passive-socket.js';

/**
 * Listens for TCP on `address` inside `range` (random start, walking on
 * EADDRINUSE, every port tried once), like the UDP host sockets.
 */
export async function listenTcpInRange(net: Net, address: string, range: PortRange | undefined, rng: Rng): Promise<TcpServer> {
  if (!range) return net.listenTcp({ address, port: 0 });
  const size = range.portMax - range.portMin + 1;
  const start = randomInt(rng, 0, size - 1);
  for (let i = 0; i < size; i++) {
    const port = range.portMin + ((start + i) % size);
    try {
      return await net.listenTcp({ address, port });
    } catch (err) {
      if (err instanceof NetError && err.code === 'ERR_NET_ADDRESS_IN_USE') continue;
      throw err;
    }
  }
  throw new IceError('ERR_ICE_PORT_RANGE_EXHAUSTED', `no free TCP port on ${address} in ${range.portMin}-${range.portMax}`);
}

/** True when the network types ask for ICE-TCP. */
export function wantsTcp(types: readonly NetworkType[]): boolean {
  return types.includes('tcp4') || types.includes('tcp6');
}

/**
 * ICE-TCP host candidates (RFC 6544 §4.1, §5.1): on every allowed address of
 * the tcp4/tcp6 families, one passive candidate (a listener, port from the
 * range) and one active candidate (SDP port 9, connects out when a check is
 * due). Simultaneous-open candidates are not gathered. Never throws: a
 * listener that cannot open is logged and skipped.
 */
export async function gatherTcpCandidates(host: GathererHost, o: GatherOptions): Promise<void> {
  if (!wantsTcp(o.networkTypes)) return;
  const asUdp: NetworkType[] = [];
  if (o.networkTypes.includes('tcp4')) asUdp.push('udp4');
  if (o.networkTypes.includes('tcp6')) asUdp.push('udp6');
  const addrs = gatherableAddresses(host.net, { ...o, networkTypes: asUdp });
  const drops = new DropCounter(host.log);
  const ctx = { clock: host.clock, log: host.log, drops };
  await Promise.all(
    addrs.map(async ({ iface, interfaceRank, addressRank }) => {
      const lp = localPreference({ interfaceRank, family: iface.family, addressRank });
      try {
        const server = await listenTcpInRange(host.net, iface.address, o.portRange, host.rng);
        if (host.closed) {
          server.close();
          return;
        }
        const passive = new TcpPassiveSocket(server, ctx);
        const baseId = host.addBase(passive, 'host');
        const a = passive.localAddress;
        announceRewritten(host, o, { type: 'host', iface: iface.name, localAddress: iface.address, address: iface.address, port: a.port }, baseId, a, lp, undefined, undefined, { tcpType: 'passive' });
      } catch (err) {
        host.log.warn(`cannot listen for ICE-TCP on ${iface.address}: ${(err as Error).message}`);
      }
      if (host.closed) return;
      const active = new TcpActiveSocket(host.net, iface.address, ctx);
      const baseId = host.addBase(active, 'host');
      const a = active.localAddress;
      // RFC 6544 §4.5: the active candidate's port is 9 (discard); the real port is ephemeral.
      announceRewritten(host, o, { type: 'host', iface: iface.name, localAddress: iface.address, address: iface.address, port: a.port }, baseId, a, lp, undefined, undefined, { tcpType: 'active' });
    }),
  );
}
