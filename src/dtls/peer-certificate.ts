import { createHash, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateFingerprint } from './certificate.js';
import type { DtlsCertificateCache } from './certificate-cache.js';
import { certificatePublicKey } from './certificate-key.js';
import { AlertDescription } from './constants.js';
import { DtlsError, fatal } from './errors.js';
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
): KeyObject {
  const digest = cache ? createHash('sha256').update(der).digest('base64') : undefined;
  const cached = digest !== undefined ? cache!.get(digest) : undefined;
  const key = cached ?? parsePublicKey(der);
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
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') {
    throw fatal('ERR_DTLS_BAD_CERTIFICATE', `unsupported peer key type ${key.asymmetricKeyType ?? '?'}`, AlertDescription.UnsupportedCertificate);
  }
  // Only authenticated certificates (or any, when verification is off) enter the cache.
  if (digest !== undefined && !cached) cache!.set(digest, key);
  return key;
}

/** The fast DER walk + JWK import for P-256 and RSA keys; X509Certificate for anything else. */
function parsePublicKey(der: Buffer): KeyObject {
  const fast = certificatePublicKey(der);
  if (fast) return fast;
  try {
    return new X509Certificate(der).publicKey;
  } catch (cause) {
    throw new DtlsError('ERR_DTLS_BAD_CERTIFICATE', 'peer certificate does not parse', { alert: AlertDescription.BadCertificate, cause });
  }
}
