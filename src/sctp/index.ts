export { SctpAssociationCore, SCTP_DEFAULTS } from './association-core.js';
export type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';
export { SctpTransport } from './sctp-transport.js';
export type { SctpDatagramLink, SctpTransportCallbacks, SctpTransportOptions } from './sctp-transport.js';
export { SctpError, SctpDecodeError } from './errors.js';
export type { SctpErrorCode } from './errors.js';
export { DEFAULT_SCTP_PORT } from './constants.js';
