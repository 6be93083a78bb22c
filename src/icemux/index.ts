export { IceMuxServer } from './ice-mux-server.js';
export type { IceMuxStats } from './ice-mux-server.js';
export { IceMuxTransport, MuxUdpSocket, MuxTcpSocket } from './ice-mux-transport.js';
export type { MuxTuple } from './ice-mux-transport.js';
export { IceMuxError } from './errors.js';
export type { IceMuxErrorCode } from './errors.js';
export { peekBindingRequestUfrag } from './stun-username-peek.js';
export type { PeekResult } from './stun-username-peek.js';
export {
  DEFAULT_MAX_UDP_TUPLES_PER_TRANSPORT,
  DEFAULT_MAX_TCP_TUPLES_PER_TRANSPORT,
  DEFAULT_TCP_FIRST_FRAME_TIMEOUT_MS,
  DEFAULT_MUX_TCP_BACKLOG,
} from './ice-mux-types.js';
export type {
  IceMux,
  IceMuxAgent,
  IceMuxServerOptions,
  MuxProtocol,
  MuxTupleEvent,
  MuxTupleRemovedEvent,
  MuxUfragEvent,
  MuxTransportClosedEvent,
  TupleRemovedReason,
  TransportClosedReason,
} from './ice-mux-types.js';
