import { InvalidArgumentError, type Clock, type RTCIceServer, type Rng, type SettingEngine } from '../index.js';
import type { RoomDirectory, RoomRecord } from './room-directory.js';

/** Where peer connections get their host candidates. */
export type SfuMediaOptions =
  /** One UDP port and one TCP port (ICE-TCP) for every peer (IceMuxServer). Port 0 picks a free one. */
  | { mode: 'single-port'; address: string; udpPort: number; tcpPort?: number | undefined }
  /** A socket per peer, from the setting engine's port range (if any). */
  | { mode: 'per-peer' };

export interface SfuServerOptions {
  /** Base engine of every peer connection (cloned per peer with that peer's ICE credentials). */
  settingEngine?: SettingEngine;
  /** Default: single-port on 127.0.0.1, ports chosen by the system. */
  media?: SfuMediaOptions;
  /** HTML served at `/`. */
  page?: string | Buffer;
  /** Path of the websocket endpoint. Default `/ws`. */
  path?: string;
  /** Required as `Authorization: Bearer …` by `POST /rooms`. Without it anyone may create rooms and a room's first joiner is host. */
  hostSecret?: string;
  /** Any room name may be joined without an invite (created on first join; first joiner is host). Default: true without a host secret. */
  openRooms?: boolean;
  /** Base of the links `POST /rooms` returns (e.g. `https://sfu.example.com`); default from the request's Host header. */
  publicUrl?: string;
  /** Participant cap per room (default 16). */
  maxParticipants?: number;
  /** Rooms at once (default 1000). */
  maxRooms?: number;
  /** A room created with `POST /rooms` (or placed here by a cluster) is forgotten after staying empty this long (default 10 min). */
  emptyRoomTtlMs?: number;
  /** Lifetime of a join token (default 30 s). */
  joinTokenTtlMs?: number;
  /** A client must send `join` this soon after connecting (default 10 s). */
  joinTimeoutMs?: number;
  /** A client must answer an offer this soon (default 10 s). */
  answerTimeoutMs?: number;
  /** Websocket ping interval; a client that misses one pong is dropped (default 15 s). */
  pingIntervalMs?: number;
  /** Origins allowed to open the websocket, besides the page's own; `undefined`: no check (the localhost demo). */
  allowedOrigins?: string[];
  /** Open websockets per remote address (default 16). */
  maxConnectionsPerAddress?: number;
  /** Messages per second per client, sustained and burst (default 20 and 60). */
  messageRatePerSec?: number;
  messageBurst?: number;
  /** ICE servers handed to clients (and used by the server's peer connections). */
  iceServers?: RTCIceServer[];
  directory?: RoomDirectory;
  /** Shown in `/stats` and `/metrics` (a cluster's node id). Default 'local'. */
  nodeId?: string;
  /**
   * Several nodes on one shared {@link RoomDirectory}: resolves the websocket
   * URL of the node that runs `room` when that is not this server, undefined
   * when it is this one (and throws when the room's node cannot be reached
   * now). A websocket that joins a room running elsewhere is answered
   * `{type:'redirect', url, token}` and closed; rooms placed elsewhere are
   * never run or forgotten here. Default: every room runs here.
   */
  locateRoom?: (room: RoomRecord) => Promise<string | undefined>;
  clock?: Clock;
  rng?: Rng;
}

export type ResolvedSfuOptions = Required<
  Pick<
    SfuServerOptions,
    | 'path'
    | 'openRooms'
    | 'maxParticipants'
    | 'maxRooms'
    | 'joinTokenTtlMs'
    | 'joinTimeoutMs'
    | 'answerTimeoutMs'
    | 'pingIntervalMs'
    | 'maxConnectionsPerAddress'
    | 'messageRatePerSec'
    | 'messageBurst'
    | 'iceServers'
    | 'media'
  >
> &
  SfuServerOptions;

export const DEFAULT_MAX_PARTICIPANTS = 16;
export const DEFAULT_JOIN_TOKEN_TTL_MS = 30_000;
export const DEFAULT_JOIN_TIMEOUT_MS = 10_000;
export const DEFAULT_PING_INTERVAL_MS = 15_000;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16;
export const DEFAULT_MESSAGE_RATE_PER_SEC = 20;
export const DEFAULT_MESSAGE_BURST = 60;

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return v;
}

export function resolveSfuOptions(o: SfuServerOptions): ResolvedSfuOptions {
  const r: ResolvedSfuOptions = {
    ...o,
    path: o.path ?? '/ws',
    openRooms: o.openRooms ?? o.hostSecret === undefined,
    maxParticipants: positiveInt('maxParticipants', o.maxParticipants ?? DEFAULT_MAX_PARTICIPANTS),
    maxRooms: positiveInt('maxRooms', o.maxRooms ?? 1000),
    joinTokenTtlMs: positiveInt('joinTokenTtlMs', o.joinTokenTtlMs ?? DEFAULT_JOIN_TOKEN_TTL_MS),
    joinTimeoutMs: positiveInt('joinTimeoutMs', o.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS),
    answerTimeoutMs: positiveInt('answerTimeoutMs', o.answerTimeoutMs ?? 10_000),
    pingIntervalMs: positiveInt('pingIntervalMs', o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS),
    maxConnectionsPerAddress: positiveInt('maxConnectionsPerAddress', o.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
    messageRatePerSec: positiveInt('messageRatePerSec', o.messageRatePerSec ?? DEFAULT_MESSAGE_RATE_PER_SEC),
    messageBurst: positiveInt('messageBurst', o.messageBurst ?? DEFAULT_MESSAGE_BURST),
    iceServers: o.iceServers ?? [],
    media: o.media ?? { mode: 'single-port', address: '127.0.0.1', udpPort: 0, tcpPort: 0 },
  };
  if (r.hostSecret !== undefined && r.hostSecret.length < 8) throw new InvalidArgumentError('hostSecret must have at least 8 characters');
  return r;
}
