import { generateKeyPair, type KeyObject } from 'node:crypto';
import { cryptoRng, type Rng } from '../common/rng.js';
import { NamedGroup } from './constants.js';
import { DtlsError } from './errors.js';
import { nativeEcdheKey, nodeEcdheKey, type EcdheKey } from './key-exchange.js';
import { nativeDtlsCrypto, type NativeDtlsCrypto, type NativeDtlsKey } from './native/binding.js';

/** Keys kept ready per group by default: a burst of this many handshakes never waits for key generation. */
export const DEFAULT_ECDHE_POOL_SIZE = 8;
/** Upper bound of the pool size (each key is a few hundred bytes of OpenSSL state). */
export const MAX_ECDHE_POOL_SIZE = 256;

export interface DtlsEcdheKeyPoolOptions {
  /** Keys kept ready per group; default {@link DEFAULT_ECDHE_POOL_SIZE}, at most {@link MAX_ECDHE_POOL_SIZE}. */
  size?: number;
  /** Groups to keep keys for; default ['x25519'] (what tern-rtc, browsers and Pion choose first). */
  groups?: Array<'x25519' | 'p256'>;
  /** Where native private keys come from; default the cryptographic Rng. */
  rng?: Rng;
  /** Use the native accelerator when built (default true); else Node's crypto. */
  nativeCrypto?: boolean;
  /**
   * Makes one key off the event loop and calls back once (tests inject failures and delays
   * here). Default: the native accelerator's threadpool job, else Node's async generateKeyPair.
   */
  generate?: (group: NamedGroup, done: (err: Error | null, key?: EcdheKey) => void) => void;
}

/** What the pool has done, for tests and metrics. */
export interface DtlsEcdheKeyPoolStats {
  /** Handshakes that took a ready key. */
  hits: number;
  /** Handshakes that found the pool empty and made their key inline. */
  misses: number;
  generated: number;
  failed: number;
  /** Keys that arrived after close() and were dropped. */
  discarded: number;
}

const GROUP_NAMES = { x25519: NamedGroup.X25519, p256: NamedGroup.Secp256r1 } as const;

/**
 * Ephemeral ECDHE keys generated ahead of need on libuv's threadpool, so a
 * handshake takes a ready key instead of spending ~30 µs (native) to ~60 µs
 * (Node) of the event loop on key generation. Share one pool between the
 * connections of a server or a SettingEngine through
 * {@link DtlsConfig.ecdhePool}; the DTLS core only takes keys from it
 * (synchronously, or makes its own when it is empty), and the connection
 * driver asks it to {@link refill} after each input.
 *
 * Forward secrecy is unchanged in kind: each key is handed out once, removed
 * from the pool when taken, and dropped with its handshake, as a key made at
 * handshake time would be. What changes is the time a private key exists
 * before use: at most `size` keys per group wait in memory (until taken or
 * {@link close}), so a memory disclosure of the process could reveal keys of
 * handshakes that have not happened yet, as well as those in progress.
 * Keep the pool small, and close it when the server stops.
 */
export class DtlsEcdheKeyPool {
  readonly size: number;
  readonly groups: readonly NamedGroup[];
  readonly stats: DtlsEcdheKeyPoolStats = { hits: 0, misses: 0, generated: 0, failed: 0, discarded: 0 };
  readonly #ready = new Map<NamedGroup, EcdheKey[]>();
  readonly #pending = new Map<NamedGroup, number>();
  readonly #generate: NonNullable<DtlsEcdheKeyPoolOptions['generate']>;
  #closed = false;

  constructor(options: DtlsEcdheKeyPoolOptions = {}) {
    const size = options.size ?? DEFAULT_ECDHE_POOL_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_ECDHE_POOL_SIZE) throw new DtlsError('ERR_DTLS_CONFIG', `invalid ECDHE pool size ${size}`);
    const groups = (options.groups ?? ['x25519']).map((g) => {
      const n = GROUP_NAMES[g];
      if (n === undefined) throw new DtlsError('ERR_DTLS_CONFIG', `unsupported named group ${String(g)}`);
      return n;
    });
    this.size = size;
    this.groups = [...new Set(groups)];
    for (const g of this.groups) {
      this.#ready.set(g, []);
      this.#pending.set(g, 0);
    }
    const native = options.nativeCrypto === false ? undefined : nativeDtlsCrypto();
    this.#generate = options.generate ?? (native ? nativeGenerator(native, options.rng ?? cryptoRng) : nodeGenerator);
  }

  /** Keys ready for `group`. */
  available(group: NamedGroup): number {
    return this.#ready.get(group)?.length ?? 0;
  }

  /** Key generations in flight. */
  get pending(): number {
    let n = 0;
    for (const v of this.#pending.values()) n += v;
    return n;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A ready key of `group`, removed from the pool (each key serves one handshake); undefined when none is ready. */
  take(group: NamedGroup): EcdheKey | undefined {
    const ready = this.#ready.get(group);
    if (ready === undefined) return undefined;
    const key = ready.pop();
    if (key) this.stats.hits++;
    else this.stats.misses++;
    return key;
  }

  /** Starts generating keys until every group has `size` ready or in flight. Cheap when full; a no-op once closed. */
  refill(): void {
    if (this.#closed) return;
    for (const g of this.groups) {
      const want = this.size - this.#ready.get(g)!.length - this.#pending.get(g)!;
      for (let i = 0; i < want; i++) this.#start(g);
    }
  }

  /** Drops every ready key; keys still being generated are dropped when they land. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const ready of this.#ready.values()) ready.length = 0;
  }

  #start(group: NamedGroup): void {
    this.#pending.set(group, this.#pending.get(group)! + 1);
    let settled = false;
    const done = (err: Error | null, key?: EcdheKey): void => {
      if (settled) return;
      settled = true;
      this.#pending.set(group, this.#pending.get(group)! - 1);
      if (err || !key) {
        // Not retried here: the next refill() (the next handshake input) tries again.
        this.stats.failed++;
        return;
      }
      if (this.#closed) {
        this.stats.discarded++;
        return;
      }
      this.stats.generated++;
      this.#ready.get(group)!.push(key);
    };
    try {
      this.#generate(group, done);
    } catch (e) {
      done(e as Error);
    }
  }
}

function nativeGenerator(native: NativeDtlsCrypto, rng: Rng): NonNullable<DtlsEcdheKeyPoolOptions['generate']> {
  return (group, done) => {
    const d = rng.bytes(32);
    try {
      native.generateKeyAsync(group === NamedGroup.X25519, d, (err: Error | null, key?: NativeDtlsKey) => {
        if (err || !key) return done(err ?? new DtlsError('ERR_DTLS_CONFIG', 'native key generation gave no key'));
        let k: EcdheKey;
        try {
          k = nativeEcdheKey(native, group, key);
        } catch (e) {
          return done(e as Error);
        }
        done(null, k);
      });
    } finally {
      d.fill(0);
    }
  };
}

function nodeGenerator(group: NamedGroup, done: (err: Error | null, key?: EcdheKey) => void): void {
  const cb = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
    if (err) return done(err);
    let key: EcdheKey;
    try {
      key = nodeEcdheKey(group, { publicKey, privateKey });
    } catch (e) {
      return done(e as Error);
    }
    done(null, key);
  };
  if (group === NamedGroup.X25519) generateKeyPair('x25519', undefined, cb);
  else generateKeyPair('ec', { namedCurve: 'prime256v1' }, cb);
}
