import { createCipheriv, createDecipheriv, createSecretKey, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import type { AeadAlgorithm } from '../cipher-suites/cipher-suite.js';
import { asBuffer, type NativeDtlsAeadKey, type NativeDtlsCrypto } from '../native/binding.js';

const NATIVE_AEAD: Record<AeadAlgorithm, number> = { 'aes-128-gcm': 0, 'aes-256-gcm': 1, 'chacha20-poly1305': 2 };

/** RFC 5116 / RFC 8439: every AEAD used here has a 16-byte tag. */
export const TAG_LENGTH = 16;

/**
 * An AEAD with a precomputed key (AES-GCM per RFC 5116/5288, ChaCha20-Poly1305
 * per RFC 8439), sealing straight into a caller's buffer. On the native
 * accelerator the cipher context is keyed once and only re-nonced per record;
 * Node's crypto makes (and keys) a new context per record.
 */
export class Aead {
  readonly #algorithm: CipherGCMTypes;
  readonly #key: KeyObject | undefined;
  readonly #native: { readonly crypto: NativeDtlsCrypto; readonly key: NativeDtlsAeadKey } | undefined;

  constructor(algorithm: AeadAlgorithm, key: Uint8Array, native?: NativeDtlsCrypto) {
    // node:crypto types only list the GCM names; chacha20-poly1305 takes the same options.
    this.#algorithm = algorithm as CipherGCMTypes;
    if (native) {
      this.#native = { crypto: native, key: native.aeadKey(NATIVE_AEAD[algorithm], asBuffer(key)) };
      this.#key = undefined;
    } else {
      this.#native = undefined;
      this.#key = createSecretKey(key);
    }
  }

  /** Writes ciphertext then tag into `out` at `offset`; returns the bytes written. */
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Buffer, offset: number): number {
    const n = this.#native;
    if (n) return n.crypto.aeadSeal(n.key, asBuffer(nonce), asBuffer(aad), asBuffer(plaintext), out, offset);
    const cipher = createCipheriv(this.#algorithm, this.#key!, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad, { plaintextLength: plaintext.length });
    let o = offset + cipher.update(plaintext).copy(out, offset);
    cipher.final();
    o += cipher.getAuthTag().copy(out, o);
    return o - offset;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(plaintext.length + TAG_LENGTH);
    this.sealInto(nonce, aad, plaintext, out, 0);
    return out;
  }

  /** `sealed` = ciphertext || tag; undefined when it does not authenticate. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Buffer): Buffer | undefined {
    if (sealed.length < TAG_LENGTH) return undefined;
    const n = this.#native;
    if (n) return n.crypto.aeadOpen(n.key, asBuffer(nonce), asBuffer(aad), sealed) ?? undefined;
    const ctLength = sealed.length - TAG_LENGTH;
    const decipher = createDecipheriv(this.#algorithm, this.#key!, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(sealed.subarray(ctLength));
    decipher.setAAD(aad, { plaintextLength: ctLength });
    const body = decipher.update(sealed.subarray(0, ctLength));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return body;
  }
}
