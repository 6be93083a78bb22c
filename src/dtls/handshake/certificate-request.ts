import { u16List, vec16, vec8, WireReader } from '../wire.js';

/** RFC 5246 §7.4.4 CertificateRequest (TLS 1.2). */
export interface CertificateRequest {
  readonly certificateTypes: number[];
  readonly signatureAlgorithms: number[];
  readonly certificateAuthorities: Buffer;
}

export function encodeCertificateRequest(m: CertificateRequest): Buffer {
  return Buffer.concat([vec8(Uint8Array.from(m.certificateTypes)), vec16(u16List(m.signatureAlgorithms)), vec16(m.certificateAuthorities)]);
}

export function decodeCertificateRequest(body: Buffer): CertificateRequest {
  const r = new WireReader(body);
  const certificateTypes = [...r.vec8('certificate_types', 1)];
  const signatureAlgorithms = WireReader.u16List(r.vec16('supported_signature_algorithms', 2), 'supported_signature_algorithms');
  const certificateAuthorities = r.vec16('certificate_authorities');
  r.end('CertificateRequest');
  return { certificateTypes, signatureAlgorithms, certificateAuthorities };
}
