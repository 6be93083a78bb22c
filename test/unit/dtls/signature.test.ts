import { describe, expect, it } from 'vitest';
import { DtlsCertificate } from '../../../src/dtls/certificate.js';
import { certificateKeyInfo } from '../../../src/dtls/certificate-key.js';
import { SignatureScheme } from '../../../src/dtls/constants.js';
import { verifyPeerCertificate } from '../../../src/dtls/peer-certificate.js';
import { PeerPublicKey } from '../../../src/dtls/peer-key.js';
import { chooseSignatureScheme, signWith, verifyWith } from '../../../src/dtls/signature.js';
import { dtlsCryptoBackends } from '../../support/dtls-crypto-backends.js';

const [ec, rsa] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate({ keyType: 'rsa-2048' })]);
const data = Buffer.from('client_random + server_random + params');

/** The certificate's public key as each backend parses it. */
function peerKey(cert: DtlsCertificate, native: (typeof dtlsCryptoBackends)[number]['crypto']): PeerPublicKey {
  return verifyPeerCertificate(cert.der, [], true, undefined, native);
}

describe.each(dtlsCryptoBackends)('signature schemes ($name signs)', ({ crypto: signer }) => {
  it.each(dtlsCryptoBackends)('ECDSA-P256-SHA256 (DER), RSA-PSS-RSAE-SHA256 and RSA-PKCS1-SHA256 sign and verify ($name verifies)', ({ crypto: verifier }) => {
    const cases: Array<[number, DtlsCertificate]> = [
      [SignatureScheme.EcdsaSecp256r1Sha256, ec],
      [SignatureScheme.RsaPssRsaeSha256, rsa],
      [SignatureScheme.RsaPkcs1Sha256, rsa],
    ];
    for (const [scheme, cert] of cases) {
      const sig = signWith(scheme as SignatureScheme, cert, data, signer);
      const key = peerKey(cert, verifier);
      expect(verifyWith(scheme, key, data, sig)).toBe(true);
      expect(verifyWith(scheme, key, Buffer.from('other'), sig)).toBe(false);
      // A flipped bit anywhere in the signature fails.
      const bad = Buffer.from(sig);
      bad[bad.length - 1]! ^= 1;
      expect(verifyWith(scheme, key, data, bad)).toBe(false);
    }
    // ECDSA signatures are DER SEQUENCEs.
    expect(signWith(SignatureScheme.EcdsaSecp256r1Sha256, ec, data, signer)[0]).toBe(0x30);
  });

  it('rejects a scheme that does not fit the key or is unknown', () => {
    const rsaKey = peerKey(rsa, signer);
    const sig = signWith(SignatureScheme.RsaPkcs1Sha256, rsa, data, signer);
    expect(verifyWith(SignatureScheme.RsaPssRsaeSha256, rsaKey, data, sig)).toBe(false);
    expect(verifyWith(SignatureScheme.EcdsaSecp256r1Sha256, rsaKey, data, sig)).toBe(false);
    expect(verifyWith(0x0201, rsaKey, data, sig)).toBe(false);
    expect(verifyWith(SignatureScheme.EcdsaSecp256r1Sha256, peerKey(ec, signer), data, Buffer.from([1, 2, 3]))).toBe(false);
    expect(verifyWith(SignatureScheme.EcdsaSecp256r1Sha256, peerKey(ec, signer), data, Buffer.alloc(0))).toBe(false);
  });
});

describe('peer keys', () => {
  it.each(dtlsCryptoBackends)('a natively parsed key still yields a KeyObject on demand ($name)', ({ crypto }) => {
    const key = peerKey(ec, crypto);
    expect(key.type).toBe('ec');
    expect(key.native !== undefined).toBe(crypto !== undefined);
    expect(key.keyObject.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(peerKey(rsa, crypto).native).toBeUndefined();
  });

  it.each(dtlsCryptoBackends)('a point off the curve is refused ($name)', ({ crypto }) => {
    const info = certificateKeyInfo(ec.der);
    expect(info?.type).toBe('ec');
    const der = Buffer.from(ec.der);
    // Change the last byte of Y in place: the DER still walks, the point is no longer on P-256.
    const at = der.indexOf((info as { point: Buffer }).point);
    der[at + 64]! ^= 1;
    expect(() => verifyPeerCertificate(der, [], true, undefined, crypto)).toThrow();
  });

  it('chooses by key type among what the peer offers', () => {
    expect(chooseSignatureScheme(ec.privateKey, [0x0401, 0x0403])).toBe(SignatureScheme.EcdsaSecp256r1Sha256);
    expect(chooseSignatureScheme(ec.privateKey, [0x0401])).toBeUndefined();
    expect(chooseSignatureScheme(rsa.privateKey, [0x0401, 0x0804])).toBe(SignatureScheme.RsaPssRsaeSha256);
    expect(chooseSignatureScheme(rsa.privateKey, [0x0401])).toBe(SignatureScheme.RsaPkcs1Sha256);
    expect(chooseSignatureScheme(rsa.privateKey, undefined)).toBe(SignatureScheme.RsaPkcs1Sha256);
  });
});
