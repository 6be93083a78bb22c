import type { RTCIceCandidateInit, RTCIceServer } from '../index.js';

/**
 * The websocket signalling of the SFU: one JSON object per text message.
 *
 * A client first sends `join` with the single-use token it got from
 * `POST /rooms/:room/join`; the server answers `joined` and then offers
 * (it is always the offerer, as in Pion's sfu-ws), again whenever the set
 * of tracks forwarded to the client changes. A server candidate is only
 * sent after the offer it belongs to; client candidates that arrive before
 * the answer is applied are queued.
 */
export type SfuServerMessage =
  | { type: 'joined'; room: string; peerId: string; role: SfuRole; peers: SfuPeerInfo[] }
  | { type: 'peers'; peers: SfuPeerInfo[] }
  | { type: 'offer'; sdp: string }
  | { type: 'answer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit | null }
  | { type: 'layer'; trackId: string; rid: string }
  | { type: 'removed'; reason: string }
  | { type: 'shutdown' }
  /**
   * Cluster: the room runs on another node. Connect a websocket to `url` and
   * send `{type:'join', token}` with this fresh single-use token (the one
   * this connection used is spent). The server closes this websocket after it.
   */
  | { type: 'redirect'; url: string; token: string }
  /** Cluster: the room moved to another node; ask `POST /rooms/:room/join` again and join anew. The websocket closes after it. */
  | { type: 'reconnect'; room: string }
  | { type: 'error'; code: SfuErrorCode; message: string };

export type SfuClientMessage =
  | { type: 'join'; token: string }
  | { type: 'answer'; sdp: string }
  /** The client offers (to publish simulcast, which only an offerer can set up); refused with `glare` while a server offer is out. */
  | { type: 'offer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit | null }
  | { type: 'remove'; peerId: string }
  | { type: 'layer'; trackId: string; rid: string | null }
  | { type: 'leave' };

export type SfuRole = 'host' | 'participant';

/** Who is in the room, and which forwarded stream ids each one publishes. */
export interface SfuPeerInfo {
  id: string;
  role: SfuRole;
  streamId: string;
}

/** Stable codes of `error` messages. */
export const SfuErrorCode = {
  badMessage: 'bad-message',
  rateLimited: 'rate-limited',
  tooManyConnections: 'too-many-connections',
  badToken: 'bad-token',
  roomFull: 'room-full',
  roomGone: 'room-gone',
  forbidden: 'forbidden',
  joinTimeout: 'join-timeout',
  answerTimeout: 'answer-timeout',
  negotiation: 'negotiation-failed',
  glare: 'glare',
  shuttingDown: 'shutting-down',
  /** The room's node cannot be reached right now (a cluster moving the room); retry the join shortly. */
  roomMoving: 'room-moving',
} as const;
export type SfuErrorCode = (typeof SfuErrorCode)[keyof typeof SfuErrorCode];

/** Largest signalling message accepted (an SDP with many m-sections stays far below). */
export const MAX_SIGNAL_BYTES = 256 * 1024;
/** Largest SDP in an answer (the SDP parser's own cap is larger). */
export const MAX_ANSWER_SDP_BYTES = 200 * 1024;
/** Largest ICE candidate line. */
export const MAX_CANDIDATE_BYTES = 1024;
/** Largest id, token, rid or mid string. */
export const MAX_ID_BYTES = 128;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_BYTES;

/** Parses one message from a client; undefined for anything malformed or oversized (the caller counts, replies and drops it). */
export function parseClientMessage(text: string): SfuClientMessage | undefined {
  if (text.length > MAX_SIGNAL_BYTES) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  switch (v['type']) {
    case 'join':
      return shortString(v['token']) ? { type: 'join', token: v['token'] } : undefined;
    case 'answer':
    case 'offer': {
      const sdp = v['sdp'];
      return typeof sdp === 'string' && sdp.length <= MAX_ANSWER_SDP_BYTES ? { type: v['type'], sdp } : undefined;
    }
    case 'candidate':
      return parseCandidate(v['candidate']);
    case 'remove':
      return shortString(v['peerId']) ? { type: 'remove', peerId: v['peerId'] } : undefined;
    case 'layer': {
      const rid = v['rid'];
      if (!shortString(v['trackId']) || !(rid === null || shortString(rid))) return undefined;
      return { type: 'layer', trackId: v['trackId'], rid };
    }
    case 'leave':
      return { type: 'leave' };
    default:
      return undefined;
  }
}

function parseCandidate(c: unknown): SfuClientMessage | undefined {
  if (c === null || c === undefined) return { type: 'candidate', candidate: null };
  if (!isRecord(c) || typeof c['candidate'] !== 'string' || c['candidate'].length > MAX_CANDIDATE_BYTES) return undefined;
  const candidate: RTCIceCandidateInit = { candidate: c['candidate'] };
  const mid = c['sdpMid'];
  if ((typeof mid === 'string' && mid.length <= MAX_ID_BYTES) || mid === null) candidate.sdpMid = mid;
  const index = c['sdpMLineIndex'];
  if ((typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < 1024) || index === null) candidate.sdpMLineIndex = index;
  const ufrag = c['usernameFragment'];
  if ((typeof ufrag === 'string' && ufrag.length <= MAX_ID_BYTES) || ufrag === null) candidate.usernameFragment = ufrag;
  return { type: 'candidate', candidate };
}

/** What `POST /rooms` returns. */
export interface SfuRoomCreated {
  room: string;
  hostLink: string;
  participantLink: string;
  maxParticipants: number;
}

/** What `POST /rooms/:room/join` returns: a single-use token (also this peer's ICE password) and the ICE servers to use. */
export interface SfuJoinGrant {
  room: string;
  token: string;
  expiresInMs: number;
  iceServers: RTCIceServer[];
}
