import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DtlsCertificate } from '../../../src/dtls/certificate.js';
import { DtlsCertificateCache } from '../../../src/dtls/certificate-cache.js';
import { certificatePublicKey } from '../../../src/dtls/certificate-key.js';
import { DtlsError } from '../../../src/dtls/errors.js';
import { verifyPeerCertificate } from '../../../src/dtls/peer-certificate.js';

let ec: DtlsCertificate;
let rsa: DtlsCertificate;
beforeAll(async () => {
  [ec, rsa] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate({ keyType: 'rsa-2048' })]);
});

const spki = (k: { export(o: { format: 'der'; type: 'spki' }): Buffer }): string => k.export({ format: 'der', type: 'spki' }).toString('hex');

describe('certificatePublicKey (DER walk + JWK import)', () => {
  it('yields the same P-256 and RSA keys as X509Certificate', () => {
    for (const c of [ec, rsa]) {
      const fast = certificatePublicKey(c.der);
      expect(fast).toBeDefined();
      expect(spki(fast!)).toBe(spki(new X509Certificate(c.der).publicKey));
    }
  });

  it('returns undefined for truncated or mutated input, never throws', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(255), fc.boolean(), (pos, byte, truncate) => {
        const der = Buffer.from(ec.der);
        const i = pos % der.length;
        const input = truncate ? der.subarray(0, i) : (der.writeUInt8(byte, i), der);
        const k = certificatePublicKey(input);
        if (k) expect(['ec', 'rsa']).toContain(k.asymmetricKeyType);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verifyPeerCertificate', () => {
  it('garbage is bad_certificate, a wrong fingerprint a mismatch', () => {
    expect(() => verifyPeerCertificate(Buffer.from([0x30, 0x03, 1, 2, 3]), [], true)).toThrow(DtlsError);
    const fp = [{ algorithm: 'sha-256', value: rsa.fingerprint() }];
    expect(() => verifyPeerCertificate(ec.der, fp, false)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_FINGERPRINT_MISMATCH' }));
  });

  it('caches the parsed key by digest but checks the fingerprint every time', () => {
    const cache = new DtlsCertificateCache(1);
    const fp = [{ algorithm: 'sha-256', value: ec.fingerprint() }];
    const k1 = verifyPeerCertificate(ec.der, fp, false, cache);
    expect(cache.size).toBe(1);
    expect(verifyPeerCertificate(ec.der, fp, false, cache)).toBe(k1);
    expect(() => verifyPeerCertificate(ec.der, [{ algorithm: 'sha-256', value: rsa.fingerprint() }], false, cache)).toThrow(
      expect.objectContaining({ code: 'ERR_DTLS_FINGERPRINT_MISMATCH' }),
    );
    // A rejected certificate does not enter the cache; capacity 1 evicts the least recently used.
    expect(() => verifyPeerCertificate(rsa.der, fp, false, cache)).toThrow(DtlsError);
    expect(verifyPeerCertificate(ec.der, fp, false, cache)).toBe(k1);
    verifyPeerCertificate(rsa.der, [], true, cache);
    expect(cache.size).toBe(1);
    expect(verifyPeerCertificate(ec.der, fp, false, cache)).not.toBe(k1);
  });

  it('rejects a bad capacity', () => {
    expect(() => new DtlsCertificateCache(0)).toThrow(DtlsError);
  });
});
