import { SdpParseError } from './errors.js';
import type {
  SdpDirection,
  SdpExtmap,
  SdpFingerprint,
  SdpRid,
  SdpRtcpFb,
  SdpRtpMap,
  SdpSetupRole,
  SdpSimulcast,
  SdpSsrcAttribute,
  SdpSsrcGroup,
} from './types.js';

/** Parsers for the typed `a=` attribute values, shared by session and media level. */

const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
const SETUP_ROLES = new Set<string>(['actpass', 'active', 'passive', 'holdconn']);

export function isDirection(name: string): name is SdpDirection {
  return DIRECTIONS.has(name);
}

export function parseInteger(text: string | undefined, what: string, line: number, max = 0xffff_ffff): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new SdpParseError(`bad ${what}: ${String(text)}`, line);
  const n = Number(text);
  if (n > max) throw new SdpParseError(`${what} out of range: ${text}`, line);
  return n;
}

function required(value: string | undefined, name: string, line: number): string {
  if (value === undefined || value === '') throw new SdpParseError(`a=${name} needs a value`, line);
  return value;
}

export function parseFingerprint(value: string | undefined, line: number): SdpFingerprint {
  const [algorithm, fp] = required(value, 'fingerprint', line).trim().split(/\s+/, 2);
  if (!algorithm || !fp || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(fp)) {
    throw new SdpParseError(`bad fingerprint: ${String(value)}`, line);
  }
  return { algorithm: algorithm.toLowerCase(), value: fp.toUpperCase() };
}

export function parseSetup(value: string | undefined, line: number): SdpSetupRole {
  const v = required(value, 'setup', line).trim();
  if (!SETUP_ROLES.has(v)) throw new SdpParseError(`bad setup role: ${v}`, line);
  return v as SdpSetupRole;
}

export function parseRtpMap(value: string | undefined, line: number): SdpRtpMap {
  const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?\s*$/.exec(required(value, 'rtpmap', line));
  if (!m) throw new SdpParseError(`bad rtpmap: ${String(value)}`, line);
  const out: SdpRtpMap = {
    payloadType: parseInteger(m[1], 'payload type', line, 127),
    encodingName: m[2]!,
    clockRate: parseInteger(m[3], 'clock rate', line),
  };
  if (m[4] !== undefined) out.channels = parseInteger(m[4], 'channels', line, 255);
  return out;
}

export function parseFmtp(value: string | undefined, line: number): [number, string] {
  const m = /^(\d+)\s+(.*)$/.exec(required(value, 'fmtp', line));
  if (!m) throw new SdpParseError(`bad fmtp: ${String(value)}`, line);
  return [parseInteger(m[1], 'payload type', line, 127), m[2]!.trim()];
}

export function parseRtcpFb(value: string | undefined, line: number): SdpRtcpFb {
  const parts = required(value, 'rtcp-fb', line).trim().split(/\s+/);
  const [pt, type, ...rest] = parts;
  if (!pt || !type) throw new SdpParseError(`bad rtcp-fb: ${String(value)}`, line);
  const out: SdpRtcpFb = { payloadType: pt === '*' ? '*' : parseInteger(pt, 'payload type', line, 127), type };
  if (rest.length) out.parameter = rest.join(' ');
  return out;
}

export function parseExtmap(value: string | undefined, line: number): SdpExtmap {
  const m = /^(\d+)(?:\/(\w+))?\s+(\S+)(?:\s+(.*))?$/.exec(required(value, 'extmap', line).trim());
  if (!m) throw new SdpParseError(`bad extmap: ${String(value)}`, line);
  const out: SdpExtmap = { id: parseInteger(m[1], 'extmap id', line, 4095), uri: m[3]! };
  if (m[2] !== undefined) {
    if (!isDirection(m[2])) throw new SdpParseError(`bad extmap direction: ${m[2]}`, line);
    out.direction = m[2];
  }
  if (m[4] !== undefined && m[4] !== '') out.attributes = m[4];
  return out;
}

export function parseSsrc(value: string | undefined, line: number): SdpSsrcAttribute {
  const m = /^(\d+)\s+([^:\s]+)(?::(.*))?$/.exec(required(value, 'ssrc', line).trim());
  if (!m) throw new SdpParseError(`bad ssrc: ${String(value)}`, line);
  const out: SdpSsrcAttribute = { ssrc: parseInteger(m[1], 'ssrc', line), attribute: m[2]! };
  if (m[3] !== undefined) out.value = m[3];
  return out;
}

export function parseSsrcGroup(value: string | undefined, line: number): SdpSsrcGroup {
  const [semantics, ...ssrcs] = required(value, 'ssrc-group', line).trim().split(/\s+/);
  if (!semantics) throw new SdpParseError(`bad ssrc-group: ${String(value)}`, line);
  return { semantics, ssrcs: ssrcs.map((s) => parseInteger(s, 'ssrc', line)) };
}

export function parseRid(value: string | undefined, line: number): SdpRid {
  const m = /^(\S+)\s+(send|recv)(?:\s+(.*))?$/.exec(required(value, 'rid', line).trim());
  if (!m) throw new SdpParseError(`bad rid: ${String(value)}`, line);
  const out: SdpRid = { id: m[1]!, direction: m[2] as 'send' | 'recv' };
  if (m[3] !== undefined && m[3] !== '') out.params = m[3];
  return out;
}

/** RFC 8853 §5.1: `a=simulcast:send h;~m recv l` (alternatives separated by commas). */
export function parseSimulcast(value: string | undefined, line: number): SdpSimulcast {
  const tokens = required(value, 'simulcast', line).trim().split(/\s+/);
  const out: SdpSimulcast = {};
  for (let i = 0; i + 1 < tokens.length; i += 2) {
    const dir = tokens[i];
    const streams = tokens[i + 1]!.split(';').map((s) => s.split(','));
    if (dir === 'send') out.send = streams;
    else if (dir === 'recv') out.recv = streams;
    else throw new SdpParseError(`bad simulcast direction: ${String(dir)}`, line);
  }
  if (tokens.length % 2 !== 0) throw new SdpParseError(`bad simulcast: ${String(value)}`, line);
  return out;
}

export function formatSimulcast(s: SdpSimulcast): string {
  const parts: string[] = [];
  if (s.send) parts.push('send', s.send.map((alts) => alts.join(',')).join(';'));
  if (s.recv) parts.push('recv', s.recv.map((alts) => alts.join(',')).join(';'));
  return parts.join(' ');
}

export function formatExtmap(e: SdpExtmap): string {
  return `${e.id}${e.direction ? `/${e.direction}` : ''} ${e.uri}${e.attributes ? ` ${e.attributes}` : ''}`;
}
