import { timingSafeEqual } from 'node:crypto';
import { AlertDescription } from '../constants.js';
import type { CipherSuiteParams } from '../cipher-suites/cipher-suite.js';
import { fatal } from '../errors.js';
import { extendedMasterSecret, keyBlock, masterSecret, verifyData, type KeyBlock } from '../prf.js';
import type { NativeDtlsCrypto } from '../native/binding.js';
import type { Transcript } from './transcript.js';

/**
 * The master secret once the ClientKeyExchange is in the transcript:
 * RFC 7627 §4 session_hash over the messages up to and including it, or the
 * RFC 5246 §8.1 randoms form when EMS was not negotiated.
 */
export function deriveMasterSecret(
  suite: CipherSuiteParams,
  preMaster: Buffer,
  ems: boolean,
  transcript: Transcript,
  clientRandom: Buffer,
  serverRandom: Buffer,
  native?: NativeDtlsCrypto,
): Buffer {
  return ems
    ? extendedMasterSecret(suite.hash, preMaster, transcript.hash(suite.hash), native)
    : masterSecret(suite.hash, preMaster, clientRandom, serverRandom, native);
}

export function deriveKeys(suite: CipherSuiteParams, master: Buffer, clientRandom: Buffer, serverRandom: Buffer, native?: NativeDtlsCrypto): KeyBlock {
  return keyBlock(suite.hash, master, clientRandom, serverRandom, suite.keyLength, suite.fixedIvLength, native);
}

export function finishedData(suite: CipherSuiteParams, master: Buffer, who: 'client' | 'server', transcript: Transcript, native?: NativeDtlsCrypto): Buffer {
  return verifyData(suite.hash, master, who === 'client' ? 'client finished' : 'server finished', transcript.hash(suite.hash), native);
}

/** RFC 5246 §7.4.9: a wrong verify_data is fatal with decrypt_error. */
export function checkFinished(expected: Buffer, received: Buffer): void {
  if (received.length !== expected.length || !timingSafeEqual(expected, received)) {
    throw fatal('ERR_DTLS_BAD_FINISHED', 'peer Finished verify_data mismatch', AlertDescription.DecryptError);
  }
}
