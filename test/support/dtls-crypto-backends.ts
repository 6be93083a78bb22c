import { nativeDtlsCrypto, type NativeDtlsCrypto } from '../../src/dtls/native/binding.js';

/**
 * The DTLS handshake crypto backends to run a test with: Node's crypto
 * (undefined) always, and the native accelerator when it is built (CI builds
 * it with scripts/build-native.mjs --require). TERN_DTLS_NATIVE=0 leaves it out.
 */
export const dtlsCryptoBackends: ReadonlyArray<{ name: 'node' | 'native'; crypto: NativeDtlsCrypto | undefined }> = [
  { name: 'node', crypto: undefined },
  ...(nativeDtlsCrypto() ? [{ name: 'native' as const, crypto: nativeDtlsCrypto() }] : []),
];
