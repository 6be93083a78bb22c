import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureScheme } from '../../../src/dtls/constants.js';
import { chooseSignatureScheme, signWith, verifyWith } from '../../../src/dtls/signature.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const data = Buffer.from('client_random + server_random + params');

describe('signature schemes', () => {
  it('ECDSA-P256-SHA256 (DER), RSA-PSS-RSAE-SHA256 and RSA-PKCS1-SHA256 sign and verify', () => {
    const cases: Array<[number, typeof ec]> = [
      [SignatureScheme.EcdsaSecp256r1Sha256, ec],
      [SignatureScheme.RsaPssRsaeSha256, rsa],
      [SignatureScheme.RsaPkcs1Sha256, rsa],
    ];
    for (const [scheme, pair] of cases) {
      const sig = signWith(scheme as SignatureScheme, pair.privateKey, data);
      expect(verifyWith(scheme, pair.publicKey, data, sig)).toBe(true);
      expect(verifyWith(scheme, pair.publicKey, Buffer.from('other'), sig)).toBe(false);
    }
    // ECDSA signatures are DER SEQUENCEs.
    expect(signWith(SignatureScheme.EcdsaSecp256r1Sha256, ec.privateKey, data)[0]).toBe(0x30);
  });

  it('rejects a scheme that does not fit the key or is unknown', () => {
    const sig = signWith(SignatureScheme.RsaPkcs1Sha256, rsa.privateKey, data);
    expect(verifyWith(SignatureScheme.RsaPssRsaeSha256, rsa.publicKey, data, sig)).toBe(false);
    expect(verifyWith(SignatureScheme.EcdsaSecp256r1Sha256, rsa.publicKey, data, sig)).toBe(false);
    expect(verifyWith(0x0201, rsa.publicKey, data, sig)).toBe(false);
    expect(verifyWith(SignatureScheme.EcdsaSecp256r1Sha256, ec.publicKey, data, Buffer.from([1, 2, 3]))).toBe(false);
  });

  it('chooses by key type among what the peer offers', () => {
    expect(chooseSignatureScheme(ec.privateKey, [0x0401, 0x0403])).toBe(SignatureScheme.EcdsaSecp256r1Sha256);
    expect(chooseSignatureScheme(ec.privateKey, [0x0401])).toBeUndefined();
    expect(chooseSignatureScheme(rsa.privateKey, [0x0401, 0x0804])).toBe(SignatureScheme.RsaPssRsaeSha256);
    expect(chooseSignatureScheme(rsa.privateKey, [0x0401])).toBe(SignatureScheme.RsaPkcs1Sha256);
    expect(chooseSignatureScheme(rsa.privateKey, undefined)).toBe(SignatureScheme.RsaPkcs1Sha256);
  });
});
