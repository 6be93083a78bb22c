import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync, type ECDH, type KeyObject } from 'node:crypto';
import type { Rng } from '../common/rng.js';
import { AlertDescription, NamedGroup } from './constants.js';
import { fatal } from './errors.js';
import type { NativeDtlsCrypto, NativeDtlsKey } from './native/binding.js';

/** One side's ephemeral ECDHE key (RFC 8422 §5.4 / RFC 7748). */
export interface EcdheKey {
  readonly group: NamedGroup;
  /** Uncompressed point (P-256, 65 bytes) or the 32-byte X25519 u-coordinate. */
  readonly publicKey: Buffer;
  /** The pre-master secret with the peer's public value; throws DtlsError(illegal_parameter) when invalid. */
  computeSecret(peerPublic: Buffer): Buffer;
}

/** Groups in tern-rtc's preference order. */
export const DEFAULT_GROUPS: readonly NamedGroup[] = [NamedGroup.X25519, NamedGroup.Secp256r1];

export function isSupportedGroup(g: number): g is NamedGroup {
  return g === NamedGroup.X25519 || g === NamedGroup.Secp256r1;
}

function badPoint(): Error {
  return fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'invalid ECDHE public value', AlertDescription.IllegalParameter);
}

class P256Key implements EcdheKey {
  readonly group = NamedGroup.Secp256r1;
  readonly publicKey: Buffer;
  readonly #ecdh: ECDH;

  constructor(rng: Rng) {
    this.#ecdh = createECDH('prime256v1');
    // A random scalar from the injected Rng; retried in the (negligible) case it is ≥ n or 0.
    for (;;) {
      try {
        this.#ecdh.setPrivateKey(rng.bytes(32));
        break;
      } catch {
        continue;
      }
    }
    this.publicKey = this.#ecdh.getPublicKey();
  }

  computeSecret(peerPublic: Buffer): Buffer {
    // RFC 8422 §5.4.1: only the uncompressed form.
    if (peerPublic.length !== 65 || peerPublic[0] !== 4) throw badPoint();
    try {
      return this.#ecdh.computeSecret(peerPublic);
    } catch {
      throw badPoint();
    }
  }
}

class X25519Key implements EcdheKey {
  readonly group = NamedGroup.X25519;
  readonly publicKey: Buffer;
  readonly #privateKey: KeyObject;

  constructor() {
    // Node cannot import a raw X25519 scalar without its public half (JWK needs both) short of
    // PKCS#8 DER, whose OpenSSL 3 decoder costs milliseconds; so this ephemeral key comes from
    // OpenSSL's CSPRNG rather than the injected Rng. It never leaves the handshake.
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    this.#privateKey = privateKey;
    this.publicKey = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  }

  computeSecret(peerPublic: Buffer): Buffer {
    if (peerPublic.length !== 32) throw badPoint();
    let secret: Buffer;
    try {
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peerPublic.toString('base64url') }, format: 'jwk' });
      secret = diffieHellman({ privateKey: this.#privateKey, publicKey });
    } catch {
      throw badPoint();
    }
    // RFC 7748 §6.1 / RFC 8422 §5.11: reject the all-zero shared secret.
    if (secret.every((b) => b === 0)) throw badPoint();
    return secret;
  }
}

/** Tries for a valid scalar; a random 32 bytes is ≥ n or 0 with probability < 2^-32, so this ends. */
const MAX_SCALAR_TRIES = 8;

/** P-256 on the native accelerator: the scalar comes from the injected Rng. */
class NativeP256Key implements EcdheKey {
  readonly group = NamedGroup.Secp256r1;
  readonly publicKey: Buffer;
  readonly #crypto: NativeDtlsCrypto;
  readonly #key: NativeDtlsKey;

  constructor(crypto: NativeDtlsCrypto, rng: Rng) {
    this.#crypto = crypto;
    let key: NativeDtlsKey | undefined;
    for (let i = 0; key === undefined; i++) {
      const d = rng.bytes(32);
      try {
        key = crypto.ecPrivateKey(d);
      } catch (e) {
        if (i + 1 >= MAX_SCALAR_TRIES) throw e;
      } finally {
        d.fill(0);
      }
    }
    this.#key = key;
    this.publicKey = crypto.ecPublicPoint(key);
  }

  computeSecret(peerPublic: Buffer): Buffer {
    // RFC 8422 §5.4.1: only the uncompressed form; the native call also rejects points off the curve.
    if (peerPublic.length !== 65 || peerPublic[0] !== 4) throw badPoint();
    const secret = this.#crypto.ecdh(this.#key, peerPublic);
    if (!secret) throw badPoint();
    return secret;
  }
}

/** X25519 on the native accelerator: unlike Node's, it takes the private key from the injected Rng. */
class NativeX25519Key implements EcdheKey {
  readonly group = NamedGroup.X25519;
  readonly publicKey: Buffer;
  readonly #crypto: NativeDtlsCrypto;
  readonly #key: NativeDtlsKey;

  constructor(crypto: NativeDtlsCrypto, rng: Rng) {
    this.#crypto = crypto;
    const d = rng.bytes(32);
    try {
      this.#key = crypto.x25519PrivateKey(d);
    } finally {
      d.fill(0);
    }
    this.publicKey = crypto.x25519PublicKey(this.#key);
  }

  computeSecret(peerPublic: Buffer): Buffer {
    if (peerPublic.length !== 32) throw badPoint();
    // RFC 7748 §6.1 / RFC 8422 §5.11: the native call refuses the all-zero shared secret.
    const secret = this.#crypto.x25519(this.#key, peerPublic);
    if (!secret) throw badPoint();
    return secret;
  }
}

/** A fresh ephemeral key of `group` (each handshake its own: forward secrecy). */
export function generateEcdheKey(group: NamedGroup, rng: Rng, native?: NativeDtlsCrypto): EcdheKey {
  if (native) return group === NamedGroup.X25519 ? new NativeX25519Key(native, rng) : new NativeP256Key(native, rng);
  return group === NamedGroup.X25519 ? new X25519Key() : new P256Key(rng);
}
