import type { MediaDescription, SdpFingerprint, SdpSetupRole, SessionDescriptionModel } from '../sdp/types.js';
import type { MediaKind, RtpCodecParameters } from './codec.js';
import type { RTCRtpTransceiverDirection } from './types.js';

/** Builds local offers and answers (RFC 9429 §5.2 and §5.3) from plain inputs. */

export interface LocalSender {
  ssrc: number;
  rtxSsrc?: number;
  streamId: string;
  trackId: string;
  cname: string;
}

export interface LocalSection {
  mid: string;
  kind: MediaKind | 'application';
  direction: RTCRtpTransceiverDirection;
  codecs: readonly RtpCodecParameters[];
  extensions: readonly { id: number; uri: string }[];
  sender?: LocalSender;
  /** Receive-side simulcast: the rids we accept (answer to a send-simulcast offer). */
  recvRids?: string[];
  /** Send-side simulcast: the rids of our encodings (no a=ssrc lines then, as browsers do). */
  sendRids?: string[];
  /** The data-channel section (`m=application … UDP/DTLS/SCTP webrtc-datachannel`, RFC 8841). */
  application?: boolean;
  /** A rejected section (port 0), e.g. an m=application we do not support. */
  rejected?: boolean;
  /** For a rejected section, the remote's media line to mirror. */
  protocol?: string;
  formats?: string[];
}

export interface LocalDescriptionParams {
  sessionId: string;
  sessionVersion: bigint;
  iceUfrag: string;
  icePwd: string;
  iceLite: boolean;
  fingerprints: SdpFingerprint[];
  setup: SdpSetupRole;
  /** Candidate attribute values (`candidate:...`) gathered so far. */
  candidates: string[];
  endOfCandidates: boolean;
  sections: LocalSection[];
  /** Our `a=max-message-size` for the data-channel section; default 262144. */
  sctpMaxMessageSize?: number;
}

const RTP_PROTOCOL = 'UDP/TLS/RTP/SAVPF';
const SCTP_PROTOCOL = 'UDP/DTLS/SCTP';
/** RFC 8841 §5: our SCTP port. */
const SCTP_PORT = 5000;

function section(p: LocalDescriptionParams, s: LocalSection, first: boolean): MediaDescription {
  const m: MediaDescription = {
    kind: s.kind,
    port: s.rejected ? 0 : 9,
    protocol: s.protocol ?? (s.application ? SCTP_PROTOCOL : RTP_PROTOCOL),
    formats: s.formats ?? (s.application ? ['webrtc-datachannel'] : s.codecs.map((c) => String(c.payloadType))),
    connection: { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    bandwidths: [],
    mid: s.mid,
    rtcpMux: !s.rejected && !s.application,
    rtcpMuxOnly: false,
    rtcpRsize: !s.rejected && s.kind === 'video',
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
  if (s.rejected) {
    if (m.formats.length === 0) m.formats = ['0'];
    return m;
  }
  m.iceUfrag = p.iceUfrag;
  m.icePwd = p.icePwd;
  m.iceOptions = ['trickle'];
  m.fingerprints = p.fingerprints;
  m.setup = p.setup;
  if (first) {
    m.candidates = [...p.candidates];
    m.endOfCandidates = p.endOfCandidates;
  }
  if (s.application) {
    // RFC 8841: no direction, rtcp or codecs; the SCTP port and the largest message we accept.
    m.sctpPort = SCTP_PORT;
    m.maxMessageSize = p.sctpMaxMessageSize ?? 262144;
    return m;
  }
  m.rtcp = '9 IN IP4 0.0.0.0';
  m.direction = s.direction === 'stopped' ? 'inactive' : s.direction;
  for (const c of s.codecs) {
    const [, name] = c.mimeType.split('/');
    m.rtpmaps.push({ payloadType: c.payloadType, encodingName: name ?? c.mimeType, clockRate: c.clockRate, ...(c.channels !== undefined && c.channels > 1 ? { channels: c.channels } : {}) });
    if (c.sdpFmtpLine) m.fmtps.set(c.payloadType, c.sdpFmtpLine);
    for (const fb of c.rtcpFeedback ?? []) m.rtcpFbs.push({ payloadType: c.payloadType, type: fb.type, ...(fb.parameter ? { parameter: fb.parameter } : {}) });
  }
  for (const x of s.extensions) m.extmaps.push({ id: x.id, uri: x.uri });
  const sending = s.direction === 'sendrecv' || s.direction === 'sendonly';
  if (s.sender && sending && s.sendRids?.length) {
    m.msids.push({ stream: s.sender.streamId, track: s.sender.trackId });
    for (const rid of s.sendRids) m.rids.push({ id: rid, direction: 'send' });
    m.simulcast = { send: s.sendRids.map((r) => [r]) };
  } else if (s.sender && sending) {
    const { ssrc, rtxSsrc, streamId, trackId, cname } = s.sender;
    m.msids.push({ stream: streamId, track: trackId });
    if (rtxSsrc !== undefined) m.ssrcGroups.push({ semantics: 'FID', ssrcs: [ssrc, rtxSsrc] });
    for (const x of rtxSsrc !== undefined ? [ssrc, rtxSsrc] : [ssrc]) {
      m.ssrcs.push({ ssrc: x, attribute: 'cname', value: cname });
      m.ssrcs.push({ ssrc: x, attribute: 'msid', value: `${streamId} ${trackId}` });
    }
  }
  if (s.recvRids?.length) {
    for (const rid of s.recvRids) m.rids.push({ id: rid, direction: 'recv' });
    m.simulcast = { recv: s.recvRids.map((r) => [r]) };
  }
  return m;
}

export function buildLocalDescription(p: LocalDescriptionParams): SessionDescriptionModel {
  const media = p.sections.map((s, i) => section(p, s, i === p.sections.findIndex((x) => !x.rejected)));
  const bundled = p.sections.filter((s) => !s.rejected).map((s) => s.mid);
  return {
    version: 0,
    origin: { username: '-', sessionId: p.sessionId, sessionVersion: p.sessionVersion, netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    sessionName: '-',
    bandwidths: [],
    timing: { start: 0n, stop: 0n },
    groups: bundled.length ? [{ semantics: 'BUNDLE', mids: bundled }] : [],
    msidSemantic: { semantic: 'WMS', identifiers: ['*'] },
    iceLite: p.iceLite,
    fingerprints: [],
    extmapAllowMixed: true,
    extmaps: [],
    attributes: [],
    media,
  };
}
