export { TurnServer, DEFAULT_TURN_MAX_STREAMS, DEFAULT_TURN_STREAM_IDLE_MS } from './turn-server.js';
export type { TurnServerOptions } from './turn-server.js';
export { TurnServerCore } from './turn-server-core.js';
export type { TurnServerIo, TurnUdpListener } from './turn-server-core.js';
export { TurnAllocation } from './allocation.js';
export type { TurnClientTuple, TurnClientProtocol, TurnChannel, TurnPermission } from './allocation.js';
export type { TurnServerCoreConfig } from './turn-server-config.js';
export {
  DEFAULT_TURN_LIFETIME_SEC,
  DEFAULT_TURN_MAX_LIFETIME_SEC,
  DEFAULT_TURN_NONCE_LIFETIME_MS,
  DEFAULT_TURN_MAX_ALLOCATIONS,
  DEFAULT_TURN_MAX_ALLOCATIONS_PER_USER,
  DEFAULT_TURN_MAX_PERMISSIONS,
  DEFAULT_TURN_MAX_CHANNELS,
  DEFAULT_TURN_BANDWIDTH_BYTES_PER_SEC,
} from './turn-server-config.js';
export type { TurnServerStats } from './turn-server-stats.js';
export { AddressPolicy, DEFAULT_DENIED_PEER_RANGES, parseIpRange } from './address-policy.js';
export type { AddressPolicyConfig, IpRange } from './address-policy.js';
export { restApiCredentials, restApiPassword } from './auth.js';
export type { TurnKeyLookup } from './auth.js';
export { turnMetricsText } from './metrics.js';
export { SharedPort, DEFAULT_PENDING_TIMEOUT_MS, DEFAULT_MAX_PENDING } from './shared-port.js';
export type { SharedPortOptions, SharedPortStats } from './shared-port.js';
export { classifyStreamStart } from './stream-start.js';
export type { StreamStart } from './stream-start.js';
