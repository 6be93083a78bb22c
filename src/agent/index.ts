export { IceAgent } from './ice-agent.js';
export type { IceConnection } from './ice-connection.js';
export { IceAgentCore } from './agent-core.js';
export type { IceAgentCoreOptions, IceCoreEvent, IceTransmit, IceCoreCredentials } from './agent-core.js';
export type {
  AddressRewriteRule,
  IceAgentConfig,
  IceConnectionState,
  IceCoreConfig,
  IceGatheringState,
  IceMdnsConfig,
  IceNomination,
  IceRole,
  NetworkType,
} from './agent-config.js';
export {
  resolveCoreConfig,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_DISCONNECTED_TIMEOUT_MS,
  DEFAULT_FAILED_TIMEOUT_MS,
  DEFAULT_MAX_BINDING_REQUESTS,
  DEFAULT_CONSENT_EXPIRY_MS,
  DEFAULT_MAX_REMOTE_CANDIDATES,
} from './agent-config.js';
export { pairPriority } from './candidate-pair.js';
export type { CandidatePairInfo, CandidatePairState } from './candidate-pair.js';
export type { IceAgentStats } from './ice-stats.js';
export { IceError } from './errors.js';
export type { IceErrorCode } from './errors.js';
export { applyRewriteRules, nat1To1Rules } from './address-rewrite.js';
export type { ExternalHostSocket, HostSocketsProvider } from './gatherer.js';
