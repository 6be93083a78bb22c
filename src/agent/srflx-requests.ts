import type { TransportAddress } from '../transport/net.js';

/** One Binding request to a STUN server, waiting for the server-reflexive address. */
export interface SrflxRequest {
  readonly id: number;
  readonly baseId: number;
  readonly server: TransportAddress;
  /** Absolute time (ms) after which the request is given up (stunGatherTimeoutMs). */
  readonly deadline: number;
  /** The STUN transaction carrying it (hex id). */
  readonly txKey: string;
}

/** The agent's pending server-reflexive requests (RFC 8445 §5.1.1.1), each with its own deadline. */
export class SrflxRequests {
  #pending: SrflxRequest[] = [];
  #nextId = 1;

  /** Records a request; returns its id (what the 'srflx' event answers). */
  add(baseId: number, server: TransportAddress, deadline: number, txKey: string): number {
    const id = this.#nextId++;
    this.#pending.push({ id, baseId, server, deadline, txKey });
    return id;
  }

  /** Forgets a request; false when it was not pending. */
  remove(id: number): boolean {
    const i = this.#pending.findIndex((r) => r.id === id);
    if (i < 0) return false;
    this.#pending.splice(i, 1);
    return true;
  }

  /** The requests whose deadline has passed, removed from the pending ones. */
  takeExpired(now: number): SrflxRequest[] {
    const expired = this.#pending.filter((r) => now >= r.deadline);
    if (expired.length) this.#pending = this.#pending.filter((r) => now < r.deadline);
    return expired;
  }

  /** The earliest deadline, Infinity when none is pending. */
  nextDeadline(): number {
    let t = Infinity;
    for (const r of this.#pending) t = Math.min(t, r.deadline);
    return t;
  }

  clear(): void {
    this.#pending = [];
  }
}
