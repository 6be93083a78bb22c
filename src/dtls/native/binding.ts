import { getLogger } from '../../common/log.js';
import { opensslModuleCheck, lazyNativeModule, type NativeModuleStatus } from '../../common/native-module.js';

/** A key held by the native module (opaque): a P-256 key (public, or private with its point) or an X25519 private key. */
export type NativeDtlsKey = { readonly __nativeDtlsKey: unique symbol };

/** A record AEAD cipher context keyed once (opaque). */
export type NativeDtlsAeadKey = { readonly __nativeDtlsAeadKey: unique symbol };

/**
 * The optional DTLS handshake crypto accelerator (native/dtls/tern_dtls.c):
 * OpenSSL's P-256 ECDSA/ECDH, X25519 and the TLS 1.2 PRF through direct calls,
 * with keys made once and reused. Bad argument types or lengths throw;
 * invalid peer values (a point off the curve, a failed derivation) give null.
 */
export interface NativeDtlsCrypto {
  /** P-256 private key from its 32-byte scalar; throws a RangeError unless 0 < d < n. */
  ecPrivateKey(d: Buffer): NativeDtlsKey;
  /** P-256 public key from the 65-byte uncompressed point; null when not on the curve. */
  ecPublicKey(point: Buffer): NativeDtlsKey | null;
  /** The 65-byte uncompressed public point of a P-256 key. */
  ecPublicPoint(key: NativeDtlsKey): Buffer;
  /** DER ECDSA signature of SHA-256(data). */
  ecdsaSign(key: NativeDtlsKey, data: Buffer): Buffer;
  ecdsaVerify(key: NativeDtlsKey, data: Buffer, signature: Buffer): boolean;
  /** P-256 ECDH: the shared x coordinate, or null for an invalid peer point. */
  ecdh(key: NativeDtlsKey, peerPoint: Buffer): Buffer | null;
  x25519PrivateKey(privateKey: Buffer): NativeDtlsKey;
  x25519PublicKey(key: NativeDtlsKey): Buffer;
  /** X25519 shared secret, or null when it is all zeros (RFC 7748 §6.1). */
  x25519(key: NativeDtlsKey, peerPublic: Buffer): Buffer | null;
  /**
   * Makes an X25519 (`x25519` true) or P-256 private key from `privateKey` on libuv's threadpool
   * and calls back on the event loop with the key or an error (a P-256 scalar out of range).
   */
  generateKeyAsync(x25519: boolean, privateKey: Buffer, callback: (err: Error | null, key?: NativeDtlsKey) => void): void;
  /** RFC 5246 §5 P_SHA256 / P_SHA384 over `labelAndSeed`. */
  prf(sha384: boolean, secret: Buffer, labelAndSeed: Buffer, length: number): Buffer;
  /** Record AEAD key: 0 AES-128-GCM (16-byte key), 1 AES-256-GCM, 2 ChaCha20-Poly1305 (32-byte keys). */
  aeadKey(algorithm: number, key: Buffer): NativeDtlsAeadKey;
  /** Seals into `out` at `offset` (ciphertext then 16-byte tag; must not overlap the input); returns the bytes written. */
  aeadSeal(key: NativeDtlsAeadKey, nonce: Buffer, aad: Buffer, plaintext: Buffer, out: Buffer, offset: number): number;
  /** `sealed` = ciphertext || tag; the plaintext, or null when it does not authenticate. */
  aeadOpen(key: NativeDtlsAeadKey, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer | null;
  /** [compiled against, running on], OPENSSL_VERSION_NUMBER form. */
  opensslVersions(): [number, number];
}

const accelerator = lazyNativeModule<NativeDtlsCrypto>(
  {
    file: 'tern_dtls.node',
    disableEnv: 'TERN_DTLS_NATIVE',
    pathEnv: 'TERN_DTLS_NATIVE_PATH',
    fromUrl: import.meta.url,
    check: opensslModuleCheck<NativeDtlsCrypto>(['ecPrivateKey', 'ecPublicKey', 'ecPublicPoint', 'ecdsaSign', 'ecdsaVerify', 'ecdh', 'x25519PrivateKey', 'x25519PublicKey', 'x25519', 'generateKeyAsync', 'prf', 'aeadKey', 'aeadSeal', 'aeadOpen', 'opensslVersions']),
  },
  getLogger('dtls'),
  { what: 'DTLS handshake crypto', native: 'native accelerator', fallback: 'Node crypto' },
);

/** The native accelerator, or undefined when it is not built, disabled or does not fit this Node. */
export function nativeDtlsCrypto(): NativeDtlsCrypto | undefined {
  return accelerator.binding();
}

/** Whether the DTLS handshake crypto runs natively in this process, and if not, why. */
export function nativeDtlsCryptoStatus(): NativeModuleStatus {
  return accelerator.status();
}

/** `b` as a Buffer over the same bytes (the native calls take Buffers). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
