/**
 * Codec descriptions and the fmtp rules that decide whether a remote codec
 * is the same as one of ours (RFC 9429 §5.3.1, RFC 6184 §8.1 for H.264,
 * RFC 4588 for RTX).
 */

export type MediaKind = 'audio' | 'video';

export interface RtcpFeedback {
  type: string;
  parameter?: string;
}

export interface RtpCodecCapability {
  /** `audio/opus`, `video/VP8`, ... (case-insensitive on compare). */
  mimeType: string;
  clockRate: number;
  channels?: number;
  /** fmtp parameters as written in SDP, e.g. `minptime=10;useinbandfec=1`. */
  sdpFmtpLine?: string;
  rtcpFeedback?: RtcpFeedback[];
}

export interface RtpCodecParameters extends RtpCodecCapability {
  payloadType: number;
}

/** Parses `a=fmtp` parameters (`k=v;k2=v2`) into a map with lower-case keys. */
export function parseFmtpParameters(line: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!line) return out;
  for (const part of line.split(';')) {
    const [k, v] = part.split('=', 2);
    if (k && k.trim()) out.set(k.trim().toLowerCase(), (v ?? '').trim());
  }
  return out;
}

export type H264Profile =
  | 'constrained-baseline'
  | 'baseline'
  | 'main'
  | 'constrained-high'
  | 'high'
  | 'predictive-high-444'
  | 'unknown';

/**
 * The H.264 profile named by a `profile-level-id` (RFC 6184 §8.1): profile_idc
 * plus the constraint flags of profile-iop. 42e01f and 42001f are both
 * constrained baseline only if constraint_set1 is set, as libwebrtc decides.
 */
export function h264Profile(profileLevelId: string | undefined): H264Profile {
  const id = profileLevelId ?? '420010';
  if (!/^[0-9a-fA-F]{6}$/.test(id)) return 'unknown';
  const idc = parseInt(id.slice(0, 2), 16);
  const iop = parseInt(id.slice(2, 4), 16);
  const cs0 = (iop & 0x80) !== 0;
  const cs1 = (iop & 0x40) !== 0;
  const cs3 = (iop & 0x10) !== 0;
  switch (idc) {
    case 0x42:
      return cs1 ? 'constrained-baseline' : 'baseline';
    case 0x4d:
      return cs0 ? 'constrained-baseline' : 'main';
    case 0x58:
      return cs0 && cs1 ? 'constrained-baseline' : cs0 ? 'baseline' : 'unknown';
    case 0x64:
      return (iop & 0x0c) === 0x0c && !cs3 ? 'constrained-high' : 'high';
    case 0xf4:
      return 'predictive-high-444';
    default:
      return 'unknown';
  }
}

function sameCodecName(a: RtpCodecCapability, b: RtpCodecCapability): boolean {
  return a.mimeType.toLowerCase() === b.mimeType.toLowerCase() && a.clockRate === b.clockRate;
}

function channelsOf(c: RtpCodecCapability): number {
  return c.channels ?? 1;
}

/**
 * Whether two codecs are the same codec with compatible parameters. RTX is
 * matched on its name here; its `apt` is resolved by the caller.
 */
export function codecsMatch(local: RtpCodecCapability, remote: RtpCodecCapability): boolean {
  if (!sameCodecName(local, remote)) return false;
  const mime = local.mimeType.toLowerCase();
  if (mime.startsWith('audio/') && channelsOf(local) !== channelsOf(remote)) return false;
  // Only these codecs have parameters that decide a match; identical fmtp lines always match.
  if (mime !== 'video/h264' && mime !== 'video/vp9' && mime !== 'video/av1') return true;
  if ((local.sdpFmtpLine ?? '') === (remote.sdpFmtpLine ?? '')) return true;
  const lp = parseFmtpParameters(local.sdpFmtpLine);
  const rp = parseFmtpParameters(remote.sdpFmtpLine);
  switch (mime) {
    case 'video/h264':
      return (
        (lp.get('packetization-mode') ?? '0') === (rp.get('packetization-mode') ?? '0') &&
        h264Profile(lp.get('profile-level-id')) === h264Profile(rp.get('profile-level-id'))
      );
    case 'video/vp9':
      return (lp.get('profile-id') ?? '0') === (rp.get('profile-id') ?? '0');
    default:
      return (lp.get('profile') ?? '0') === (rp.get('profile') ?? '0');
  }
}

export function isRtx(c: RtpCodecCapability): boolean {
  return c.mimeType.toLowerCase().endsWith('/rtx');
}

/** The `apt` (associated payload type) of an RTX codec. */
export function rtxApt(c: RtpCodecCapability): number | undefined {
  // The same answer as parseFmtpParameters(...).get('apt') as a number, without building the map
  // (called for every RTX codec on every negotiation and routing decision).
  const m = c.sdpFmtpLine === undefined ? null : APT.exec(c.sdpFmtpLine);
  return m ? Number(m[1]) : undefined;
}

/** `apt=<digits>` as a whole parameter of an fmtp line (keys are case-insensitive, spaces allowed). */
const APT = /(?:^|;)\s*apt\s*=\s*(\d+)\s*(?:;|$)/i;
