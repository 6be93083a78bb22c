import type { Clock } from '../common/clock.js';
import type { Rng } from '../common/rng.js';
import type { IceServerUri } from '../stun/uri.js';
import type { Net, TransportAddress, UdpSocket } from '../transport/net.js';

/**
 * A TURN allocation seen as a UDP socket: `localAddress` is the relayed
 * transport address (RFC 8656 §2), `send(data, peer)` relays to a peer and
 * `onMessage` receives what peers sent to the relayed address. The ICE agent
 * treats it like any other socket for its relay candidate.
 */
export interface RelayedSocket extends UdpSocket {
  /** XOR-MAPPED-ADDRESS from the Allocate response (the client's server-reflexive address). */
  readonly mappedAddress: TransportAddress | undefined;
  /** The TURN server's transport address. */
  readonly serverAddress: TransportAddress;
  /** RFC 8656 §9: installs a permission for the peer's IP (also done implicitly on the first send). */
  createPermission(peer: TransportAddress): Promise<void>;
  /** RFC 8656 §12: binds a channel to the peer, so data goes as 4-byte-header ChannelData. */
  bindChannel(peer: TransportAddress): Promise<void>;
  /**
   * Called once when the allocation ends: with a `TurnError` when it was lost
   * (refresh failed, server gone, TCP/TLS connection closed), without an
   * argument after `close()`. Called at once when it has already ended.
   */
  onClose(handler: (error?: Error) => void): void;
}

export interface RelayFactoryOptions {
  server: IceServerUri;
  username: string;
  credential: string;
  net: Net;
  clock: Clock;
  rng: Rng;
  /** Local address to bind (UDP) or dial from (TCP/TLS). */
  localAddress: string;
}

/** Creates a TURN allocation; the ICE agent calls it for each `turn:`/`turns:` server. */
export interface RelayFactory {
  (options: RelayFactoryOptions): Promise<RelayedSocket>;
}
