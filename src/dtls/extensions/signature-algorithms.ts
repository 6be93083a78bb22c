import { u16, u16List, WireReader } from '../wire.js';

/** RFC 5246 §7.4.1.4.1: supported_signature_algorithms<2..2^16-2> of SignatureAndHashAlgorithm. */
export function encodeSignatureAlgorithms(schemes: readonly number[]): Buffer {
  const list = u16List(schemes);
  return Buffer.concat([u16(list.length), list]);
}

export function decodeSignatureAlgorithms(data: Buffer): number[] {
  const r = new WireReader(data);
  const list = r.vec16('supported_signature_algorithms', 2);
  r.end('signature_algorithms');
  return WireReader.u16List(list, 'supported_signature_algorithms');
}
