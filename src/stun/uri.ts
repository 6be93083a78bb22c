import { ipFamily } from './address.js';
import { IceServerUriError } from './errors.js';

/**
 * ICE server URIs: RFC 7064 (`stun:`, `stuns:`) and RFC 7065 (`turn:`,
 * `turns:` with `?transport=udp|tcp`).
 *
 *   stunURI = scheme ":" host [ ":" port ]
 *   turnURI = scheme ":" host [ ":" port ] [ "?transport=" transport ]
 *   host    = IP-literal / IPv4address / reg-name        (RFC 3986 §3.2.2)
 *
 * `transport` is what goes on the wire: 'udp' (DTLS when `secure`), 'tcp',
 * or 'tls' (TLS over TCP, the default for `stuns:`/`turns:`).
 */
export interface IceServerUri {
  scheme: 'stun' | 'stuns' | 'turn' | 'turns';
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  secure: boolean;
}

/** W3C RTCIceServer. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** RFC 7064 §3.2 / RFC 7065 §3.2: default ports. */
export const DEFAULT_STUN_PORT = 3478;
export const DEFAULT_STUNS_PORT = 5349;

const SCHEMES = new Set(['stun', 'stuns', 'turn', 'turns']);
// RFC 3986 §3.2.2 reg-name: unreserved / pct-encoded / sub-delims.
const REG_NAME_RE = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const IPV4_LIKE_RE = /^[0-9.]+$/;

/** Parses one ICE server URI; throws IceServerUriError (an InvalidArgumentError) on bad input. */
export function parseIceServerUri(uri: string): IceServerUri {
  if (typeof uri !== 'string') throw new IceServerUriError(String(uri), 'not a string');
  const fail: (reason: string) => never = (reason) => {
    throw new IceServerUriError(uri, reason);
  };
  const colon = uri.indexOf(':');
  if (colon <= 0) fail('missing scheme');
  // RFC 3986 §3.1: schemes are case-insensitive.
  const scheme = uri.slice(0, colon).toLowerCase();
  if (!SCHEMES.has(scheme)) fail(`unknown scheme "${scheme}" (expected stun, stuns, turn or turns)`);
  const isTurn = scheme === 'turn' || scheme === 'turns';
  const secure = scheme === 'stuns' || scheme === 'turns';
  let rest = uri.slice(colon + 1);
  if (rest.startsWith('//')) fail('no "//" after the scheme (RFC 7064 §3.1)');

  let query: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
    if (!isTurn) fail('stun/stuns URIs take no query (RFC 7064 §3.1)');
  }
  if (rest.includes('#')) fail('fragments are not allowed');
  if (rest.includes('@')) fail('user information is not allowed (RFC 7064 §3.1)');
  if (rest === '') fail('missing host');

  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) fail('unterminated IPv6 literal');
    host = rest.slice(1, close);
    if (host.includes('%') || ipFamily(host) !== 6) fail(`invalid IPv6 literal "${host}"`);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) fail('unexpected text after the IPv6 literal');
      portText = after.slice(1);
    }
  } else {
    const c = rest.indexOf(':');
    if (c >= 0) {
      host = rest.slice(0, c);
      portText = rest.slice(c + 1);
      if (portText.includes(':')) fail('IPv6 addresses must be in brackets');
    } else {
      host = rest;
    }
    if (host === '') fail('missing host');
    if (IPV4_LIKE_RE.test(host)) {
      if (ipFamily(host) !== 4) fail(`invalid IPv4 address "${host}"`);
    } else if (!REG_NAME_RE.test(host)) {
      fail(`invalid host "${host}"`);
    } else {
      try {
        host = decodeURIComponent(host);
      } catch {
        fail(`invalid percent-encoding in "${host}"`);
      }
    }
  }

  let port = secure ? DEFAULT_STUNS_PORT : DEFAULT_STUN_PORT;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) fail(`invalid port "${portText}"`);
    port = Number(portText);
    if (port < 1 || port > 65535) fail(`port out of range: ${port}`);
  }

  let transport: IceServerUri['transport'] = secure ? 'tls' : 'udp';
  if (query !== undefined) {
    // RFC 7065 §3.1: the only query is "transport=" with "udp" or "tcp".
    const m = /^transport=([A-Za-z0-9\-._~]*)$/.exec(query);
    if (!m) fail('the only query allowed is "transport=udp" or "transport=tcp" (RFC 7065 §3.1)');
    const t = m[1]!.toLowerCase();
    if (t === 'udp') transport = 'udp';
    else if (t === 'tcp') transport = secure ? 'tls' : 'tcp';
    else fail(`unsupported transport "${m[1]}"`);
  }
  return { scheme: scheme as IceServerUri['scheme'], host, port, transport, secure };
}

/** Every URI of a W3C RTCIceServer, parsed (throws on the first bad one). */
export function parseIceServerUris(server: IceServer): IceServerUri[] {
  const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
  return urls.map(parseIceServerUri);
}
