import {
  isDirection,
  parseExtmap,
  parseFingerprint,
  parseFmtp,
  parseInteger,
  parseRid,
  parseRtcpFb,
  parseRtpMap,
  parseSetup,
  parseSimulcast,
  parseSsrc,
  parseSsrcGroup,
} from './attribute-parsers.js';
import { SdpParseError } from './errors.js';
import type { MediaDescription, SdpConnection, SessionDescriptionModel } from './types.js';

/**
 * A typed SDP parser, written here rather than taken from `sdp-transform`:
 * the peer connection needs strict types under `exactOptionalPropertyTypes`,
 * bigint session versions, clear errors that name the line, and a bound on
 * what a remote description can make us allocate.
 */

/** Descriptions larger than this are refused (a browser offer is a few KiB). */
export const MAX_SDP_LENGTH = 256 * 1024;
/** Refused above this many m= sections. */
export const MAX_MEDIA_SECTIONS = 512;

function parseConnection(value: string, line: number): SdpConnection {
  const [netType, addrType, address] = value.trim().split(/\s+/);
  if (!netType || !addrType || !address) throw new SdpParseError(`bad c= line: ${value}`, line);
  return { netType, addrType, address };
}

function newMedia(value: string, line: number): MediaDescription {
  const [kind, portSpec, protocol, ...formats] = value.trim().split(/\s+/);
  if (!kind || !portSpec || !protocol) throw new SdpParseError(`bad m= line: ${value}`, line);
  const [port, count] = portSpec.split('/');
  const m: MediaDescription = {
    kind,
    port: parseInteger(port, 'port', line, 65535),
    protocol,
    formats,
    bandwidths: [],
    rtcpMux: false,
    rtcpMuxOnly: false,
    rtcpRsize: false,
    candidates: [],
    endOfCandidates: false,
    fingerprints: [],
    rtpmaps: [],
    fmtps: new Map(),
    rtcpFbs: [],
    extmaps: [],
    extmapAllowMixed: false,
    ssrcs: [],
    ssrcGroups: [],
    msids: [],
    rids: [],
    attributes: [],
  };
  if (count !== undefined) m.numberOfPorts = parseInteger(count, 'number of ports', line, 65535);
  return m;
}

function mediaAttribute(m: MediaDescription, name: string, value: string | undefined, line: number): void {
  switch (name) {
    case 'mid':
      if (!value) throw new SdpParseError('a=mid needs a value', line);
      m.mid = value.trim();
      return;
    case 'rtcp':
      if (value !== undefined) m.rtcp = value;
      return;
    case 'rtcp-mux':
      m.rtcpMux = true;
      return;
    case 'rtcp-mux-only':
      m.rtcpMuxOnly = true;
      return;
    case 'rtcp-rsize':
      m.rtcpRsize = true;
      return;
    case 'ice-ufrag':
      if (value) m.iceUfrag = value.trim();
      return;
    case 'ice-pwd':
      if (value) m.icePwd = value.trim();
      return;
    case 'ice-options':
      if (value) m.iceOptions = value.trim().split(/\s+/);
      return;
    case 'candidate':
      if (!value) throw new SdpParseError('a=candidate needs a value', line);
      m.candidates.push(`candidate:${value}`);
      return;
    case 'end-of-candidates':
      m.endOfCandidates = true;
      return;
    case 'fingerprint':
      m.fingerprints.push(parseFingerprint(value, line));
      return;
    case 'setup':
      m.setup = parseSetup(value, line);
      return;
    case 'rtpmap':
      m.rtpmaps.push(parseRtpMap(value, line));
      return;
    case 'fmtp': {
      const [pt, params] = parseFmtp(value, line);
      m.fmtps.set(pt, params);
      return;
    }
    case 'rtcp-fb':
      m.rtcpFbs.push(parseRtcpFb(value, line));
      return;
    case 'extmap':
      m.extmaps.push(parseExtmap(value, line));
      return;
    case 'extmap-allow-mixed':
      m.extmapAllowMixed = true;
      return;
    case 'ssrc':
      m.ssrcs.push(parseSsrc(value, line));
      return;
    case 'ssrc-group':
      m.ssrcGroups.push(parseSsrcGroup(value, line));
      return;
    case 'msid': {
      const [stream, track] = (value ?? '').trim().split(/\s+/);
      if (!stream) throw new SdpParseError('a=msid needs a value', line);
      m.msids.push(track === undefined ? { stream } : { stream, track });
      return;
    }
    case 'rid':
      m.rids.push(parseRid(value, line));
      return;
    case 'simulcast':
      m.simulcast = parseSimulcast(value, line);
      return;
    case 'sctp-port':
      m.sctpPort = parseInteger(value?.trim(), 'sctp-port', line, 65535);
      return;
    case 'max-message-size':
      m.maxMessageSize = parseInteger(value?.trim(), 'max-message-size', line, Number.MAX_SAFE_INTEGER);
      return;
    default:
      if (isDirection(name)) m.direction = name;
      else m.attributes.push({ name, value });
  }
}

function sessionAttribute(s: SessionDescriptionModel, name: string, value: string | undefined, line: number): void {
  switch (name) {
    case 'group': {
      const [semantics, ...mids] = (value ?? '').trim().split(/\s+/);
      if (!semantics) throw new SdpParseError('a=group needs semantics', line);
      s.groups.push({ semantics, mids });
      return;
    }
    case 'msid-semantic': {
      const [semantic, ...identifiers] = (value ?? '').trim().split(/\s+/);
      if (semantic) s.msidSemantic = { semantic, identifiers };
      return;
    }
    case 'ice-lite':
      s.iceLite = true;
      return;
    case 'ice-ufrag':
      if (value) s.iceUfrag = value.trim();
      return;
    case 'ice-pwd':
      if (value) s.icePwd = value.trim();
      return;
    case 'ice-options':
      if (value) s.iceOptions = value.trim().split(/\s+/);
      return;
    case 'fingerprint':
      s.fingerprints.push(parseFingerprint(value, line));
      return;
    case 'setup':
      s.setup = parseSetup(value, line);
      return;
    case 'extmap-allow-mixed':
      s.extmapAllowMixed = true;
      return;
    case 'extmap':
      s.extmaps.push(parseExtmap(value, line));
      return;
    default:
      s.attributes.push({ name, value });
  }
}

/** Parses an SDP text (CRLF or LF line ends). Throws {@link SdpParseError}. */
export function parseSdp(text: string): SessionDescriptionModel {
  if (typeof text !== 'string') throw new SdpParseError('SDP must be a string');
  if (text.length > MAX_SDP_LENGTH) throw new SdpParseError(`SDP larger than ${MAX_SDP_LENGTH} characters`);
  const lines = text.split(/\r?\n/);
  const s: Partial<SessionDescriptionModel> & Pick<SessionDescriptionModel, 'groups' | 'fingerprints' | 'attributes' | 'media' | 'bandwidths' | 'extmaps'> = {
    groups: [],
    fingerprints: [],
    attributes: [],
    media: [],
    bandwidths: [],
    extmaps: [],
    iceLite: false,
    extmapAllowMixed: false,
  };
  let current: MediaDescription | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    if (raw.length < 2 || raw[1] !== '=') throw new SdpParseError(`not a <type>=<value> line: ${raw.slice(0, 80)}`, lineNo);
    const type = raw[0]!;
    const value = raw.slice(2);
    switch (type) {
      case 'v':
        s.version = parseInteger(value.trim(), 'version', lineNo);
        break;
      case 'o': {
        const [username, sessionId, sessionVersion, netType, addrType, address] = value.trim().split(/\s+/);
        if (!username || !sessionId || !sessionVersion || !netType || !addrType || !address || !/^\d+$/.test(sessionVersion)) {
          throw new SdpParseError(`bad o= line: ${value}`, lineNo);
        }
        s.origin = { username, sessionId, sessionVersion: BigInt(sessionVersion), netType, addrType, address };
        break;
      }
      case 's':
        s.sessionName = value;
        break;
      case 'i':
        if (current) current.title = value;
        else s.sessionInformation = value;
        break;
      case 't': {
        const [start, stop] = value.trim().split(/\s+/);
        if (!start || !stop || !/^\d+$/.test(start) || !/^\d+$/.test(stop)) throw new SdpParseError(`bad t= line: ${value}`, lineNo);
        s.timing = { start: BigInt(start), stop: BigInt(stop) };
        break;
      }
      case 'c':
        if (current) current.connection = parseConnection(value, lineNo);
        else s.connection = parseConnection(value, lineNo);
        break;
      case 'b': {
        const [bwType, bwValue] = value.split(':', 2);
        if (!bwType) throw new SdpParseError(`bad b= line: ${value}`, lineNo);
        const bw = { type: bwType, value: parseInteger(bwValue?.trim(), 'bandwidth', lineNo) };
        (current ? current.bandwidths : s.bandwidths).push(bw);
        break;
      }
      case 'm':
        if (s.media.length >= MAX_MEDIA_SECTIONS) throw new SdpParseError(`more than ${MAX_MEDIA_SECTIONS} m= sections`, lineNo);
        current = newMedia(value, lineNo);
        s.media.push(current);
        break;
      case 'a': {
        const colon = value.indexOf(':');
        const name = colon < 0 ? value.trim() : value.slice(0, colon);
        const attrValue = colon < 0 ? undefined : value.slice(colon + 1);
        if (!name) throw new SdpParseError('empty attribute name', lineNo);
        if (current) mediaAttribute(current, name, attrValue, lineNo);
        else sessionAttribute(s as SessionDescriptionModel, name, attrValue, lineNo);
        break;
      }
      default:
        // u=, e=, p=, z=, k=, r=: legal but meaningless to WebRTC; ignored.
        break;
    }
  }
  if (s.version === undefined) throw new SdpParseError('missing v= line');
  if (!s.origin) throw new SdpParseError('missing o= line');
  if (s.sessionName === undefined) throw new SdpParseError('missing s= line');
  if (!s.timing) s.timing = { start: 0n, stop: 0n };
  return s as SessionDescriptionModel;
}
