import { vec8, WireReader } from '../wire.js';

/** RFC 8422 §5.7: ClientECDiffieHellmanPublic { ECPoint ecdh_Yc<1..2^8-1>; } */
export function encodeClientKeyExchange(publicKey: Buffer): Buffer {
  return vec8(publicKey);
}

export function decodeClientKeyExchange(body: Buffer): Buffer {
  const r = new WireReader(body);
  const pub = r.vec8('ecdh_Yc', 1);
  r.end('ClientKeyExchange');
  return pub;
}
