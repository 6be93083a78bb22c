import { isIP } from 'node:net';
import type { Candidate } from '../candidate/index.js';
import type { Clock } from '../common/clock.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import type { DropCounter } from '../common/drop-counter.js';
import type { Net } from '../transport/net.js';
import { nodeNet } from '../transport/node-net.js';
import { MdnsError } from './errors.js';
import { netMdnsSocketFactory } from './mdns-socket.js';
import { DEFAULT_MDNS_QUERY_TIMEOUT_MS, MulticastDns, type MdnsResolver } from './multicast-dns.js';

/** The agent's mDNS settings (IceAgentConfig.mdns has this shape; mdns sits below the agent and does not import it). */
export interface MdnsCandidatesConfig {
  readonly resolve?: boolean;
  readonly publish?: boolean;
  readonly resolver?: MdnsResolver;
  readonly timeoutMs?: number;
}

/** Bound on remembered `.local` originals of resolved remote candidates. */
const MAX_ORIGINALS = 256;
/**
 * Remote `.local` names resolved at once per agent; more are dropped and
 * counted (`mdns-too-many-queries`). Each costs a multicast query (and its
 * retransmissions) on the local link, and the names come from the peer.
 */
export const MAX_MDNS_RESOLUTIONS = 16;

export interface MdnsCandidatesOptions {
  readonly config: MdnsCandidatesConfig | undefined;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: ScopedLogger;
  /** The agent's network: the multicast sockets are opened through it (never around it). */
  readonly net?: Net;
  /** Where skipped remote names are counted. */
  readonly drops?: DropCounter;
}

/**
 * The ICE agent's use of mDNS (draft-ietf-mmusic-mdns-ice-candidates):
 * resolves remote `.local` candidates in the background (RFC 8445 checks
 * never wait for them; an unresolvable one is skipped, peer-reflexive
 * candidates cover the peer meanwhile) and, when publishing, replaces the
 * address of local host candidates in the signalled stream by a generated
 * `<uuid>.local` name while the agent keeps pairing the real address.
 */
export class MdnsCandidates {
  readonly #options: MdnsCandidatesOptions;
  readonly #resolveEnabled: boolean;
  readonly #publishEnabled: boolean;
  #resolver: MdnsResolver | undefined;
  readonly #ownsResolver: boolean;
  // Created when first needed: most agents never publish or resolve a name.
  #published: Set<string> | undefined;
  #originals: Map<string, Candidate> | undefined;
  #abort: AbortController | undefined;
  #generation = 0;
  #pending = 0;
  #deferredEnd: (() => void) | undefined;
  #closed = false;

  constructor(options: MdnsCandidatesOptions) {
    this.#options = options;
    this.#resolveEnabled = options.config?.resolve !== false;
    this.#publishEnabled = options.config?.publish === true;
    this.#resolver = options.config?.resolver;
    this.#ownsResolver = this.#resolver === undefined;
  }

  get publishing(): boolean {
    return this.#publishEnabled;
  }

  /** Resolutions in flight. */
  get pendingCount(): number {
    return this.#pending;
  }

  #getResolver(): MdnsResolver {
    const o = this.#options;
    this.#resolver ??= new MulticastDns({ clock: o.clock, rng: o.rng, socketFactory: netMdnsSocketFactory(o.net ?? nodeNet) });
    return this.#resolver;
  }

  /**
   * The form of a local candidate to signal: with publishing on, a host
   * candidate's address becomes its `.local` name and the related address of
   * srflx/relay candidates is hidden (0.0.0.0:0, as browsers do).
   * Undefined when the candidate must not be signalled (no name could be published).
   */
  mask(c: Candidate): Candidate | undefined {
    if (!this.#publishEnabled || this.#closed) return c;
    if (c.type === 'host') {
      if (c.isMdns) return c;
      try {
        const name = this.#getResolver().publish(c.address);
        (this.#published ??= new Set()).add(name);
        this.#options.log.debug(`host ${c.address} published as ${name}`);
        return c.with({ address: name });
      } catch (err) {
        this.#options.log.warn(`cannot publish ${c.address} by mDNS: ${(err as Error).message}; not signalled`);
        return undefined;
      }
    }
    if (c.relatedAddress !== undefined) return c.with({ relatedAddress: isIP(c.relatedAddress) === 6 ? '::' : '0.0.0.0', relatedPort: 0 });
    return c;
  }

  /**
   * Takes a remote `.local` candidate: returns false when it is not one (or
   * resolution is off) so the caller adds it as is; otherwise resolves it in
   * the background and calls `add` with the candidate at its resolved address.
   */
  resolveRemote(c: Candidate, add: (resolved: Candidate) => void): boolean {
    // RTP/RTCP multiplexing (RFC 8843): only component 1 is used, so only it is worth resolving.
    if (!c.isMdns || !this.#resolveEnabled || this.#closed || c.component !== 1) return false;
    if (this.#pending >= MAX_MDNS_RESOLUTIONS) {
      this.#options.drops?.drop('mdns-too-many-queries', c.address);
      return true;
    }
    this.#pending++;
    const log = this.#options.log;
    const timeoutMs = this.#options.config?.timeoutMs ?? DEFAULT_MDNS_QUERY_TIMEOUT_MS;
    const generation = this.#generation;
    let p: Promise<string>;
    try {
      p = this.#getResolver().resolve(c.address, { timeoutMs, signal: (this.#abort ??= new AbortController()).signal });
    } catch (err) {
      p = Promise.reject(err as Error);
    }
    p.then(
      (address) => {
        if (this.#closed || generation !== this.#generation) return;
        log.debug(`remote ${c.address} resolved to ${address}`);
        const resolved = c.with({ address });
        const originals = (this.#originals ??= new Map());
        if (originals.size >= MAX_ORIGINALS) originals.delete(originals.keys().next().value!);
        originals.set(resolved.key, c);
        add(resolved);
      },
      (err: unknown) => {
        if (this.#closed || generation !== this.#generation) return;
        // An unresolvable name is skipped; checks continue with the other candidates.
        const code = err instanceof MdnsError ? err.code : 'error';
        this.#options.drops?.drop('mdns-unresolved', `${c.address}: ${code}`);
        log.debug(`remote ${c.address} skipped (${code}: ${(err as Error).message})`);
      },
    ).finally(() => {
      this.#pending--;
      if (this.#pending === 0 && this.#deferredEnd && !this.#closed) {
        const end = this.#deferredEnd;
        this.#deferredEnd = undefined;
        end();
      }
    });
    return true;
  }

  /**
   * Remote end-of-candidates waits for resolutions in flight (otherwise the
   * agent could declare failure before a resolved candidate was paired).
   * Returns true when `end` was deferred.
   */
  deferEndOfCandidates(end: () => void): boolean {
    if (this.#pending === 0 || this.#closed) return false;
    this.#deferredEnd = end;
    return true;
  }

  /**
   * ICE restart (RFC 8445 §9): resolutions of the previous generation's
   * remote candidates are abandoned and a deferred end-of-candidates dropped.
   */
  reset(): void {
    if (this.#closed) return;
    this.#generation++;
    this.#deferredEnd = undefined;
    this.#abort?.abort();
    this.#abort = undefined;
  }

  /** The signalled `.local` form of a remote candidate added at its resolved address, if it was one. */
  originalOf(c: Candidate): Candidate | undefined {
    return this.#originals?.get(c.key);
  }

  /** Aborts resolutions, withdraws published names, closes an agent-owned resolver. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deferredEnd = undefined;
    this.#abort?.abort();
    if (this.#resolver) {
      if (this.#ownsResolver) this.#resolver.close();
      else for (const name of this.#published ?? []) this.#resolver.unpublish(name);
    }
    this.#published = undefined;
    this.#originals = undefined;
  }
}
