import { createHash, createHmac } from 'node:crypto';
import type { PrfHash } from './cipher-suites/cipher-suite.js';
import { asBuffer, type NativeDtlsCrypto } from './native/binding.js';

/**
 * RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed),
 * P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...,
 * A(0) = seed, A(i) = HMAC(secret, A(i-1)).
 */
export function prf(hash: PrfHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number, native?: NativeDtlsCrypto): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  // The native PRF keys one HMAC context for all blocks; Node makes two HMAC objects per block.
  if (native && length > 0) return native.prf(hash === 'sha384', asBuffer(secret), labelSeed, length);
  const out = Buffer.allocUnsafe(length);
  let a: Buffer = labelSeed;
  let filled = 0;
  while (filled < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    filled += block.copy(out, filled, 0, Math.min(block.length, length - filled));
  }
  return out;
}

/** RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]. */
export function masterSecret(hash: PrfHash, preMaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, native?: NativeDtlsCrypto): Buffer {
  return prf(hash, preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48, native);
}

/** RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. */
export function extendedMasterSecret(hash: PrfHash, preMaster: Uint8Array, sessionHash: Uint8Array, native?: NativeDtlsCrypto): Buffer {
  return prf(hash, preMaster, 'extended master secret', sessionHash, 48, native);
}

export interface KeyBlock {
  clientWriteKey: Buffer;
  serverWriteKey: Buffer;
  clientWriteIv: Buffer;
  serverWriteIv: Buffer;
}

/**
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random),
 * partitioned as client MAC key, server MAC key (both empty for AEAD), client key, server key,
 * client IV, server IV.
 */
export function keyBlock(
  hash: PrfHash,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
  native?: NativeDtlsCrypto,
): KeyBlock {
  const block = prf(hash, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * (keyLength + ivLength), native);
  let o = 0;
  const take = (n: number): Buffer => block.subarray(o, (o += n));
  return { clientWriteKey: take(keyLength), serverWriteKey: take(keyLength), clientWriteIv: take(ivLength), serverWriteIv: take(ivLength) };
}

/** RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function verifyData(
  hash: PrfHash,
  master: Uint8Array,
  label: 'client finished' | 'server finished',
  transcriptHash: Uint8Array,
  native?: NativeDtlsCrypto,
): Buffer {
  return prf(hash, master, label, transcriptHash, 12, native);
}

/** Hash of concatenated handshake messages. */
export function transcriptHash(hash: PrfHash, messages: readonly Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const m of messages) h.update(m);
  return h.digest();
}
