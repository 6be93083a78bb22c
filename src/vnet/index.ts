/**
 * `tern-rtc/vnet`: a virtual network for deterministic tests of anything that
 * takes a `Net` (ICE agent, TURN client, DTLS over UDP, servers).
 *
 * ```ts
 * const clock = new FakeClock();
 * const vnet = new VirtualNetwork({ clock, rng: new SeededRng(1) });
 * const stun = vnet.addStunServer({ router: vnet.wan, address: '198.51.100.1' });
 * const home = vnet.addRouter({
 *   lanCidr: '192.168.1.0/24', publicAddress: '203.0.113.1',
 *   nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
 *   impairment: { latencyMs: 20, lossRate: 0.01 },
 * });
 * const host = vnet.addHost({ router: home, address: '192.168.1.10' });
 * const agent = new IceAgent({ net: host, clock, iceServers: [{ urls: 'stun:198.51.100.1' }] });
 * await clock.advance(1000);   // protocol seconds in virtual milliseconds
 * vnet.close();                // cancels every scheduled delivery
 * ```
 */
export { VirtualNetwork, DEFAULT_VNET_SEED, DEFAULT_INTERFACE_NAME, DEFAULT_TURN_REALM } from './network.js';
export type {
  VirtualNetworkOptions,
  AddRouterOptions,
  AddHostOptions,
  AddStunServerOptions,
  AddTurnServerOptions,
  VirtualNetworkStats,
  VirtualPacketEvent,
  VirtualPacketTap,
} from './network.js';
export { VirtualStunServer, DEFAULT_VIRTUAL_STUN_PORT, RFC5780_ATTR } from './stun-server.js';
export type { VirtualStunServerStats } from './stun-server.js';
export { VirtualRouter } from './router.js';
export type { RouterFilter, RouterFilterPacket } from './router.js';
export { VirtualHost, EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX, DEFAULT_TCP_DIAL_TIMEOUT_MS } from './host.js';
export { VirtualUdpSocket } from './udp-socket.js';
export { VirtualTcpConnection, VirtualTcpServer } from './tcp.js';
export type { NatBehavior, NatConfig, NatPortForward } from './nat.js';
export { DEFAULT_NAT_MAPPING_LIFETIME_MS, TCP_ESTABLISHED_MAPPING_LIFETIME_MS, NAT_PRESETS } from './nat.js';
export type { LinkImpairment } from './link.js';
export { DEFAULT_REORDER_DELAY_MS, DEFAULT_MAX_QUEUE_DELAY_MS } from './link.js';
export { Cidr } from './ip.js';
export type { FirewallConfig } from './firewall.js';
export { DEFAULT_FIREWALL_LIFETIME_MS } from './firewall.js';
export { VirtualTurnServer, TURN_DEFAULT_LIFETIME_SEC, TURN_MAX_LIFETIME_SEC } from './turn-server.js';
export type { VirtualTurnServerStats } from './turn-server.js';
