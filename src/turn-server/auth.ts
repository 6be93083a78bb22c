/**
 * Long-term credentials for the TURN server (RFC 8489 §9.2): static users,
 * the TURN REST API shared secret (coturn's `use-auth-secret`), stateless
 * nonces and the failed-authentication rate limit. Pure computation: time is
 * handed in, the nonce secret comes from the injected RNG.
 */
import { createHmac } from 'node:crypto';
import { longTermKey } from '../stun/credentials.js';
import { StunIntegrityKey } from '../stun/integrity-key.js';

/** Looks up the long-term key (MD5 of `user:realm:password`) of a user; undefined refuses. */
export type TurnKeyLookup = (username: string, realm: string, nowMs: number) => Buffer | undefined;

/**
 * TURN REST API (draft-uberti-behave-turn-rest, coturn `use-auth-secret`):
 * the username is `expiry:user` (expiry in Unix seconds; a bare number works
 * too) and the password is base64(HMAC-SHA1(secret, username)).
 */
export function restApiPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}

/** Credentials a backend hands a client for `ttlSec` seconds (the form sfu-ws gives its pages). */
export function restApiCredentials(secret: string, user: string, ttlSec: number, nowMs: number): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSec}:${user}`;
  return { username, credential: restApiPassword(secret, username) };
}

/** The expiry (Unix seconds) of a REST API username, or undefined when it carries none. */
export function restApiExpiry(username: string): number | undefined {
  const colon = username.indexOf(':');
  const head = colon < 0 ? username : username.slice(0, colon);
  if (!/^\d{1,12}$/.test(head)) return undefined;
  return Number(head);
}

export interface CredentialConfig {
  realm: string;
  /** Static users: username → password. */
  users?: Readonly<Record<string, string>>;
  /** REST API shared secrets (the first signs nothing here; any of them verifies: rotation). */
  sharedSecrets?: readonly string[];
  /** Custom lookup, asked after static users and secrets. */
  lookup?: TurnKeyLookup;
}

/** Bound on cached REST API keys (each derivation costs an HMAC and an MD5). */
const REST_KEY_CACHE_MAX = 4096;

/** Resolves USERNAME to its long-term key, as a precomputed {@link StunIntegrityKey}. */
export class CredentialStore {
  readonly realm: string;
  readonly #users = new Map<string, StunIntegrityKey>();
  readonly #secrets: readonly string[];
  readonly #lookup: TurnKeyLookup | undefined;
  readonly #restCache = new Map<string, StunIntegrityKey>();

  constructor(config: CredentialConfig) {
    this.realm = config.realm;
    for (const [user, password] of Object.entries(config.users ?? {})) {
      this.#users.set(user, new StunIntegrityKey(longTermKey(user, config.realm, password)));
    }
    this.#secrets = config.sharedSecrets ?? [];
    this.#lookup = config.lookup;
  }

  /** The key of `username` at wall time `nowMs`, or undefined (unknown user, expired REST credential). */
  keyFor(username: string, nowMs: number): StunIntegrityKey | undefined {
    const stat = this.#users.get(username);
    if (stat) return stat;
    if (this.#secrets.length > 0) {
      const expiry = restApiExpiry(username);
      if (expiry !== undefined) {
        if (expiry * 1000 <= nowMs) return undefined;
        const cached = this.#restCache.get(username);
        if (cached) return cached;
        // With several secrets the caller tries each key: here the first (rotation adds the others below).
        const key = new StunIntegrityKey(longTermKey(username, this.realm, restApiPassword(this.#secrets[0]!, username)));
        if (this.#restCache.size >= REST_KEY_CACHE_MAX) this.#restCache.clear();
        this.#restCache.set(username, key);
        return key;
      }
    }
    const custom = this.#lookup?.(username, this.realm, nowMs);
    return custom ? new StunIntegrityKey(custom) : undefined;
  }

  /** Keys of the secrets after the first, for rotation (tried only when the first fails). */
  alternateKeys(username: string, nowMs: number): StunIntegrityKey[] {
    if (this.#secrets.length < 2 || this.#users.has(username)) return [];
    const expiry = restApiExpiry(username);
    if (expiry === undefined || expiry * 1000 <= nowMs) return [];
    return this.#secrets.slice(1).map((s) => new StunIntegrityKey(longTermKey(username, this.realm, restApiPassword(s, username))));
  }
}

/** Nonce text: 8 hex digits of issue time (seconds) then 24 hex digits of MAC. */
const NONCE_LENGTH = 32;

/**
 * Stateless nonces (RFC 8489 §9.2 leaves their form to the server): the
 * issue time and an HMAC over it and the client's transport address, so a
 * nonce is valid only from the address it was given to, for
 * `lifetimeMs`, and the server remembers nothing per challenge.
 */
export class NonceIssuer {
  readonly #key: StunIntegrityKey;
  readonly #lifetimeMs: number;
  readonly #mac = Buffer.alloc(20);

  constructor(secret: Buffer, lifetimeMs: number) {
    this.#key = new StunIntegrityKey(secret);
    this.#lifetimeMs = lifetimeMs;
  }

  issue(client: string, nowMs: number): string {
    const t = Math.floor(nowMs / 1000).toString(16).padStart(8, '0').slice(-8);
    return t + this.#macHex(t, client);
  }

  /** 'valid', 'stale' (well formed, ours, but too old) or 'invalid'. */
  check(nonce: string, client: string, nowMs: number): 'valid' | 'stale' | 'invalid' {
    if (nonce.length !== NONCE_LENGTH) return 'invalid';
    const t = nonce.slice(0, 8);
    if (!/^[0-9a-f]{8}$/.test(t)) return 'invalid';
    if (nonce.slice(8) !== this.#macHex(t, client)) return 'invalid';
    const issuedMs = parseInt(t, 16) * 1000;
    return nowMs - issuedMs >= this.#lifetimeMs || issuedMs > nowMs + 60_000 ? 'stale' : 'valid';
  }

  #macHex(t: string, client: string): string {
    const input = Buffer.from(`${t}|${client}`, 'utf8');
    this.#key.sign(input, 0, input.length, this.#mac, 0);
    return this.#mac.toString('hex', 0, 12);
  }
}

/**
 * Failed authentications per source IP, as a token bucket: `burst` failures
 * at once, then `perSecond`. A source with an empty bucket has its
 * authenticated requests dropped unanswered until it refills. The table is
 * bounded (`maxSources`; the oldest entry goes when full) and entries that
 * have refilled are forgotten by {@link sweep}.
 */
export class AuthFailureLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #max: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(burst: number, perSecond: number, maxSources: number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#max = Math.max(1, maxSources);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #tokens(ip: string, nowMs: number): number {
    const b = this.#buckets.get(ip);
    if (!b) return this.#burst;
    return Math.min(this.#burst, b.tokens + (nowMs - b.at) * this.#perMs);
  }

  /** True when `ip` may try to authenticate now. */
  allowed(ip: string, nowMs: number): boolean {
    return this.#tokens(ip, nowMs) >= 1;
  }

  /** Records a failure from `ip`. */
  failed(ip: string, nowMs: number): void {
    const tokens = this.#tokens(ip, nowMs) - 1;
    this.#buckets.delete(ip);
    if (this.#buckets.size >= this.#max) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    this.#buckets.set(ip, { tokens: Math.max(0, tokens), at: nowMs });
  }

  /** Forgets sources whose bucket is full again. */
  sweep(nowMs: number): void {
    for (const [ip] of this.#buckets) if (this.#tokens(ip, nowMs) >= this.#burst) this.#buckets.delete(ip);
  }
}
