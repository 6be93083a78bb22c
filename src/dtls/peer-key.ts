import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { NativeDtlsCrypto, NativeDtlsKey } from './native/binding.js';

/**
 * A peer's certificate public key, parsed once (and cached by certificate
 * digest in a DtlsCertificateCache). A P-256 key parsed by the native
 * accelerator is verified there and becomes a KeyObject only if Node's crypto
 * asks for it; other keys are KeyObjects from the start.
 */
export class PeerPublicKey {
  readonly type: 'ec' | 'rsa';
  /** The native key and the module that made it, for P-256 keys parsed natively. */
  readonly native: { readonly crypto: NativeDtlsCrypto; readonly key: NativeDtlsKey } | undefined;
  #keyObject: KeyObject | undefined;
  readonly #jwk: JsonWebKey | undefined;

  private constructor(type: 'ec' | 'rsa', keyObject: KeyObject | undefined, jwk: JsonWebKey | undefined, native: PeerPublicKey['native']) {
    this.type = type;
    this.#keyObject = keyObject;
    this.#jwk = jwk;
    this.native = native;
  }

  static fromKeyObject(type: 'ec' | 'rsa', key: KeyObject): PeerPublicKey {
    return new PeerPublicKey(type, key, undefined, undefined);
  }

  /** A P-256 key held natively; `jwk` makes the KeyObject on demand. */
  static fromNative(crypto: NativeDtlsCrypto, key: NativeDtlsKey, jwk: JsonWebKey): PeerPublicKey {
    return new PeerPublicKey('ec', undefined, jwk, { crypto, key });
  }

  /** The key as a Node KeyObject (imported on first use for natively parsed keys). */
  get keyObject(): KeyObject {
    this.#keyObject ??= createPublicKey({ key: this.#jwk!, format: 'jwk' });
    return this.#keyObject;
  }
}
