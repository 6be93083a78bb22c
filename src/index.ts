/**
 * tern-rtc public API. Every export is listed explicitly.
 */
export { TernError, InvalidArgumentError, ClosedError, TimeoutError } from './common/errors.js';
export type { Clock, TimerHandle } from './common/clock.js';
export { SystemClock, systemClock } from './common/clock.js';
export type { Rng } from './common/rng.js';
export { CryptoRng, cryptoRng } from './common/rng.js';
export type { LogScope, LogLevelName, ScopedLogger } from './common/log.js';
export { getLogger, setLogLevel, LOG_SCOPES } from './common/log.js';
export { DropCounter } from './common/drop-counter.js';
export type {
  Net,
  NetInterfaceAddress,
  TransportAddress,
  AddressFamily,
  UdpSocket,
  UdpMessageHandler,
  TcpConnection,
  TcpServer,
  UdpBindOptions,
  TcpListenOptions,
  TcpDialOptions,
  NetErrorCode,
} from './transport/net.js';
export { NetError, formatAddress } from './transport/net.js';
export type { DatagramTransport } from './transport/datagram-transport.js';
export { UdpDatagramTransport } from './transport/udp-datagram-transport.js';
export { SrtpProtectionProfile, DEFAULT_SRTP_PROFILES } from './srtp/protection-profile.js';
export { NodeNet, nodeNet } from './transport/node-net.js';
