export { CHANNEL_MAX, CHANNEL_MIN, DEFAULT_ALLOCATION_LIFETIME_SEC } from './constants.js';
export { decodeChannelData, encodeChannelData, isValidChannelNumber, looksLikeChannelData } from './channel-data.js';
export type { ChannelDataMessage } from './channel-data.js';
export { createTurnRelay, turnRelayFactory } from './create-turn-relay.js';
export type { TurnRelayExtras, TurnRelayOptions } from './create-turn-relay.js';
export { TurnError } from './errors.js';
export type { TurnErrorCode } from './errors.js';
export type { RelayedSocket, RelayFactory, RelayFactoryOptions } from './relayed-socket.js';
export { StreamFramer } from './stream-framer.js';
export { TurnClientCore } from './turn-client-core.js';
export type {
  TurnClientCoreConfig,
  TurnClientEvent,
  TurnClientState,
  TurnInboundData,
  TurnTransportKind,
} from './turn-client-core.js';
export { TurnRelay } from './turn-relay.js';
