import { Candidate, candidateFoundation } from '../candidate/index.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import { MAX_LOCAL_PRFLX } from './agent-config.js';
import type { LocalCandidateEntry } from './candidate-pair.js';

/**
 * The agent's local candidates by base: every announced candidate, the one
 * per base the check list pairs (its host or relay candidate; srflx ones are
 * checked from their base, RFC 8445 §6.1.2.4), and the peer-reflexive ones
 * learned from responses (bounded).
 */
export class LocalCandidates {
  readonly #all: LocalCandidateEntry[] = [];
  readonly #pairable = new Map<number, LocalCandidateEntry>();
  readonly #prflx: Candidate[] = [];

  /** Registers a candidate; returns its entry when it became its base's pairable candidate. */
  add(candidate: Candidate, baseId: number, base: TransportAddress, pairable: boolean): LocalCandidateEntry | undefined {
    if (this.#all.some((l) => l.baseId === baseId && l.candidate.key === candidate.key)) return undefined;
    const entry: LocalCandidateEntry = { candidate, baseId, base };
    this.#all.push(entry);
    if (!pairable || this.#pairable.has(baseId)) return undefined;
    this.#pairable.set(baseId, entry);
    return entry;
  }

  /** Forgets announced candidates that are not their base's pairable one (e.g. stale server-reflexive ones). */
  removeUnpaired(keys: ReadonlySet<string>): void {
    for (let i = this.#all.length - 1; i >= 0; i--) {
      const e = this.#all[i]!;
      if (keys.has(e.candidate.key) && this.#pairable.get(e.baseId) !== e) this.#all.splice(i, 1);
    }
  }

  removeBase(baseId: number): void {
    for (let i = this.#all.length - 1; i >= 0; i--) if (this.#all[i]!.baseId === baseId) this.#all.splice(i, 1);
    this.#pairable.delete(baseId);
  }

  get all(): readonly LocalCandidateEntry[] {
    return this.#all;
  }

  pairable(baseId: number): LocalCandidateEntry | undefined {
    return this.#pairable.get(baseId);
  }

  pairables(): IterableIterator<LocalCandidateEntry> {
    return this.#pairable.values();
  }

  /** Is `address` one of the local candidates of `baseId`, the base itself, or a known local prflx? */
  isKnown(baseId: number, address: TransportAddress): boolean {
    for (const l of this.#all) {
      if (l.baseId !== baseId) continue;
      if (l.candidate.address === address.address && l.candidate.port === address.port) return true;
      if (l.base.address === address.address && l.base.port === address.port) return true;
    }
    return this.#prflx.some((c) => c.address === address.address && c.port === address.port);
  }

  addPrflx(candidate: Candidate): void {
    if (this.#prflx.length >= MAX_LOCAL_PRFLX) this.#prflx.shift();
    this.#prflx.push(candidate);
  }

  get prflx(): readonly Candidate[] {
    return this.#prflx;
  }

  clearPrflx(): void {
    this.#prflx.length = 0;
  }

  /** The base's bound address, for traces. */
  baseLabel(baseId: number): string {
    const a = this.#all.find((l) => l.baseId === baseId)?.base;
    return a ? formatAddress(a) : `base ${baseId}`;
  }
}

/** RFC 8445 §7.3.1.3: the peer-reflexive candidate learned from an inbound check on `base`. */
export function remotePrflxCandidate(base: LocalCandidateEntry | undefined, from: TransportAddress, priority: number): Candidate {
  const transport = base?.candidate.transport ?? 'udp';
  return new Candidate({
    foundation: candidateFoundation({ type: 'prflx', baseAddress: from.address, transport }),
    component: 1,
    transport,
    priority,
    address: from.address,
    port: from.port,
    type: 'prflx',
    ...(transport === 'tcp' ? { tcpType: base?.candidate.tcpType === 'active' ? 'passive' : 'active' } : {}),
  });
}

export function tcpTypesMatch(local: string | undefined, remote: string | undefined): boolean {
  // RFC 6544 §6.2: active pairs with passive, passive with active, so with so.
  if (local === 'active') return remote === 'passive';
  if (local === 'passive') return remote === 'active';
  if (local === 'so') return remote === 'so';
  return false;
}

