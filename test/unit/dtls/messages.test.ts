import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtlsCertificate, certificateFingerprint } from '../../../src/dtls/certificate.js';
import { computeCookie, verifyCookie } from '../../../src/dtls/cookie.js';
import { DtlsDecodeError } from '../../../src/dtls/errors.js';
import { buildHelloExtensions, parseHelloExtensions } from '../../../src/dtls/extensions/hello-extensions.js';
import { decodeCertificateMessage, encodeCertificateMessage } from '../../../src/dtls/handshake/certificate.js';
import { decodeCertificateRequest, encodeCertificateRequest } from '../../../src/dtls/handshake/certificate-request.js';
import { decodeClientHello, encodeClientHello, type ClientHello } from '../../../src/dtls/handshake/client-hello.js';
import { decodeHelloVerifyRequest, encodeHelloVerifyRequest } from '../../../src/dtls/handshake/hello-verify-request.js';
import { decodeServerHello, encodeServerHello } from '../../../src/dtls/handshake/server-hello.js';
import { decodeServerKeyExchange, encodeServerKeyExchange } from '../../../src/dtls/handshake/server-key-exchange.js';

const hello: ClientHello = {
  clientVersion: 0xfefd,
  random: Buffer.alloc(32, 5),
  sessionId: Buffer.alloc(0),
  cookie: Buffer.alloc(0),
  cipherSuites: [0xc02b, 0xc02f],
  compressionMethods: Buffer.from([0]),
  extensions: buildHelloExtensions({
    renegotiationInfo: Buffer.alloc(0),
    extendedMasterSecret: true,
    useSrtp: { profiles: [7, 1], mki: Buffer.alloc(0) },
    supportedGroups: [29, 23],
    ecPointFormats: [0],
    signatureAlgorithms: [0x0403, 0x0804, 0x0401],
  }),
};

describe('handshake messages', () => {
  it('ClientHello round trip with every extension', () => {
    const back = decodeClientHello(encodeClientHello(hello));
    expect(back.cipherSuites).toEqual([0xc02b, 0xc02f]);
    expect(parseHelloExtensions(back.extensions)).toEqual({
      renegotiationInfo: Buffer.alloc(0),
      extendedMasterSecret: true,
      useSrtp: { profiles: [7, 1], mki: Buffer.alloc(0) },
      supportedGroups: [29, 23],
      ecPointFormats: [0],
      signatureAlgorithms: [0x0403, 0x0804, 0x0401],
    });
  });

  it('unknown extensions are ignored, duplicates rejected', () => {
    const ext = parseHelloExtensions([{ type: 0x1234, data: Buffer.from('x') }, { type: 23, data: Buffer.alloc(0) }]);
    expect(ext).toEqual({ extendedMasterSecret: true });
    const body = encodeClientHello({ ...hello, extensions: [{ type: 23, data: Buffer.alloc(0) }, { type: 23, data: Buffer.alloc(0) }] });
    expect(() => decodeClientHello(body)).toThrow(DtlsDecodeError);
  });

  it('ServerHello, HelloVerifyRequest, ServerKeyExchange, CertificateRequest, Certificate round trips', () => {
    const sh = { serverVersion: 0xfefd, random: Buffer.alloc(32, 1), sessionId: Buffer.alloc(0), cipherSuite: 0xc02b, compressionMethod: 0, extensions: [] };
    expect(decodeServerHello(encodeServerHello(sh))).toMatchObject({ cipherSuite: 0xc02b, extensions: [] });
    expect(decodeHelloVerifyRequest(encodeHelloVerifyRequest({ serverVersion: 0xfeff, cookie: Buffer.alloc(32, 3) })).cookie).toEqual(Buffer.alloc(32, 3));
    const ske = { namedGroup: 29, publicKey: Buffer.alloc(32, 2), signatureScheme: 0x0403, signature: Buffer.alloc(70, 4) };
    const back = decodeServerKeyExchange(encodeServerKeyExchange(ske));
    expect(back).toMatchObject(ske);
    expect(back.params.length).toBe(1 + 2 + 1 + 32);
    const cr = { certificateTypes: [64, 1], signatureAlgorithms: [0x0403], certificateAuthorities: Buffer.alloc(0) };
    expect(decodeCertificateRequest(encodeCertificateRequest(cr))).toEqual(cr);
    expect(decodeCertificateMessage(encodeCertificateMessage([Buffer.from('a'), Buffer.from('bc')]))).toEqual([Buffer.from('a'), Buffer.from('bc')]);
  });

  it('decoders throw only DtlsDecodeError on random or truncated input', () => {
    const decoders = [decodeClientHello, decodeServerHello, decodeServerKeyExchange, decodeCertificateRequest, decodeCertificateMessage, decodeHelloVerifyRequest];
    const valid = encodeClientHello(hello);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(valid.length), (bytes, cut) => {
        for (const d of decoders) {
          for (const input of [Buffer.from(bytes), valid.subarray(0, cut)]) {
            try {
              d(input);
            } catch (e) {
              expect(e).toBeInstanceOf(DtlsDecodeError);
            }
          }
        }
      }),
    );
  });
});

describe('stateless cookie (RFC 6347 §4.2.1)', () => {
  const secret = Buffer.alloc(32, 9);
  it('verifies for the same hello and address, not for another address or random', () => {
    const cookie = computeCookie(secret, '1.2.3.4:5', hello);
    expect(verifyCookie(secret, '1.2.3.4:5', { ...hello, cookie })).toBe(true);
    expect(verifyCookie(secret, '1.2.3.4:6', { ...hello, cookie })).toBe(false);
    expect(verifyCookie(secret, '1.2.3.4:5', { ...hello, random: Buffer.alloc(32, 6), cookie })).toBe(false);
    expect(verifyCookie(Buffer.alloc(32, 8), '1.2.3.4:5', { ...hello, cookie })).toBe(false);
    expect(verifyCookie(secret, '1.2.3.4:5', hello)).toBe(false);
  });
});

describe('DtlsCertificate', () => {
  it('generates ECDSA P-256 and RSA 2048 self-signed certificates with SDP fingerprints', async () => {
    const ec = await DtlsCertificate.generate({ commonName: 'tern-test', validityDays: 10 });
    const x = new X509Certificate(ec.der);
    expect(ec.keyType).toBe('ecdsa-p256');
    expect(x.subject).toBe('CN=tern-test');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(ec.fingerprint()).toBe(x.fingerprint256);
    expect(ec.fingerprint()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(certificateFingerprint(ec.der, 'sha-1')).toBe(x.fingerprint);
    const rsa = await DtlsCertificate.generate({ keyType: 'rsa-2048' });
    expect(rsa.keyType).toBe('rsa-2048');
    expect(rsa.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('PEM round trip', async () => {
    const ec = await DtlsCertificate.generate();
    const pem = ec.toPem();
    const back = DtlsCertificate.fromPem(pem.certificate, pem.privateKey);
    expect(back.der).toEqual(ec.der);
    expect(back.fingerprint()).toBe(ec.fingerprint());
  });

  it('rejects a private key that does not match', async () => {
    const [a, b] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate()]);
    expect(() => DtlsCertificate.fromPem(a.toPem().certificate, b.toPem().privateKey)).toThrow(/does not match/);
  });
});
