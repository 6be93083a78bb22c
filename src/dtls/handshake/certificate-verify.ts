import { u16, vec16, WireReader } from '../wire.js';

/** RFC 5246 §7.4.8: CertificateVerify { digitally-signed struct { handshake_messages } }. */
export interface CertificateVerify {
  readonly signatureScheme: number;
  readonly signature: Buffer;
}

export function encodeCertificateVerify(m: CertificateVerify): Buffer {
  return Buffer.concat([u16(m.signatureScheme), vec16(m.signature)]);
}

export function decodeCertificateVerify(body: Buffer): CertificateVerify {
  const r = new WireReader(body);
  const signatureScheme = r.u16('signature algorithm');
  const signature = r.vec16('signature', 1);
  r.end('CertificateVerify');
  return { signatureScheme, signature };
}
