export { SfuServer, DEFAULT_SFU_ROOM } from './sfu-server.js';
export type { SfuServerOptions, SfuServerStats } from './sfu-server.js';
export { SfuRoom, KEY_FRAME_REQUEST_INTERVAL_MS } from './sfu-room.js';
export { SfuPeer } from './sfu-peer.js';
export type { SfuPeerEvents } from './sfu-peer.js';
export { parseClientMessage, MAX_SIGNAL_BYTES } from './protocol.js';
export type { SfuClientMessage, SfuServerMessage } from './protocol.js';
