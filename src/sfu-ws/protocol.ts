import type { RTCIceCandidateInit } from '../peerconnection/types.js';

/**
 * The websocket signalling of the SFU, one JSON object per text message.
 * The server is always the offerer (as in Pion's sfu-ws): it offers when a
 * peer joins and again whenever the set of tracks forwarded to that peer
 * changes; the browser only answers and trickles candidates.
 */
export type SfuServerMessage =
  | { type: 'offer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit | null }
  | { type: 'error'; message: string };

export type SfuClientMessage = { type: 'answer'; sdp: string } | { type: 'candidate'; candidate: RTCIceCandidateInit | null };

/** Largest signalling message accepted (an SDP with many m-sections stays far below). */
export const MAX_SIGNAL_BYTES = 256 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one message from a browser; undefined for anything malformed (the caller counts and drops it). */
export function parseClientMessage(text: string): SfuClientMessage | undefined {
  if (text.length > MAX_SIGNAL_BYTES) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v)) return undefined;
  if (v['type'] === 'answer') return typeof v['sdp'] === 'string' ? { type: 'answer', sdp: v['sdp'] } : undefined;
  if (v['type'] !== 'candidate') return undefined;
  const c = v['candidate'];
  if (c === null || c === undefined) return { type: 'candidate', candidate: null };
  if (!isRecord(c) || typeof c['candidate'] !== 'string') return undefined;
  const candidate: RTCIceCandidateInit = { candidate: c['candidate'] };
  if (typeof c['sdpMid'] === 'string' || c['sdpMid'] === null) candidate.sdpMid = c['sdpMid'];
  if (typeof c['sdpMLineIndex'] === 'number' || c['sdpMLineIndex'] === null) candidate.sdpMLineIndex = c['sdpMLineIndex'];
  if (typeof c['usernameFragment'] === 'string' || c['usernameFragment'] === null) candidate.usernameFragment = c['usernameFragment'];
  return { type: 'candidate', candidate };
}
