import { InvalidArgumentError } from '../common/errors.js';
import { codecsMatch, isRtx, rtxApt, type MediaKind, type RtcpFeedback, type RtpCodecParameters } from './codec.js';

/** Header extension URIs tern-rtc understands. */
export const HeaderExtensionUri = {
  Mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  RtpStreamId: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  RepairedRtpStreamId: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  AbsSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  TransportWideCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  AudioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
} as const;

export interface RtpHeaderExtensionCapability {
  uri: string;
  id: number;
  kinds: readonly MediaKind[];
}

const VIDEO_FEEDBACK: RtcpFeedback[] = [
  { type: 'goog-remb' },
  { type: 'transport-cc' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
];

function video(payloadType: number, mime: string, fmtp?: string): RtpCodecParameters {
  return {
    payloadType,
    mimeType: `video/${mime}`,
    clockRate: 90000,
    rtcpFeedback: VIDEO_FEEDBACK,
    ...(fmtp !== undefined ? { sdpFmtpLine: fmtp } : {}),
  };
}

function rtx(payloadType: number, apt: number): RtpCodecParameters {
  return { payloadType, mimeType: 'video/rtx', clockRate: 90000, sdpFmtpLine: `apt=${apt}` };
}

/** Pion's default codec table (payload types as in pion/webrtc's RegisterDefaultCodecs). */
export const DEFAULT_AUDIO_CODECS: readonly RtpCodecParameters[] = [
  { payloadType: 111, mimeType: 'audio/opus', clockRate: 48000, channels: 2, sdpFmtpLine: 'minptime=10;useinbandfec=1', rtcpFeedback: [{ type: 'transport-cc' }] },
  { payloadType: 9, mimeType: 'audio/G722', clockRate: 8000 },
  { payloadType: 0, mimeType: 'audio/PCMU', clockRate: 8000 },
  { payloadType: 8, mimeType: 'audio/PCMA', clockRate: 8000 },
];

export const DEFAULT_VIDEO_CODECS: readonly RtpCodecParameters[] = [
  video(96, 'VP8'),
  rtx(97, 96),
  video(98, 'VP9', 'profile-id=0'),
  rtx(99, 98),
  video(100, 'VP9', 'profile-id=1'),
  rtx(101, 100),
  video(102, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f'),
  rtx(121, 102),
  video(127, 'H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f'),
  rtx(120, 127),
  video(125, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'),
  rtx(107, 125),
  video(108, 'H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f'),
  rtx(109, 108),
  video(123, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032'),
  rtx(118, 123),
  video(41, 'AV1'),
  rtx(42, 41),
];

/**
 * Redundancy codecs (RFC 2198 RED, with RTX for video RED and ULPFEC),
 * registered with {@link MediaEngine.registerRedundancyCodecs}. They are not
 * in the defaults: once negotiated, browsers wrap media in RED, and a plain
 * forwarder must then forward RED as RED.
 */
export const REDUNDANCY_CODECS: Readonly<Record<MediaKind, readonly RtpCodecParameters[]>> = {
  audio: [{ payloadType: 63, mimeType: 'audio/red', clockRate: 48000, channels: 2, sdpFmtpLine: '111/111' }],
  video: [{ payloadType: 116, mimeType: 'video/red', clockRate: 90000 }, rtx(117, 116), { payloadType: 115, mimeType: 'video/ulpfec', clockRate: 90000 }],
};

export const DEFAULT_HEADER_EXTENSIONS: readonly RtpHeaderExtensionCapability[] = [
  { uri: HeaderExtensionUri.Mid, id: 4, kinds: ['audio', 'video'] },
  { uri: HeaderExtensionUri.RtpStreamId, id: 10, kinds: ['video'] },
  { uri: HeaderExtensionUri.RepairedRtpStreamId, id: 11, kinds: ['video'] },
  { uri: HeaderExtensionUri.AbsSendTime, id: 2, kinds: ['audio', 'video'] },
  { uri: HeaderExtensionUri.TransportWideCc, id: 3, kinds: ['audio', 'video'] },
  { uri: HeaderExtensionUri.AudioLevel, id: 1, kinds: ['audio'] },
];

/**
 * The codecs and header extensions this endpoint supports (Pion's
 * MediaEngine). Negotiation matches a remote description against it and
 * keeps the remote payload types.
 */
export class MediaEngine {
  readonly #codecs: Record<MediaKind, RtpCodecParameters[]> = { audio: [], video: [] };
  readonly #extensions: RtpHeaderExtensionCapability[] = [];

  /** A MediaEngine with Opus, G.722, PCMU/PCMA, VP8, VP9, H.264, AV1 with RTX, and the usual extensions. */
  static withDefaults(): MediaEngine {
    const e = new MediaEngine();
    e.registerDefaultCodecs();
    for (const x of DEFAULT_HEADER_EXTENSIONS) e.registerHeaderExtension(x.uri, x.kinds, x.id);
    return e;
  }

  registerDefaultCodecs(): void {
    for (const c of DEFAULT_AUDIO_CODECS) this.registerCodec(c, 'audio');
    for (const c of DEFAULT_VIDEO_CODECS) this.registerCodec(c, 'video');
  }

  /** Adds RED (audio and video), its RTX and ULPFEC. */
  registerRedundancyCodecs(): void {
    for (const c of REDUNDANCY_CODECS.audio) this.registerCodec(c, 'audio');
    for (const c of REDUNDANCY_CODECS.video) this.registerCodec(c, 'video');
  }

  registerCodec(codec: RtpCodecParameters, kind: MediaKind): void {
    if (!Number.isInteger(codec.payloadType) || codec.payloadType < 0 || codec.payloadType > 127) {
      throw new InvalidArgumentError(`payload type must be 0..127, got ${codec.payloadType}`);
    }
    if (!/^(audio|video)\/[\w.-]+$/i.test(codec.mimeType)) throw new InvalidArgumentError(`bad mime type ${codec.mimeType}`);
    const list = this.#codecs[kind];
    const existing = list.findIndex((c) => c.payloadType === codec.payloadType);
    if (existing >= 0) list[existing] = { ...codec };
    else list.push({ ...codec });
  }

  registerHeaderExtension(uri: string, kinds: readonly MediaKind[], id?: number): void {
    const existing = this.#extensions.find((x) => x.uri === uri);
    if (existing) {
      this.#extensions[this.#extensions.indexOf(existing)] = { uri, id: existing.id, kinds: [...new Set([...existing.kinds, ...kinds])] };
      return;
    }
    const used = new Set(this.#extensions.map((x) => x.id));
    let chosen = id;
    if (chosen === undefined || used.has(chosen)) {
      chosen = 1;
      while (used.has(chosen)) chosen++;
    }
    if (chosen > 14) throw new InvalidArgumentError('no one-byte header extension id left (1..14)');
    this.#extensions.push({ uri, id: chosen, kinds: [...kinds] });
  }

  getCodecs(kind: MediaKind): readonly RtpCodecParameters[] {
    return this.#codecs[kind];
  }

  getHeaderExtensions(kind: MediaKind): readonly RtpHeaderExtensionCapability[] {
    return this.#extensions.filter((x) => x.kinds.includes(kind));
  }

  /**
   * The remote codecs we support, in the remote's order and with the
   * remote's payload types (RFC 9429 §5.3.1). RTX is kept only when its
   * `apt` names a kept codec.
   */
  negotiateCodecs(kind: MediaKind, remote: readonly RtpCodecParameters[]): RtpCodecParameters[] {
    const local = this.#codecs[kind];
    const kept: RtpCodecParameters[] = [];
    for (const r of remote) {
      if (isRtx(r)) continue;
      const match = local.find((l) => !isRtx(l) && codecsMatch(l, r));
      if (!match) continue;
      const rtcpFeedback = intersectFeedback(match.rtcpFeedback, r.rtcpFeedback);
      kept.push(sameCodec(match, r, rtcpFeedback) ? match : { ...r, rtcpFeedback });
    }
    const keptPts = new Set(kept.map((c) => c.payloadType));
    const hasLocalRtx = local.some(isRtx);
    for (const r of remote) {
      if (!isRtx(r) || !hasLocalRtx) continue;
      const apt = rtxApt(r);
      if (apt === undefined || !keptPts.has(apt)) continue;
      const same = local.find((l) => isRtx(l) && sameCodec(l, r, r.rtcpFeedback ?? []));
      kept.push(same ?? { ...r });
    }
    return kept;
  }

  /** Remote header extensions we support, keeping the remote ids. */
  negotiateHeaderExtensions(kind: MediaKind, remote: readonly { id: number; uri: string }[]): { id: number; uri: string }[] {
    const ours = new Set(this.getHeaderExtensions(kind).map((x) => x.uri));
    return remote.filter((x) => ours.has(x.uri)).map((x) => ({ id: x.id, uri: x.uri }));
  }
}

let sharedDefaults: MediaEngine | undefined;

/**
 * The engine a peer connection uses when it is given none: built once per
 * process and shared, since negotiation only reads an engine and nothing
 * registers into this one (it is not reachable from the public API). Saves
 * the default codec and extension tables, ≈ 3 KiB, per connection.
 */
export function defaultMediaEngine(): MediaEngine {
  if (sharedDefaults === undefined) {
    sharedDefaults = MediaEngine.withDefaults();
    // Negotiated codecs may be these very objects (see negotiateCodecs): nothing may change them.
    for (const kind of ['audio', 'video'] as const) {
      for (const c of sharedDefaults.getCodecs(kind)) {
        if (c.rtcpFeedback) Object.freeze(c.rtcpFeedback);
        Object.freeze(c);
      }
    }
  }
  return sharedDefaults;
}

/**
 * True when the remote codec says exactly what our `local` one does, same
 * payload type included, and keeps all of its feedback: the negotiated codec
 * can then be our own object, shared by every connection, instead of a copy
 * per connection (most peers, and every tern peer, use our payload types).
 */
function sameCodec(local: RtpCodecParameters, remote: RtpCodecParameters, feedback: readonly RtcpFeedback[]): boolean {
  if (local.payloadType !== remote.payloadType || local.clockRate !== remote.clockRate) return false;
  if (local.mimeType.toLowerCase() !== remote.mimeType.toLowerCase()) return false;
  if ((local.channels ?? 1) !== (remote.channels ?? 1) || (local.sdpFmtpLine ?? '') !== (remote.sdpFmtpLine ?? '')) return false;
  const lf = local.rtcpFeedback ?? [];
  return feedback.length === lf.length && feedback.every((f, i) => f === lf[i]);
}

/**
 * The remote's feedback that we also support, in the remote's order. The
 * entries are our own (equal by value) rather than the remote's, so a
 * negotiated codec does not keep objects (and substrings of the remote SDP)
 * alive per connection.
 */
function intersectFeedback(local: RtcpFeedback[] | undefined, remote: RtcpFeedback[] | undefined): RtcpFeedback[] {
  const out: RtcpFeedback[] = [];
  if (!local || !remote) return out;
  for (const r of remote) {
    const l = local.find((x) => x.type === r.type && (x.parameter ?? '') === (r.parameter ?? ''));
    if (l) out.push(l);
  }
  return out;
}
