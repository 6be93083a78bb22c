import type { Candidate } from '../candidate/index.js';
import type { DropCounter } from '../common/drop-counter.js';
import type { IceConnectionState, IceRole } from './agent-config.js';
import type { IceAgentCore } from './agent-core.js';
import type { CandidatePairInfo } from './candidate-pair.js';

/** A snapshot of an agent (W3C RTCIceCandidatePairStats in spirit). */
export interface IceAgentStats {
  readonly state: IceConnectionState;
  readonly role: IceRole;
  readonly localCandidates: readonly Candidate[];
  /** The sockets (bases) candidates are sent from: bound address and kind. */
  readonly localBases: readonly { readonly id: number; readonly address: string; readonly port: number; readonly kind: 'host' | 'relay' }[];
  readonly localPeerReflexive: readonly Candidate[];
  readonly remoteCandidates: readonly Candidate[];
  readonly pairs: readonly CandidatePairInfo[];
  readonly selectedPair: CandidatePairInfo | undefined;
  readonly bytesSent: number;
  readonly packetsSent: number;
  readonly bytesReceived: number;
  readonly packetsReceived: number;
  /** Outstanding STUN transactions (checks, consent, server bindings). */
  readonly pendingTransactions: number;
  /** Dropped input by reason. */
  readonly drops: Readonly<Record<string, number>>;
  readonly droppedTotal: number;
  /** Last authenticated consent response (RFC 7675), clock ms; undefined before selection. */
  readonly consentLastResponseMs: number | undefined;
}

export function buildIceStats(
  core: IceAgentCore,
  localCandidates: readonly Candidate[],
  localBases: IceAgentStats['localBases'],
  drops: DropCounter,
  counters: { bytesSent: number; packetsSent: number; bytesReceived: number; packetsReceived: number },
): IceAgentStats {
  return {
    state: core.state,
    role: core.role,
    localCandidates: [...localCandidates],
    localBases,
    localPeerReflexive: [...core.locals.prflx],
    remoteCandidates: [...core.remotes.values()],
    pairs: core.pairs(),
    selectedPair: core.getSelectedPair(),
    ...counters,
    pendingTransactions: core.txContexts.size,
    drops: drops.toJSON(),
    droppedTotal: drops.total,
    consentLastResponseMs: core.consent.active ? core.consent.lastResponseMs : undefined,
  };
}
