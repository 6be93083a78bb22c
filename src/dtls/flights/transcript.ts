import { createHash } from 'node:crypto';
import type { PrfHash } from '../cipher-suites/cipher-suite.js';

/**
 * The handshake messages exchanged so far, in the RFC 6347 §4.2.6 form
 * (each as one unfragmented message with its DTLS header). Kept as a list,
 * since CertificateVerify signs the raw messages while Finished and the
 * extended master secret hash them with the suite's hash.
 */
export class Transcript {
  readonly #messages: Buffer[] = [];

  add(raw: Buffer): void {
    this.#messages.push(raw);
  }

  hash(algorithm: PrfHash): Buffer {
    const h = createHash(algorithm);
    for (const m of this.#messages) h.update(m);
    return h.digest();
  }

  bytes(): Buffer {
    return Buffer.concat(this.#messages);
  }
}
