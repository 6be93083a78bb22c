import { X509CertificateGenerator } from '@peculiar/x509';
import { createHash, createPrivateKey, KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { DtlsError } from './errors.js';
import type { NativeDtlsCrypto, NativeDtlsKey } from './native/binding.js';

export type DtlsKeyType = 'ecdsa-p256' | 'rsa-2048';

export interface DtlsCertificateOptions {
  keyType?: DtlsKeyType;
  commonName?: string;
  validityDays?: number;
}

/** Pion and browsers use a 30-day self-signed certificate; a year is friendlier for long-lived servers. */
const DEFAULT_VALIDITY_DAYS = 365;
const DEFAULT_COMMON_NAME = 'tern-rtc';
const DAY_MS = 86_400_000;

type CreateSelfSignedParams = Parameters<typeof X509CertificateGenerator.createSelfSigned>[0];
type CreateSelfSignedCrypto = NonNullable<Parameters<typeof X509CertificateGenerator.createSelfSigned>[1]>;

const KEY_ALGORITHMS = {
  'ecdsa-p256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  'rsa-2048': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
} as const;

/** Hash names accepted in `a=fingerprint` (RFC 8122 §5) mapped to node:crypto names. */
const FINGERPRINT_HASHES: Record<string, string> = { 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

/** 'AB:CD:...' (uppercase hex pairs), the SDP a=fingerprint form (RFC 8122 §5). */
export function certificateFingerprint(der: Uint8Array, algorithm = 'sha-256'): string {
  const hash = FINGERPRINT_HASHES[algorithm.toLowerCase()];
  if (!hash) throw new DtlsError('ERR_DTLS_CONFIG', `unsupported fingerprint algorithm ${algorithm}`);
  return createHash(hash).update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * A certificate and its private key: what a DTLS endpoint presents. WebRTC
 * uses self-signed certificates authenticated by their fingerprint in SDP.
 */
export class DtlsCertificate {
  readonly der: Buffer;
  readonly privateKey: KeyObject;
  readonly keyType: DtlsKeyType;
  readonly #fingerprints = new Map<string, string>();
  /** The private key in the native accelerator, made on first use (once per certificate, not per handshake). */
  #native: { crypto: NativeDtlsCrypto; key: NativeDtlsKey } | undefined;

  constructor(der: Buffer, privateKey: KeyObject) {
    this.der = der;
    this.privateKey = privateKey;
    const t = privateKey.asymmetricKeyType;
    if (t === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') this.keyType = 'ecdsa-p256';
    else if (t === 'rsa') this.keyType = 'rsa-2048';
    else throw new DtlsError('ERR_DTLS_CONFIG', `unsupported certificate key ${t ?? 'unknown'}`);
    const cert = new X509Certificate(der);
    if (!cert.checkPrivateKey(privateKey)) throw new DtlsError('ERR_DTLS_CONFIG', 'private key does not match the certificate');
  }

  /** A fresh self-signed certificate (ECDSA P-256 by default) made with @peculiar/x509 over Node's WebCrypto. */
  static async generate(options: DtlsCertificateOptions = {}): Promise<DtlsCertificate> {
    const keyType = options.keyType ?? 'ecdsa-p256';
    const algorithm = KEY_ALGORITHMS[keyType];
    const crypto = webcrypto as unknown as CreateSelfSignedCrypto;
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    // Backdated a day so peers with a slightly late clock accept it.
    const notBefore = new Date(Date.now() - DAY_MS);
    const notAfter = new Date(Date.now() + (options.validityDays ?? DEFAULT_VALIDITY_DAYS) * DAY_MS);
    const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
    serial[0]! &= 0x7f; // positive INTEGER
    const cert = await X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: serial.toString('hex'),
        name: `CN=${options.commonName ?? DEFAULT_COMMON_NAME}`,
        notBefore,
        notAfter,
        signingAlgorithm: algorithm,
        keys: keys as unknown as CreateSelfSignedParams['keys'],
      },
      crypto,
    );
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    return new DtlsCertificate(Buffer.from(cert.rawData), createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
  }

  /** Loads a PEM certificate and private key (PKCS#8, SEC1 or PKCS#1). */
  static fromPem(certificatePem: string, privateKeyPem: string): DtlsCertificate {
    const cert = new X509Certificate(certificatePem);
    return new DtlsCertificate(cert.raw, createPrivateKey(privateKeyPem));
  }

  /** SHA-256 (or another RFC 8122 hash) fingerprint in SDP form. */
  fingerprint(algorithm: 'sha-256' | 'sha-384' | 'sha-512' | 'sha-1' = 'sha-256'): string {
    let f = this.#fingerprints.get(algorithm);
    if (!f) {
      f = certificateFingerprint(this.der, algorithm);
      this.#fingerprints.set(algorithm, f);
    }
    return f;
  }

  /** The P-256 private key as a native key of `crypto`; undefined for RSA. Made once, then reused. */
  nativeSigningKey(crypto: NativeDtlsCrypto): NativeDtlsKey | undefined {
    if (this.keyType !== 'ecdsa-p256') return undefined;
    if (this.#native?.crypto !== crypto) {
      const d = Buffer.from(this.privateKey.export({ format: 'jwk' }).d!, 'base64url');
      try {
        this.#native = { crypto, key: crypto.ecPrivateKey(d) };
      } finally {
        d.fill(0);
      }
    }
    return this.#native.key;
  }

  toPem(): { certificate: string; privateKey: string } {
    const b64 = this.der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    return {
      certificate: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
      privateKey: this.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    };
  }
}
