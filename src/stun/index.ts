export {
  ADDRESS_FAMILY_IPV4,
  ADDRESS_FAMILY_IPV6,
  FINGERPRINT_XOR,
  isKnownStunAttr,
  MAGIC_COOKIE,
  STUN_ERROR_REASONS,
  STUN_HEADER_LENGTH,
  StunAttr,
  StunClass,
  StunErrorCode,
  StunMethod,
  TRANSACTION_ID_LENGTH,
  TRANSPORT_TCP,
  TRANSPORT_UDP,
} from './constants.js';
export { IceServerUriError, StunDecodeError, StunTransactionLimitError } from './errors.js';
export type { StunAttribute, StunEncodeOptions } from './message.js';
export { isStunMessage, StunMessage, stunMessageType } from './message.js';
export { StunIntegrityKey } from './integrity-key.js';
export { longTermKey, newTransactionId, opaqueString, shortTermKey } from './credentials.js';
export type { ErrorResponseExtras } from './error-response.js';
export { buildErrorResponse, buildSuccessResponse } from './error-response.js';
export { crc32, fingerprintValue } from './fingerprint.js';
export {
  encodeAddressValue,
  encodeXorAddressValue,
  ipFamily,
  ipToBytes,
  ipToText,
  readAddressValue,
  writeAddressValue,
} from './address.js';
export { stunAttrName, stunClassName, stunMethodName } from './names.js';
export type {
  StunRetransmitConfig,
  StunTransactionResult,
  StunTransactionTimeout,
  StunTransmit,
} from './transaction-core.js';
export {
  DEFAULT_STUN_MAX_PENDING,
  DEFAULT_STUN_RC,
  DEFAULT_STUN_RELIABLE_TIMEOUT_MS,
  DEFAULT_STUN_RM,
  DEFAULT_STUN_RTO_MS,
  StunTransactionCore,
} from './transaction-core.js';
export type { IceServer, IceServerUri } from './uri.js';
export { DEFAULT_STUN_PORT, DEFAULT_STUNS_PORT, parseIceServerUri, parseIceServerUris } from './uri.js';
