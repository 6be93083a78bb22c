import { constants, sign, verify, type KeyObject } from 'node:crypto';
import type { DtlsCertificate } from './certificate.js';
import { SignatureScheme } from './constants.js';
import { asBuffer, type NativeDtlsCrypto } from './native/binding.js';
import type { PeerPublicKey } from './peer-key.js';

/** Schemes tern-rtc can verify, in the order it offers them. */
export const SUPPORTED_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  SignatureScheme.EcdsaSecp256r1Sha256,
  SignatureScheme.RsaPssRsaeSha256,
  SignatureScheme.RsaPkcs1Sha256,
];

export function isSupportedScheme(s: number): s is SignatureScheme {
  return (SUPPORTED_SIGNATURE_SCHEMES as readonly number[]).includes(s);
}

/**
 * The scheme to sign with using `key`, among those the peer offered
 * (RFC 5246 §7.4.1.4.1). An absent list means the peer did not say; ECDSA
 * or PKCS#1 with SHA-256 is then used.
 */
export function chooseSignatureScheme(key: KeyObject, offered: readonly number[] | undefined): SignatureScheme | undefined {
  if (key.asymmetricKeyType === 'ec') {
    return !offered || offered.includes(SignatureScheme.EcdsaSecp256r1Sha256) ? SignatureScheme.EcdsaSecp256r1Sha256 : undefined;
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (!offered) return SignatureScheme.RsaPkcs1Sha256;
    if (offered.includes(SignatureScheme.RsaPssRsaeSha256)) return SignatureScheme.RsaPssRsaeSha256;
    if (offered.includes(SignatureScheme.RsaPkcs1Sha256)) return SignatureScheme.RsaPkcs1Sha256;
  }
  return undefined;
}

function keyOptions(scheme: SignatureScheme, key: KeyObject): Parameters<typeof sign>[2] {
  if (scheme === SignatureScheme.RsaPssRsaeSha256) {
    // RFC 8446 §4.2.3: PSS salt length equals the digest length.
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  }
  if (scheme === SignatureScheme.RsaPkcs1Sha256) return { key, padding: constants.RSA_PKCS1_PADDING };
  // RFC 8422 §5.4: ECDSA signatures are DER-encoded Ecdsa-Sig-Value.
  return { key, dsaEncoding: 'der' };
}

/** Signs with the certificate's private key; ECDSA runs on the native accelerator when given one. */
export function signWith(scheme: SignatureScheme, certificate: DtlsCertificate, data: Uint8Array, native?: NativeDtlsCrypto): Buffer {
  if (native && scheme === SignatureScheme.EcdsaSecp256r1Sha256) {
    const key = certificate.nativeSigningKey(native);
    if (key) return native.ecdsaSign(key, asBuffer(data));
  }
  return sign('sha256', data, keyOptions(scheme, certificate.privateKey));
}

/** False for a wrong signature, a mismatched key type or an unknown scheme. */
export function verifyWith(scheme: number, key: PeerPublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  if (!isSupportedScheme(scheme)) return false;
  const ec = scheme === SignatureScheme.EcdsaSecp256r1Sha256;
  if ((key.type === 'ec') !== ec) return false;
  const native = key.native;
  if (native) return native.crypto.ecdsaVerify(native.key, asBuffer(data), asBuffer(signature));
  try {
    return verify('sha256', data, keyOptions(scheme, key.keyObject) as Parameters<typeof verify>[2], signature);
  } catch {
    return false;
  }
}
