import type { Candidate } from '../candidate/index.js';
import type { TransportAddress } from '../transport/net.js';
import { CHECK_RTO_MS } from './agent-config.js';

export type CandidatePairState = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

/** A local candidate the core can check from: its announced value and the base it is sent from. */
export interface LocalCandidateEntry {
  readonly candidate: Candidate;
  /** Identifies the socket-like base (host UDP socket, TURN relay, ICE-TCP connection, mux tuple). */
  readonly baseId: number;
  /** The base's own transport address (what the socket is bound to). */
  readonly base: TransportAddress;
}

const TWO_32 = 1n << 32n;

/**
 * RFC 8445 §6.1.2.3: pair priority = 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0),
 * G the controlling agent's candidate priority, D the controlled agent's.
 */
export function pairPriority(controllingPriority: number, controlledPriority: number): bigint {
  const g = BigInt(controllingPriority >>> 0);
  const d = BigInt(controlledPriority >>> 0);
  const min = g < d ? g : d;
  const max = g < d ? d : g;
  return TWO_32 * min + 2n * max + (g > d ? 1n : 0n);
}

/** Read-only view of a pair, as given to users (stats, selected pair). */
export interface CandidatePairInfo {
  readonly id: string;
  readonly local: Candidate;
  readonly remote: Candidate;
  readonly localBaseId: number;
  readonly state: CandidatePairState;
  readonly nominated: boolean;
  readonly priority: bigint;
  readonly requestsSent: number;
  readonly responsesReceived: number;
  readonly requestsReceived: number;
  readonly responsesSent: number;
  /** Round-trip time of the last successful check, if any. */
  readonly rttMs: number | undefined;
  /** Local peer-reflexive address learned from this pair's responses, if it differed from every local candidate. */
  readonly mappedAddress: TransportAddress | undefined;
}

/** A pair in the check list. Mutable, owned by the core. */
export class CandidatePair {
  readonly id: string;
  state: CandidatePairState = 'frozen';
  nominated = false;
  /** Controlled side: USE-CANDIDATE arrived before the pair succeeded (RFC 8445 §7.3.1.5). */
  nominateOnSuccess = false;
  /** Controlling side: a check carrying USE-CANDIDATE is outstanding or done. */
  nominationSent = false;
  /** A queued triggered check must carry USE-CANDIDATE. */
  triggeredUseCandidate = false;
  priority = 0n;
  requestsSent = 0;
  responsesReceived = 0;
  requestsReceived = 0;
  responsesSent = 0;
  rttMs: number | undefined;
  mappedAddress: TransportAddress | undefined;
  /** When the last check on this pair was sent. */
  lastCheckSentMs = -Infinity;
  /** When the first check on this pair was sent (Infinity: never checked). */
  firstCheckSentMs = Infinity;
  /** Outstanding transactions (hex ids) sent on this pair. */
  pendingTx: string[] | undefined;

  /** Forgets one outstanding check. */
  txDone(txKey: string): void {
    const list = this.pendingTx;
    if (!list) return;
    const i = list.indexOf(txKey);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.pendingTx = undefined;
  }
  /** Last time anything authenticated arrived on this pair. */
  lastSeenMs = -Infinity;

  constructor(
    readonly local: LocalCandidateEntry,
    public remote: Candidate,
    readonly foundation: string,
  ) {
    this.id = pairKey(local.baseId, remote.address, remote.port);
  }

  get remoteAddress(): TransportAddress {
    return this.remote;
  }

  /** Recomputes the priority for the agent's current role. */
  updatePriority(controlling: boolean): void {
    const l = this.local.candidate.priority;
    const r = this.remote.priority;
    this.priority = controlling ? pairPriority(l, r) : pairPriority(r, l);
  }

  info(): CandidatePairInfo {
    return {
      id: this.id,
      local: this.local.candidate,
      remote: this.remote,
      localBaseId: this.local.baseId,
      state: this.state,
      nominated: this.nominated,
      priority: this.priority,
      requestsSent: this.requestsSent,
      responsesReceived: this.responsesReceived,
      requestsReceived: this.requestsReceived,
      responsesSent: this.responsesSent,
      rttMs: this.rttMs,
      mappedAddress: this.mappedAddress,
    };
  }

  toString(): string {
    const l = this.local.candidate;
    const r = this.remote;
    return `${l.type} ${fmt(l.address, l.port)} <-> ${r.type} ${fmt(r.address, r.port)}`;
  }
}

export function pairKey(baseId: number, address: string, port: number): string {
  return `${baseId}|${address}|${port}`;
}

function fmt(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** At most this many checks of one pair in flight at once. */
export const MAX_PARALLEL_CHECKS = 2;

/**
 * A pair with a check in flight is re-checked on an inbound request only once
 * that check has gone unanswered for an RTO (RFC 8445 §14.3: 500 ms): in the
 * ordinary crossing of checks nothing extra is sent.
 */
export function recheckDue(pair: CandidatePair, now: number): boolean {
  return (pair.pendingTx?.length ?? 0) < MAX_PARALLEL_CHECKS && now - pair.lastCheckSentMs >= CHECK_RTO_MS;
}
