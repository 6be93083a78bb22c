import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ClientHello } from './handshake/client-hello.js';
import { u16, u16List, vec8 } from './wire.js';

/** RFC 6347 §4.2.1: cookies are at most 255 bytes; an HMAC-SHA256 is 32. */
export const COOKIE_LENGTH = 32;

/**
 * RFC 6347 §4.2.1 stateless cookie: HMAC(secret, client address + the
 * ClientHello parameters the second hello must repeat). Extensions are left
 * out so clients that reorder them between hellos still pass.
 */
export function computeCookie(secret: Uint8Array, remoteAddressKey: string, hello: ClientHello): Buffer {
  return createHmac('sha256', secret)
    .update(Buffer.from(remoteAddressKey, 'utf8'))
    .update(u16(hello.clientVersion))
    .update(hello.random)
    .update(vec8(hello.sessionId))
    .update(u16List(hello.cipherSuites))
    .update(hello.compressionMethods)
    .digest();
}

export function verifyCookie(secret: Uint8Array, remoteAddressKey: string, hello: ClientHello): boolean {
  if (hello.cookie.length !== COOKIE_LENGTH) return false;
  return timingSafeEqual(hello.cookie, computeCookie(secret, remoteAddressKey, hello));
}
