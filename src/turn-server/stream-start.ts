/**
 * What a new TCP connection on a shared port is, from its first bytes:
 *
 * - `tls`: a TLS handshake record (RFC 8446 §5.1: content type 22, legacy version 3.x);
 * - `http`: an HTTP/1.x request line starting with a method token (RFC 9112 §3);
 * - `turn`: a STUN message with no length prefix (TURN over TCP, RFC 8656 §12.5:
 *   first byte 0b00, magic cookie at bytes 4..7);
 * - `ice-tcp`: an RFC 4571 length-prefixed STUN message (RFC 6544 §3: the
 *   cookie at bytes 6..9);
 * - `unknown`: none of these (the connection is dropped);
 * - `need-more`: not enough bytes yet.
 *
 * Pure and allocation-free; at most {@link STREAM_START_MAX_BYTES} bytes are looked at.
 */
export type StreamStart = 'tls' | 'http' | 'turn' | 'ice-tcp' | 'unknown' | 'need-more';

/** Bytes needed to tell every kind apart. */
export const STREAM_START_MAX_BYTES = 10;

const HTTP_METHODS = ['GET ', 'POST', 'PUT ', 'HEAD', 'DELE', 'OPTI', 'PATC', 'CONN', 'TRAC', 'PRI '];

function cookieAt(b: Uint8Array, off: number): boolean {
  return b[off] === 0x21 && b[off + 1] === 0x12 && b[off + 2] === 0xa4 && b[off + 3] === 0x42;
}

export function classifyStreamStart(b: Uint8Array): StreamStart {
  const n = b.length;
  if (n === 0) return 'need-more';
  const b0 = b[0]!;
  if (b0 === 0x16) {
    if (n < 2) return 'need-more';
    return b[1] === 0x03 ? 'tls' : 'unknown';
  }
  if (b0 >= 0x41 && b0 <= 0x5a) {
    // An upper-case letter: an HTTP method (TURN never starts so: ChannelData before an allocation is meaningless).
    if (n < 4) {
      for (const m of HTTP_METHODS) {
        let ok = true;
        for (let i = 0; i < n; i++) if (m.charCodeAt(i) !== b[i]) ok = false;
        if (ok) return 'need-more';
      }
      return 'unknown';
    }
    for (const m of HTTP_METHODS) {
      if (m.charCodeAt(0) === b0 && m.charCodeAt(1) === b[1] && m.charCodeAt(2) === b[2] && m.charCodeAt(3) === b[3]) return 'http';
    }
    return 'unknown';
  }
  if (n < 8) return 'need-more';
  // A STUN header straight away: TURN over TCP (or a STUN Binding to the TURN server).
  if (b0 <= 0x03 && cookieAt(b, 4)) return 'turn';
  if (n < STREAM_START_MAX_BYTES) return 'need-more';
  // RFC 4571: 16-bit length, then a STUN message (first byte 0b00) with its cookie at 6.
  if (b[2]! <= 0x03 && cookieAt(b, 6)) return 'ice-tcp';
  return 'unknown';
}
