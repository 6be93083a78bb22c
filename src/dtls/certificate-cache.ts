import { DtlsError } from './errors.js';
import type { PeerPublicKey } from './peer-key.js';

/** Enough for the handful of peers a process talks to repeatedly; each entry is one public key. */
export const DEFAULT_CERTIFICATE_CACHE_SIZE = 64;

/**
 * A small LRU of parsed peer public keys keyed by the SHA-256 digest of the
 * certificate's DER, shared through {@link DtlsConfig.certificateCache} by the
 * connections of one owner (say a peer connection and its restarts, or a
 * server that sees the same clients again), so a certificate seen before is
 * not parsed again. It caches parsing only: the fingerprint check still runs
 * on every handshake. Entries are bounded by `capacity`.
 */
export class DtlsCertificateCache {
  readonly capacity: number;
  readonly #entries = new Map<string, PeerPublicKey>();

  constructor(capacity = DEFAULT_CERTIFICATE_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new DtlsError('ERR_DTLS_CONFIG', `invalid certificate cache capacity ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The key cached for this digest, refreshed as most recently used. */
  get(digest: string): PeerPublicKey | undefined {
    const key = this.#entries.get(digest);
    if (key) {
      this.#entries.delete(digest);
      this.#entries.set(digest, key);
    }
    return key;
  }

  set(digest: string, key: PeerPublicKey): void {
    this.#entries.delete(digest);
    this.#entries.set(digest, key);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
