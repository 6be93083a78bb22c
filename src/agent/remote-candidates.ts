import type { Candidate } from '../candidate/index.js';

export function remoteKey(transport: string, address: string, port: number): string {
  return `${transport}|${address}|${port}`;
}

/**
 * Remote candidates by transport address, bounded (RFC 8445 leaves the
 * bound to the implementation): when full, the oldest peer-reflexive
 * candidate not in use gives way; signalled candidates are never evicted
 * by peer-reflexive ones.
 */
export class RemoteCandidates {
  readonly #byKey = new Map<string, Candidate>();
  /** Peer-reflexive keys in arrival order (oldest first). */
  readonly #prflx: string[] = [];
  #endOfCandidates = false;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.#byKey.size;
  }

  get prflxCount(): number {
    return this.#prflx.length;
  }

  get endOfCandidates(): boolean {
    return this.#endOfCandidates;
  }

  set endOfCandidates(v: boolean) {
    this.#endOfCandidates = v;
  }

  get(transport: string, address: string, port: number): Candidate | undefined {
    return this.#byKey.get(remoteKey(transport, address, port));
  }

  values(): IterableIterator<Candidate> {
    return this.#byKey.values();
  }

  /**
   * Adds a candidate. Returns `{ added }` with the candidate now stored, the
   * one it replaced (a prflx superseded by the signalled candidate of the same
   * address, RFC 8445 §7.3.1.3), and any prflx evicted to make room.
   */
  add(
    c: Candidate,
    inUse: (key: string) => boolean,
  ): { stored: Candidate | undefined; replaced: Candidate | undefined; evicted: Candidate | undefined } {
    const key = remoteKey(c.transport, c.address, c.port);
    const existing = this.#byKey.get(key);
    if (existing) {
      const pi = c.type !== 'prflx' ? this.#prflx.indexOf(key) : -1;
      if (pi >= 0) {
        this.#prflx.splice(pi, 1);
        this.#byKey.set(key, c);
        return { stored: c, replaced: existing, evicted: undefined };
      }
      return { stored: undefined, replaced: undefined, evicted: undefined };
    }
    let evicted: Candidate | undefined;
    if (this.#byKey.size >= this.max) {
      for (let i = 0; i < this.#prflx.length; i++) {
        const k = this.#prflx[i]!;
        if (inUse(k)) continue;
        evicted = this.#byKey.get(k);
        this.#prflx.splice(i, 1);
        this.#byKey.delete(k);
        break;
      }
      if (!evicted) return { stored: undefined, replaced: undefined, evicted: undefined };
    }
    this.#byKey.set(key, c);
    if (c.type === 'prflx') this.#prflx.push(key);
    return { stored: c, replaced: undefined, evicted };
  }

  clear(): void {
    this.#byKey.clear();
    this.#prflx.length = 0;
    this.#endOfCandidates = false;
  }
}
