import { DtlsDecodeError } from '../errors.js';
import { decodeExtensionList, encodeExtensionList, type RawExtension } from '../extensions/extension-list.js';
import { u16, vec8, WireReader } from '../wire.js';

/** RFC 5246 §7.4.1.3 ServerHello. */
export interface ServerHello {
  readonly serverVersion: number;
  readonly random: Buffer;
  readonly sessionId: Buffer;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: RawExtension[];
}

export function encodeServerHello(m: ServerHello): Buffer {
  return Buffer.concat([
    u16(m.serverVersion),
    m.random,
    vec8(m.sessionId),
    u16(m.cipherSuite),
    Buffer.from([m.compressionMethod]),
    encodeExtensionList(m.extensions),
  ]);
}

export function decodeServerHello(body: Buffer): ServerHello {
  const r = new WireReader(body);
  const serverVersion = r.u16('server_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vec8('session_id');
  if (sessionId.length > 32) throw new DtlsDecodeError('session_id too long');
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('compression_method');
  const extensions = decodeExtensionList(r);
  r.end('ServerHello');
  return { serverVersion, random, sessionId, cipherSuite, compressionMethod, extensions };
}
