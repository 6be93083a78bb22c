import { createHash, type Hash } from 'node:crypto';
import type { PrfHash } from '../cipher-suites/cipher-suite.js';

/**
 * The handshake messages exchanged so far, in the RFC 6347 §4.2.6 form
 * (each as one unfragmented message with its DTLS header). Kept as a list,
 * since CertificateVerify signs the raw messages while Finished and the
 * extended master secret hash them with the suite's hash. The hash runs
 * alongside once first asked for, so each later digest hashes only what was
 * added since (a copy of the running state is finalised).
 */
export class Transcript {
  readonly #messages: Buffer[] = [];
  #running: { algorithm: PrfHash; hash: Hash } | undefined;

  add(raw: Buffer): void {
    this.#messages.push(raw);
    this.#running?.hash.update(raw);
  }

  hash(algorithm: PrfHash): Buffer {
    let r = this.#running;
    if (r?.algorithm !== algorithm) {
      const hash = createHash(algorithm);
      for (const m of this.#messages) hash.update(m);
      r = this.#running = { algorithm, hash };
    }
    return r.hash.copy().digest();
  }

  bytes(): Buffer {
    return Buffer.concat(this.#messages);
  }
}
