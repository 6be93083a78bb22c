import { DtlsDecodeError } from '../errors.js';
import { u16, vec8, WireReader } from '../wire.js';

/** RFC 6347 §4.2.1: HelloVerifyRequest { ProtocolVersion server_version; opaque cookie<0..2^8-1>; } */
export interface HelloVerifyRequest {
  readonly serverVersion: number;
  readonly cookie: Buffer;
}

export function encodeHelloVerifyRequest(m: HelloVerifyRequest): Buffer {
  return Buffer.concat([u16(m.serverVersion), vec8(m.cookie)]);
}

export function decodeHelloVerifyRequest(body: Buffer): HelloVerifyRequest {
  const r = new WireReader(body);
  const serverVersion = r.u16('server_version');
  const cookie = r.vec8('cookie');
  r.end('HelloVerifyRequest');
  // RFC 6347 §4.2.1: the cookie is at most 255 bytes; an empty one is useless.
  if (cookie.length === 0) throw new DtlsDecodeError('empty cookie');
  return { serverVersion, cookie };
}
