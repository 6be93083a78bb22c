import { createHash, createPublicKey, timingSafeEqual, X509Certificate } from 'node:crypto';
import { certificateFingerprint } from './certificate.js';
import type { DtlsCertificateCache } from './certificate-cache.js';
import { certificateKeyInfo } from './certificate-key.js';
import { AlertDescription } from './constants.js';
import { DtlsError, fatal } from './errors.js';
import type { NativeDtlsCrypto } from './native/binding.js';
import { PeerPublicKey } from './peer-key.js';
import type { DtlsFingerprint } from './types.js';

/**
 * Checks the peer's end-entity certificate and returns its public key.
 * WebRTC (RFC 8827 §6.5, RFC 5763 §5) authenticates self-signed certificates
 * by the fingerprint signalled in SDP; a mismatch is fatal with bad_certificate.
 * With a `cache`, a certificate parsed before (same SHA-256 digest) is not parsed
 * again; the fingerprint is checked every time.
 */
export function verifyPeerCertificate(
  der: Buffer,
  fingerprints: readonly DtlsFingerprint[],
  insecureSkipVerify: boolean,
  cache?: DtlsCertificateCache,
  native?: NativeDtlsCrypto,
): PeerPublicKey {
  const digest = cache ? createHash('sha256').update(der).digest('base64') : undefined;
  const cached = digest !== undefined ? cache!.get(digest) : undefined;
  const key = cached ?? parsePublicKey(der, native);
  if (!insecureSkipVerify) {
    const ok = fingerprints.some((f) => {
      let actual: string;
      try {
        actual = certificateFingerprint(der, f.algorithm);
      } catch {
        return false;
      }
      const expected = Buffer.from(f.value.trim().toUpperCase());
      const got = Buffer.from(actual);
      return expected.length === got.length && timingSafeEqual(expected, got);
    });
    if (!ok) {
      throw new DtlsError('ERR_DTLS_FINGERPRINT_MISMATCH', `peer certificate fingerprint ${certificateFingerprint(der)} matches none expected`, {
        alert: AlertDescription.BadCertificate,
      });
    }
  }
  // Only authenticated certificates (or any, when verification is off) enter the cache.
  if (digest !== undefined && !cached) cache!.set(digest, key);
  return key;
}

/**
 * The fast DER walk for P-256 and RSA keys (a P-256 key goes to the native
 * accelerator when there is one, else through JWK import, both checking the
 * point is on the curve); X509Certificate for anything else.
 */
function parsePublicKey(der: Buffer, native: NativeDtlsCrypto | undefined): PeerPublicKey {
  const info = certificateKeyInfo(der);
  if (info) {
    if (info.type === 'ec' && native) {
      const key = native.ecPublicKey(info.point);
      if (key) return PeerPublicKey.fromNative(native, key, info.jwk);
    } else {
      try {
        return PeerPublicKey.fromKeyObject(info.type, createPublicKey({ key: info.jwk, format: 'jwk' }));
      } catch {
        // not a valid key: the full parse below reports it
      }
    }
  }
  let key;
  try {
    key = new X509Certificate(der).publicKey;
  } catch (cause) {
    throw new DtlsError('ERR_DTLS_BAD_CERTIFICATE', 'peer certificate does not parse', { alert: AlertDescription.BadCertificate, cause });
  }
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa') {
    throw fatal('ERR_DTLS_BAD_CERTIFICATE', `unsupported peer key type ${type ?? '?'}`, AlertDescription.UnsupportedCertificate);
  }
  return PeerPublicKey.fromKeyObject(type, key);
}
