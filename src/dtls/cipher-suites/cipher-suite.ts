/** The DTLS 1.2 cipher suites tern-rtc speaks, all ECDHE with an AEAD. */
export type DtlsCipherSuite =
  | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
  | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
  | 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256';

export type PrfHash = 'sha256' | 'sha384';
export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export interface CipherSuiteParams {
  readonly name: DtlsCipherSuite;
  /** IANA code point. */
  readonly code: number;
  /** Certificate key type the suite authenticates with. */
  readonly auth: 'ecdsa' | 'rsa';
  /** RFC 5246 §5: the PRF hash (also the Finished/EMS transcript hash). */
  readonly hash: PrfHash;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
  /** Implicit IV from the key block: 4 for GCM (RFC 5288 §3 salt), 12 for ChaCha20 (RFC 7905 §2). */
  readonly fixedIvLength: number;
  /** Explicit per-record nonce carried on the wire: 8 for GCM, 0 for ChaCha20. */
  readonly recordIvLength: number;
}

const TAG_LENGTH = 16;
export const AEAD_TAG_LENGTH = TAG_LENGTH;

export const CIPHER_SUITES: Readonly<Record<DtlsCipherSuite, CipherSuiteParams>> = {
  // RFC 5289 §3.2
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: {
    name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', code: 0xc02b, auth: 'ecdsa', hash: 'sha256',
    aead: 'aes-128-gcm', keyLength: 16, fixedIvLength: 4, recordIvLength: 8,
  },
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: {
    name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', code: 0xc02f, auth: 'rsa', hash: 'sha256',
    aead: 'aes-128-gcm', keyLength: 16, fixedIvLength: 4, recordIvLength: 8,
  },
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: {
    name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', code: 0xc02c, auth: 'ecdsa', hash: 'sha384',
    aead: 'aes-256-gcm', keyLength: 32, fixedIvLength: 4, recordIvLength: 8,
  },
  // RFC 7905 §2
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: {
    name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', code: 0xcca9, auth: 'ecdsa', hash: 'sha256',
    aead: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, recordIvLength: 0,
  },
};

/** Default preference order (the first is what every WebRTC stack speaks). */
export const DEFAULT_CIPHER_SUITES: readonly DtlsCipherSuite[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
];

const BY_CODE = new Map<number, CipherSuiteParams>(Object.values(CIPHER_SUITES).map((s) => [s.code, s]));

export function cipherSuiteByCode(code: number): CipherSuiteParams | undefined {
  return BY_CODE.get(code);
}

/** Bytes a record of this suite adds to its plaintext (explicit nonce + tag). */
export function recordOverhead(suite: CipherSuiteParams): number {
  return suite.recordIvLength + TAG_LENGTH;
}
