import type { DropCounter } from '../common/drop-counter.js';
import { InvalidArgumentError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { StunRetransmitConfig } from '../stun/transaction-core.js';
import type { TransportAddress } from '../transport/net.js';
import type { TurnError } from './errors.js';

/** Configuration, events and outputs of the sans-IO TURN client (`TurnClientCore`). */

export type TurnTransportKind = 'udp' | 'tcp' | 'tls';
export type TurnClientState = 'new' | 'allocating' | 'allocated' | 'closing' | 'closed' | 'failed';

export interface TurnClientCoreConfig {
  /** Where requests go (the resolved TURN server address). */
  server: TransportAddress;
  username: string;
  password: string;
  rng: Rng;
  /** 'udp' retransmits (RFC 8489 §6.2.1); 'tcp'/'tls' send once (§6.2.2) and pad ChannelData (RFC 8656 §12.5). */
  transport?: TurnTransportKind;
  /** LIFETIME asked for in Allocate and Refresh (server default when absent, RFC 8656 §7.2: 600 s). */
  lifetimeSec?: number;
  /** Relayed address family (RFC 8656 §7.1 REQUESTED-ADDRESS-FAMILY); IPv4 by default. */
  family?: 4 | 6;
  /** SOFTWARE attribute of Allocate requests (RFC 8656 §7.1 SHOULD); `false` to omit. */
  software?: string | false;
  maxPermissions?: number;
  maxChannels?: number;
  /** Datagrams kept per peer while its permission is pending. */
  maxQueuedPerPeer?: number;
  /** Bind a channel after this many datagrams to one peer; 0 never binds automatically. */
  autoChannelBindAfter?: number;
  retransmit?: StunRetransmitConfig;
  /** Prefix of this client's log lines. */
  logPrefix?: string;
  /** Where dropped input is counted (shared with the driver's link); a new counter when absent. */
  drops?: DropCounter;
}

/** Control events of the allocation, pulled with {@link TurnClientCore.pollEvent}. */
export type TurnClientEvent =
  | { type: 'allocated'; relayed: TransportAddress; mapped: TransportAddress | undefined; lifetimeSec: number }
  | { type: 'refreshed'; lifetimeSec: number }
  /** A permission was installed (no `error`) or could not be (first request only). */
  | { type: 'permission'; address: string; error?: TurnError }
  /** A channel was bound (no `error`) or could not be (first request only). */
  | { type: 'channel'; peer: TransportAddress; channel: number; error?: TurnError }
  /** The allocation failed or was lost; the client is in state 'failed'. */
  | { type: 'failed'; error: TurnError }
  /** The closing Refresh (LIFETIME 0) finished or gave up; the client is in state 'closed'. */
  | { type: 'closed' };

/** Application data received from a peer through the relay. `data` may be a view into the input. */
export interface TurnInboundData {
  readonly peer: TransportAddress;
  readonly data: Buffer;
}

/** Throws InvalidArgumentError for out-of-range settings. */
export function validateTurnClientConfig(config: TurnClientCoreConfig): void {
  const positiveInt = (name: string, v: number | undefined, min: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    }
  };
  positiveInt('lifetimeSec', config.lifetimeSec, 1);
  positiveInt('maxPermissions', config.maxPermissions, 1);
  positiveInt('maxChannels', config.maxChannels, 1);
  positiveInt('maxQueuedPerPeer', config.maxQueuedPerPeer, 1);
  positiveInt('autoChannelBindAfter', config.autoChannelBindAfter, 0);
  if (config.family !== undefined && config.family !== 4 && config.family !== 6) {
    throw new InvalidArgumentError('family must be 4 or 6');
  }
}
