import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** DER tags (X.690 §8). */
const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OID = 0x06;
const TAG_VERSION = 0xa0;

/** RFC 5480 §2.1.1 id-ecPublicKey and §2.1.1.1 secp256r1; RFC 8017 §A.1 rsaEncryption. */
const OID_EC_PUBLIC_KEY = Buffer.from('2a8648ce3d0201', 'hex');
const OID_SECP256R1 = Buffer.from('2a8648ce3d030107', 'hex');
const OID_RSA_ENCRYPTION = Buffer.from('2a864886f70d010101', 'hex');

interface Tlv {
  readonly tag: number;
  /** Content start and end offsets in the buffer. */
  readonly start: number;
  readonly end: number;
}

/** One DER TLV at `offset` that must end by `limit`; undefined when malformed (definite lengths only). */
function readTlv(der: Buffer, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = der[offset]!;
  let len = der[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || p + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | der[p++]!;
  }
  if (p + len > limit) return undefined;
  return { tag, start: p, end: p + len };
}

function unsignedInteger(der: Buffer, t: Tlv): Buffer {
  let s = t.start;
  while (s < t.end - 1 && der[s] === 0) s++;
  return der.subarray(s, t.end);
}

/** The subject public key of a certificate: a P-256 point (with its JWK) or an RSA JWK. */
export type CertificateKeyInfo =
  | { readonly type: 'ec'; readonly point: Buffer; readonly jwk: JsonWebKey }
  | { readonly type: 'rsa'; readonly jwk: JsonWebKey };

/**
 * The subject public key of an X.509 certificate (RFC 5280 §4.1) for the key
 * types DTLS-SRTP uses, EC P-256 (RFC 5480) and RSA (RFC 8017), found by a
 * DER walk: Node's X509Certificate and SPKI DER import go through OpenSSL 3's
 * generic decoders, which cost several times more per handshake. Undefined
 * for anything else or anything that does not walk as DER; the caller then
 * falls back to a full X509Certificate parse, which also reports malformed
 * input. The EC point is not yet checked to be on the curve.
 */
export function certificateKeyInfo(der: Buffer): CertificateKeyInfo | undefined {
  const cert = readTlv(der, 0, der.length);
  if (!cert || cert.tag !== TAG_SEQUENCE || cert.end !== der.length) return undefined;
  const tbs = readTlv(der, cert.start, cert.end);
  if (!tbs || tbs.tag !== TAG_SEQUENCE) return undefined;
  // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
  let p = tbs.start;
  let field = readTlv(der, p, tbs.end);
  if (field?.tag === TAG_VERSION) {
    p = field.end;
    field = readTlv(der, p, tbs.end);
  }
  for (let i = 0; i < 5; i++) {
    if (!field) return undefined;
    p = field.end;
    field = readTlv(der, p, tbs.end);
  }
  const spki = field;
  if (!spki || spki.tag !== TAG_SEQUENCE) return undefined;
  const alg = readTlv(der, spki.start, spki.end);
  if (!alg || alg.tag !== TAG_SEQUENCE) return undefined;
  const bits = readTlv(der, alg.end, spki.end);
  if (!bits || bits.tag !== TAG_BIT_STRING || bits.end - bits.start < 2 || der[bits.start] !== 0) return undefined;
  const oid = readTlv(der, alg.start, alg.end);
  if (!oid || oid.tag !== TAG_OID) return undefined;
  const oidBytes = der.subarray(oid.start, oid.end);
  const key = der.subarray(bits.start + 1, bits.end);
  if (oidBytes.equals(OID_EC_PUBLIC_KEY)) {
    const curve = readTlv(der, oid.end, alg.end);
    if (!curve || curve.tag !== TAG_OID || !der.subarray(curve.start, curve.end).equals(OID_SECP256R1)) return undefined;
    // RFC 5480 §2.2: the uncompressed point 04 || X || Y.
    if (key.length !== 65 || key[0] !== 4) return undefined;
    const jwk = { kty: 'EC', crv: 'P-256', x: key.subarray(1, 33).toString('base64url'), y: key.subarray(33).toString('base64url') };
    return { type: 'ec', point: key, jwk };
  }
  if (oidBytes.equals(OID_RSA_ENCRYPTION)) {
    // RFC 8017 §A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
    const off = bits.start + 1;
    const seq = readTlv(der, off, bits.end);
    if (!seq || seq.tag !== TAG_SEQUENCE) return undefined;
    const n = readTlv(der, seq.start, seq.end);
    if (!n || n.tag !== TAG_INTEGER) return undefined;
    const e = readTlv(der, n.end, seq.end);
    if (!e || e.tag !== TAG_INTEGER) return undefined;
    return { type: 'rsa', jwk: { kty: 'RSA', n: unsignedInteger(der, n).toString('base64url'), e: unsignedInteger(der, e).toString('base64url') } };
  }
  return undefined;
}

/** {@link certificateKeyInfo} imported as a KeyObject through JWK (which checks the EC point is on the curve). */
export function certificatePublicKey(der: Buffer): KeyObject | undefined {
  const info = certificateKeyInfo(der);
  if (!info) return undefined;
  try {
    return createPublicKey({ key: info.jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}
