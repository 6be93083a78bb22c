export { DtlsCertificate, certificateFingerprint, type DtlsCertificateOptions, type DtlsKeyType } from './certificate.js';
export { DEFAULT_CERTIFICATE_CACHE_SIZE, DtlsCertificateCache } from './certificate-cache.js';
export {
  DEFAULT_ECDHE_POOL_SIZE,
  DtlsEcdheKeyPool,
  MAX_ECDHE_POOL_SIZE,
  type DtlsEcdheKeyPoolOptions,
  type DtlsEcdheKeyPoolStats,
} from './ecdhe-key-pool.js';
export { CIPHER_SUITES, DEFAULT_CIPHER_SUITES, type DtlsCipherSuite, type CipherSuiteParams } from './cipher-suites/cipher-suite.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MTU, DEFAULT_RETRANSMIT_INITIAL_MS, DEFAULT_RETRANSMIT_MAX_MS } from './config.js';
export { AlertDescription, alertName } from './constants.js';
export { DtlsConnection } from './dtls-connection.js';
export { DtlsCore, type DtlsState } from './dtls-core.js';
export { DtlsDecodeError, DtlsError, type DtlsErrorCode } from './errors.js';
export { SRTP_EXPORTER_LABEL } from './exporter.js';
export { nativeDtlsCryptoStatus } from './native/binding.js';
export type { PeerPublicKey } from './peer-key.js';
export type { DtlsCloseReason, DtlsConfig, DtlsEvent, DtlsFingerprint, DtlsRole, DtlsSessionInfo } from './types.js';
