import type { PrfHash } from './cipher-suites/cipher-suite.js';
import { prf } from './prf.js';
import { u16 } from './wire.js';

/** RFC 5705 §4: labels that the TLS PRF itself uses are reserved. */
const RESERVED_LABELS = new Set(['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret']);

/** RFC 5764 §4.2: the SRTP keying material exporter label. */
export const SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

/**
 * RFC 5705 §4: PRF(SecurityParameters.master_secret, label,
 * client_random + server_random [+ context_value_length + context_value])[length].
 * With RFC 7627 the master secret is the extended one; nothing else changes.
 * Returns undefined for reserved labels or an oversized context.
 */
export function exportKeyingMaterial(
  hash: PrfHash,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  length: number,
  context?: Uint8Array,
): Buffer | undefined {
  if (RESERVED_LABELS.has(label)) return undefined;
  const parts: Uint8Array[] = [clientRandom, serverRandom];
  if (context !== undefined) {
    if (context.length > 0xffff) return undefined;
    parts.push(u16(context.length), context);
  }
  return prf(hash, master, label, Buffer.concat(parts), length);
}
