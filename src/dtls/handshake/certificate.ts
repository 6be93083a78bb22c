import { vec24, WireReader } from '../wire.js';

/** RFC 5246 §7.4.2: Certificate { ASN.1Cert certificate_list<0..2^24-1>; } (DER, sender's first). */
export function encodeCertificateMessage(chain: readonly Buffer[]): Buffer {
  return vec24(Buffer.concat(chain.map((c) => vec24(c))));
}

export function decodeCertificateMessage(body: Buffer): Buffer[] {
  const r = new WireReader(body);
  const list = r.vec24('certificate_list');
  r.end('Certificate');
  const lr = new WireReader(list);
  const out: Buffer[] = [];
  while (lr.remaining > 0) out.push(lr.vec24('ASN.1Cert', 1));
  return out;
}
