import type { MediaDescription, SdpFingerprint, SdpSetupRole, SessionDescriptionModel } from '../sdp/types.js';
import type { MediaKind, RtpCodecParameters } from './codec.js';
import type { RTCRtpTransceiverDirection } from './types.js';

/** Reading what the remote side said about one m= section. */

export function sectionCodecs(m: MediaDescription): RtpCodecParameters[] {
  return m.rtpmaps.map((r) => {
    const c: RtpCodecParameters = {
      payloadType: r.payloadType,
      mimeType: `${m.kind}/${r.encodingName}`,
      clockRate: r.clockRate,
      rtcpFeedback: m.rtcpFbs
        .filter((f) => f.payloadType === r.payloadType || f.payloadType === '*')
        .map((f) => (f.parameter ? { type: f.type, parameter: f.parameter } : { type: f.type })),
    };
    if (r.channels !== undefined) c.channels = r.channels;
    const fmtp = m.fmtps.get(r.payloadType);
    if (fmtp !== undefined) c.sdpFmtpLine = fmtp;
    return c;
  });
}

export function sectionKind(m: MediaDescription): MediaKind | undefined {
  return m.kind === 'audio' || m.kind === 'video' ? m.kind : undefined;
}

export function sectionDirection(m: MediaDescription): RTCRtpTransceiverDirection {
  return m.port === 0 ? 'inactive' : (m.direction ?? 'sendrecv');
}

export function isRejected(m: MediaDescription): boolean {
  return m.port === 0 && !m.attributes.some((a) => a.name === 'bundle-only');
}

/** RFC 9429 §5.10: the direction we answer with, given the offered one and ours. */
export function answerDirection(offered: RTCRtpTransceiverDirection, ours: RTCRtpTransceiverDirection): RTCRtpTransceiverDirection {
  const weSend = (ours === 'sendrecv' || ours === 'sendonly') && (offered === 'sendrecv' || offered === 'recvonly');
  const weRecv = (ours === 'sendrecv' || ours === 'recvonly') && (offered === 'sendrecv' || offered === 'sendonly');
  return weSend && weRecv ? 'sendrecv' : weSend ? 'sendonly' : weRecv ? 'recvonly' : 'inactive';
}

/** The direction as seen from the other side (sendonly ↔ recvonly). */
export function reverseDirection(d: RTCRtpTransceiverDirection): RTCRtpTransceiverDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

export interface RemoteSendStream {
  ssrc: number;
  rtxSsrc?: number;
  streamId?: string;
  trackId?: string;
}

/** The SSRCs the remote sends in this section, with RTX pairs from `ssrc-group:FID`. */
export function sectionSendStreams(m: MediaDescription): RemoteSendStream[] {
  const rtxOf = new Map<number, number>();
  const isRtxSsrc = new Set<number>();
  for (const g of m.ssrcGroups) {
    if (g.semantics === 'FID' && g.ssrcs.length >= 2) {
      rtxOf.set(g.ssrcs[0]!, g.ssrcs[1]!);
      isRtxSsrc.add(g.ssrcs[1]!);
    }
  }
  const out = new Map<number, RemoteSendStream>();
  for (const s of m.ssrcs) {
    if (isRtxSsrc.has(s.ssrc)) continue;
    let e = out.get(s.ssrc);
    if (!e) {
      e = { ssrc: s.ssrc };
      const rtx = rtxOf.get(s.ssrc);
      if (rtx !== undefined) e.rtxSsrc = rtx;
      out.set(s.ssrc, e);
    }
    if (s.attribute === 'msid' && s.value) {
      const [stream, track] = s.value.split(' ');
      if (stream) e.streamId = stream;
      if (track) e.trackId = track;
    }
  }
  const msid = m.msids[0];
  if (msid) {
    for (const e of out.values()) {
      e.streamId ??= msid.stream;
      if (msid.track !== undefined) e.trackId ??= msid.track;
    }
  }
  return [...out.values()];
}

export interface RemoteTransportParams {
  iceUfrag: string | undefined;
  icePwd: string | undefined;
  iceLite: boolean;
  fingerprints: SdpFingerprint[];
  setup: SdpSetupRole | undefined;
  candidates: string[];
  endOfCandidates: boolean;
}

/**
 * The ICE and DTLS parameters of the bundle transport: from the first
 * non-rejected section (bundle tag), falling back to session level.
 */
export function transportParams(sdp: SessionDescriptionModel): RemoteTransportParams {
  const m = sdp.media.find((x) => !isRejected(x)) ?? sdp.media[0];
  return {
    iceUfrag: m?.iceUfrag ?? sdp.iceUfrag,
    icePwd: m?.icePwd ?? sdp.icePwd,
    iceLite: sdp.iceLite,
    fingerprints: m && m.fingerprints.length ? m.fingerprints : sdp.fingerprints,
    setup: m?.setup ?? sdp.setup,
    candidates: sdp.media.flatMap((x) => x.candidates),
    endOfCandidates: sdp.media.some((x) => x.endOfCandidates),
  };
}
