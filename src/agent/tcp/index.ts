export { Rfc4571Framer, frameRfc4571, RFC4571_MAX_FRAME_BYTES } from './rfc4571-framer.js';
export type { Rfc4571FramerOptions } from './rfc4571-framer.js';
export { FramedTcpConnection, tcpKey, DEFAULT_MAX_PENDING_WRITE_BYTES } from './framed-tcp-connection.js';
export { TcpPassiveSocket, DEFAULT_MAX_PASSIVE_CONNECTIONS } from './tcp-passive-socket.js';
export type { TcpSocketContext } from './tcp-passive-socket.js';
export { TcpActiveSocket, TCP_ACTIVE_DISCARD_PORT, DEFAULT_MAX_ACTIVE_CONNECTIONS, DEFAULT_TCP_CONNECT_TIMEOUT_MS } from './tcp-active-socket.js';
export { gatherTcpCandidates, listenTcpInRange, wantsTcp } from './tcp-gatherer.js';
