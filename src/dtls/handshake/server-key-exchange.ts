import { EC_CURVE_TYPE_NAMED } from '../constants.js';
import { DtlsDecodeError } from '../errors.js';
import { u16, vec16, vec8, WireReader } from '../wire.js';

/**
 * RFC 8422 §5.4 ServerKeyExchange for ECDHE: ServerECDHParams (named curve
 * and public point) then a TLS 1.2 DigitallySigned over
 * client_random + server_random + ServerECDHParams.
 */
export interface ServerKeyExchange {
  readonly namedGroup: number;
  readonly publicKey: Buffer;
  readonly signatureScheme: number;
  readonly signature: Buffer;
}

/** ServerECDHParams bytes (the signed part besides the randoms). */
export function encodeEcdhParams(namedGroup: number, publicKey: Buffer): Buffer {
  return Buffer.concat([Buffer.from([EC_CURVE_TYPE_NAMED]), u16(namedGroup), vec8(publicKey)]);
}

export function encodeServerKeyExchange(m: ServerKeyExchange): Buffer {
  return Buffer.concat([encodeEcdhParams(m.namedGroup, m.publicKey), u16(m.signatureScheme), vec16(m.signature)]);
}

export function decodeServerKeyExchange(body: Buffer): ServerKeyExchange & { params: Buffer } {
  const r = new WireReader(body);
  const curveType = r.u8('curve_type');
  if (curveType !== EC_CURVE_TYPE_NAMED) throw new DtlsDecodeError(`unsupported curve_type ${curveType}`);
  const namedGroup = r.u16('namedcurve');
  const publicKey = r.vec8('public', 1);
  const params = body.subarray(0, r.offset);
  const signatureScheme = r.u16('signature algorithm');
  const signature = r.vec16('signature', 1);
  r.end('ServerKeyExchange');
  return { namedGroup, publicKey, signatureScheme, signature, params };
}
