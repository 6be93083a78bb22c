import { DtlsDecodeError } from '../errors.js';
import { decodeExtensionList, encodeExtensionList, type RawExtension } from '../extensions/extension-list.js';
import { u16, u16List, vec16, vec8, WireReader } from '../wire.js';

/** RFC 6347 §4.2.1 ClientHello (TLS 1.2 ClientHello plus the cookie). */
export interface ClientHello {
  readonly clientVersion: number;
  readonly random: Buffer;
  readonly sessionId: Buffer;
  readonly cookie: Buffer;
  readonly cipherSuites: number[];
  readonly compressionMethods: Buffer;
  readonly extensions: RawExtension[];
}

export function encodeClientHello(m: ClientHello): Buffer {
  const suites = u16List(m.cipherSuites);
  return Buffer.concat([
    u16(m.clientVersion),
    m.random,
    vec8(m.sessionId),
    vec8(m.cookie),
    vec16(suites),
    vec8(m.compressionMethods),
    encodeExtensionList(m.extensions),
  ]);
}

export function decodeClientHello(body: Buffer): ClientHello {
  const r = new WireReader(body);
  const clientVersion = r.u16('client_version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vec8('session_id');
  if (sessionId.length > 32) throw new DtlsDecodeError('session_id too long');
  const cookie = r.vec8('cookie');
  const cipherSuites = WireReader.u16List(r.vec16('cipher_suites', 2), 'cipher_suites');
  const compressionMethods = r.vec8('compression_methods', 1);
  const extensions = decodeExtensionList(r);
  r.end('ClientHello');
  return { clientVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}
