import { timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateFingerprint } from './certificate.js';
import { AlertDescription } from './constants.js';
import { DtlsError, fatal } from './errors.js';
import type { DtlsFingerprint } from './types.js';

/**
 * Checks the peer's end-entity certificate and returns its public key.
 * WebRTC (RFC 8827 §6.5, RFC 5763 §5) authenticates self-signed certificates
 * by the fingerprint signalled in SDP; a mismatch is fatal with bad_certificate.
 */
export function verifyPeerCertificate(
  der: Buffer,
  fingerprints: readonly DtlsFingerprint[],
  insecureSkipVerify: boolean,
): KeyObject {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new DtlsError('ERR_DTLS_BAD_CERTIFICATE', 'peer certificate does not parse', { alert: AlertDescription.BadCertificate, cause });
  }
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
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') {
    throw fatal('ERR_DTLS_BAD_CERTIFICATE', `unsupported peer key type ${key.asymmetricKeyType ?? '?'}`, AlertDescription.UnsupportedCertificate);
  }
  return key;
}
