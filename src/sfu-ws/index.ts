/**
 * tern-rtc/sfu-ws: a websocket SFU with rooms, built only on tern-rtc's public API.
 */
export { SfuServer } from './server.js';
export type { SfuServerOptions, SfuMediaOptions } from './config.js';
export { DEFAULT_MAX_PARTICIPANTS, DEFAULT_JOIN_TOKEN_TTL_MS, DEFAULT_JOIN_TIMEOUT_MS, DEFAULT_PING_INTERVAL_MS } from './config.js';
export { parseSfuCli, sfuCliHelp, iceServerFromUrl } from './cli.js';
export type { SfuCliConfig } from './cli.js';
export { SfuRoom, MAX_TRACKS_PER_PARTICIPANT } from './room.js';
export { Participant, DEFAULT_ANSWER_TIMEOUT_MS, MAX_QUEUED_CANDIDATES } from './participant.js';
export type { ParticipantEvents, ParticipantInit, SignalChannel } from './participant.js';
export { Forwarder, DownTrack, MAX_FORWARDED_PACKET, MAX_LAYERS } from './forwarder.js';
export { isKeyFrameStart, KeyFrameRequester, KEY_FRAME_REQUEST_INTERVAL_MS } from './keyframes.js';
export { LayerMeter, BITRATE_WINDOW_MS } from './simulcast.js';
export { LocalRoomDirectory, RoomDirectoryError, randomAlnum } from './room-directory.js';
export type { RoomDirectory, RoomRecord, RoomInit, JoinGrantRecord, LocalRoomDirectoryOptions, RoomDirectoryErrorCode } from './room-directory.js';
export { parseClientMessage, MAX_SIGNAL_BYTES, SfuErrorCode } from './protocol.js';
export type { SfuClientMessage, SfuServerMessage, SfuRole, SfuPeerInfo, SfuRoomCreated, SfuJoinGrant } from './protocol.js';
export type { SfuStats, SfuRoomStats, SfuTrackStats } from './stats.js';
export { prometheusText } from './metrics.js';
export { TokenBucket, AddressCounter } from './limits.js';
