import type { ResolvedDtlsConfig } from '../config.js';
import { ContentType, DTLS_1_0, HandshakeType } from '../constants.js';
import { computeCookie, verifyCookie } from '../cookie.js';
import { decodeClientHello, type ClientHello } from '../handshake/client-hello.js';
import { encodeHandshakeMessage, type HandshakeFragment } from '../handshake/header.js';
import { encodeHelloVerifyRequest } from '../handshake/hello-verify-request.js';
import type { RawRecord } from '../record/header.js';
import type { RecordLayer } from '../record/record-layer.js';

export type InitialHelloResult =
  | { readonly kind: 'drop'; readonly reason: string }
  /** Flight 2: a HelloVerifyRequest datagram to send; no state kept. */
  | { readonly kind: 'verify'; readonly datagram: Buffer }
  /** The cookie checks out (or is not required): start the handshake with this hello. */
  | { readonly kind: 'accept'; readonly hello: ClientHello; readonly raw: Buffer };

/**
 * RFC 6347 §4.2.1: the server answers a ClientHello without a valid cookie
 * statelessly with a HelloVerifyRequest carrying HMAC(secret, client address
 * and hello parameters), reusing the hello's message_seq and record sequence
 * number. Only unfragmented hellos are taken at this stage.
 */
export function handleInitialClientHello(cfg: ResolvedDtlsConfig, layer: RecordLayer, r: RawRecord, f: HandshakeFragment): InitialHelloResult {
  if (f.msgType !== HandshakeType.ClientHello || r.epoch !== 0) return { kind: 'drop', reason: 'expected-client-hello' };
  if (f.fragmentOffset !== 0 || f.fragment.length !== f.length) return { kind: 'drop', reason: 'fragmented-client-hello' };
  let hello: ClientHello;
  try {
    hello = decodeClientHello(f.fragment);
  } catch {
    return { kind: 'drop', reason: 'malformed-client-hello' };
  }
  if (cfg.helloVerify && !verifyCookie(cfg.cookieSecret, cfg.remoteAddressKey, hello)) {
    // RFC 6347 §4.2.1: server_version in HelloVerifyRequest is DTLS 1.0 whatever will be negotiated.
    const body = encodeHelloVerifyRequest({ serverVersion: DTLS_1_0, cookie: computeCookie(cfg.cookieSecret, cfg.remoteAddressKey, hello) });
    const msg = encodeHandshakeMessage(HandshakeType.HelloVerifyRequest, f.messageSeq, body);
    return { kind: 'verify', datagram: layer.seal(ContentType.Handshake, 0, msg, r.sequence) };
  }
  return { kind: 'accept', hello, raw: encodeHandshakeMessage(HandshakeType.ClientHello, f.messageSeq, f.fragment) };
}
