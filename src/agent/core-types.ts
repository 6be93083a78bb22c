import type { Candidate } from '../candidate/index.js';
import type { DropCounter } from '../common/drop-counter.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import type { TransportAddress } from '../transport/net.js';
import type { IceConnectionState, IceCoreConfig, IceRole } from './agent-config.js';
import type { CandidatePairInfo } from './candidate-pair.js';

/** A datagram the driver must send from base `baseId` to `to`. */
export interface IceTransmit {
  readonly baseId: number;
  readonly to: TransportAddress;
  readonly data: Buffer;
}

export type IceCoreEvent =
  | { readonly type: 'state'; readonly state: IceConnectionState }
  | { readonly type: 'selected-pair'; readonly pair: CandidatePairInfo }
  | { readonly type: 'role'; readonly role: IceRole }
  | { readonly type: 'local-prflx'; readonly candidate: Candidate; readonly baseId: number }
  | { readonly type: 'remote-prflx'; readonly candidate: Candidate }
  /** Result of `IceAgentCore.gatherSrflx`: `mapped` undefined when the server did not answer in time. */
  | { readonly type: 'srflx'; readonly requestId: number; readonly baseId: number; readonly server: TransportAddress; readonly mapped: TransportAddress | undefined };

export interface IceCoreCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

export interface IceAgentCoreOptions {
  config: IceCoreConfig;
  rng: Rng;
  localUfrag?: string;
  localPwd?: string;
  tieBreaker?: bigint;
  log?: ScopedLogger;
  drops?: DropCounter;
}
