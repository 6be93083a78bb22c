import { FullIntraRequest, GenericNack, PictureLossIndication, ReceiverEstimatedMaxBitrate } from '../rtcp/feedback.js';
import { RawRtcpPacket } from '../rtcp/raw-packet.js';
import { ReceiverReport, SenderReport } from '../rtcp/reports.js';
import { serializeRtcp, type RtcpPacket } from '../rtcp/rtcp-packet.js';
import { ApplicationDefined, Goodbye, SourceDescription } from '../rtcp/sdes-bye-app.js';
import { TransportCcFeedback } from '../rtcp/transport-cc.js';
import { ArgumentRangeError, ArgumentTypeError } from './errors.js';
import type { TrackLocal } from './track-local.js';
import type { RTCIceCandidateInit } from './types.js';

export { MAX_RTP_PACKET_SIZE, checkRtpBytes } from './rtp-checks.js';

/**
 * Argument checks of the peer-connection API: misuse throws a typed error
 * naming the argument at the call (W3C `TypeError` for a wrong type,
 * `RangeError` for what cannot be sent), never a Node error from deep inside
 * and never a silent no-op.
 */

/** The largest compound RTCP packet `writeRTCP` sends (same budget). */
export const MAX_RTCP_PACKET_SIZE = 1460 - 16 - 4;

const RTCP_CLASSES = [
  SenderReport,
  ReceiverReport,
  SourceDescription,
  Goodbye,
  ApplicationDefined,
  GenericNack,
  PictureLossIndication,
  FullIntraRequest,
  ReceiverEstimatedMaxBitrate,
  TransportCcFeedback,
  RawRtcpPacket,
];

/** W3C addIceCandidate's argument: null/undefined (end of candidates) or a checked RTCIceCandidateInit. */
export function checkIceCandidateInit(candidate: unknown): RTCIceCandidateInit | null {
  if (candidate === null || candidate === undefined) return null;
  if (typeof candidate !== 'object') throw new ArgumentTypeError('candidate', `expected an RTCIceCandidateInit or null, got ${typeof candidate}`);
  const c = candidate as Record<string, unknown>;
  if (c['candidate'] !== undefined && typeof c['candidate'] !== 'string') {
    throw new ArgumentTypeError('candidate.candidate', `expected a string, got ${typeof c['candidate']}`);
  }
  if (c['sdpMid'] !== undefined && c['sdpMid'] !== null && typeof c['sdpMid'] !== 'string') {
    throw new ArgumentTypeError('candidate.sdpMid', `expected a string or null, got ${typeof c['sdpMid']}`);
  }
  const index = c['sdpMLineIndex'];
  if (index !== undefined && index !== null && !(Number.isInteger(index) && (index as number) >= 0 && (index as number) <= 0xffff)) {
    throw new ArgumentTypeError('candidate.sdpMLineIndex', 'expected an unsigned short or null');
  }
  if (c['usernameFragment'] !== undefined && c['usernameFragment'] !== null && typeof c['usernameFragment'] !== 'string') {
    throw new ArgumentTypeError('candidate.usernameFragment', `expected a string or null, got ${typeof c['usernameFragment']}`);
  }
  return c as RTCIceCandidateInit;
}

/** addTrack's argument: a local track (TrackLocalStaticRTP, TrackLocalStaticSample or an own TrackLocal). */
export function checkTrackLocal(track: unknown, argument = 'track'): TrackLocal {
  if (typeof track !== 'object' || track === null) throw new ArgumentTypeError(argument, `expected a TrackLocal, got ${track === null ? 'null' : typeof track}`);
  const t = track as Partial<TrackLocal>;
  if (t.kind !== 'audio' && t.kind !== 'video') throw new ArgumentTypeError(`${argument}.kind`, `expected 'audio' or 'video', got ${String(t.kind)}`);
  if (typeof t.bind !== 'function' || typeof t.unbind !== 'function') throw new ArgumentTypeError(argument, 'expected a TrackLocal (bind and unbind methods)');
  if (typeof t.id !== 'string' || typeof t.streamId !== 'string') throw new ArgumentTypeError(`${argument}.id`, 'a TrackLocal has a string id and streamId');
  if (typeof t.codec !== 'object' || t.codec === null || typeof t.codec.mimeType !== 'string') {
    throw new ArgumentTypeError(`${argument}.codec`, 'expected a codec capability with a mimeType');
  }
  return t as TrackLocal;
}

/** writeRTCP's argument, checked and serialized into one compound packet. */
export function serializeRtcpArgument(packets: unknown): Buffer {
  if (!Array.isArray(packets)) throw new ArgumentTypeError('packets', 'expected an array of RTCP packets');
  for (let i = 0; i < packets.length; i++) {
    const p: unknown = packets[i];
    if (!RTCP_CLASSES.some((C) => p instanceof C)) {
      const kind = typeof p === 'object' && p !== null ? String((p as { kind?: unknown }).kind) : typeof p;
      throw new ArgumentTypeError(`packets[${i}]`, `not an RTCP packet this library builds (kind ${kind})`);
    }
  }
  let out: Buffer;
  try {
    out = serializeRtcp(packets as RtcpPacket[]);
  } catch (err) {
    throw new ArgumentRangeError('packets', `cannot be serialized: ${(err as Error).message}`, { cause: err });
  }
  if (out.length > MAX_RTCP_PACKET_SIZE) throw new ArgumentRangeError('packets', `${out.length} bytes, over the ${MAX_RTCP_PACKET_SIZE}-byte limit`);
  return out;
}
