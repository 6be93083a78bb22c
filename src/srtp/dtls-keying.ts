import { InvalidArgumentError } from '../common/errors.js';
import { srtpProfileSpec } from './profile-spec.js';
import type { SrtpProtectionProfile } from './protection-profile.js';
import { SrtpContext, type SrtpContextOptions } from './srtp-context.js';
import { ownedCopy } from '../common/owned-bytes.js';

/** RFC 5764 §4.2: the TLS exporter label for DTLS-SRTP keying material. */
export const SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

/** The DTLS role of this endpoint (same tokens as src/dtls `DtlsRole`). */
export type SrtpDtlsRole = 'client' | 'server';

/** RFC 5764 §4.2: bytes to export, 2 * (key + salt). */
export function srtpKeyingMaterialLength(profile: SrtpProtectionProfile): number {
  const spec = srtpProfileSpec(profile);
  return 2 * (spec.keyLength + spec.saltLength);
}

export interface SrtpKeyPair {
  /** Protects what this endpoint sends (its own write key). */
  local: SrtpContext;
  /** Unprotects what the peer sends (the peer's write key). */
  remote: SrtpContext;
}

/**
 * RFC 5764 §4.2: splits the exported keying material, laid out as
 * client_write_SRTP_master_key | server_write_SRTP_master_key |
 * client_write_SRTP_master_salt | server_write_SRTP_master_salt,
 * into the context this endpoint protects with and the one it unprotects with.
 */
export function srtpContextsFromDtls(
  profile: SrtpProtectionProfile,
  keyingMaterial: Buffer,
  role: SrtpDtlsRole,
  options: Omit<SrtpContextOptions, 'profile' | 'masterKey' | 'masterSalt'> = {},
): SrtpKeyPair {
  const spec = srtpProfileSpec(profile);
  const k = spec.keyLength;
  const s = spec.saltLength;
  if (keyingMaterial.length !== 2 * (k + s)) {
    throw new InvalidArgumentError(`${spec.name} needs ${2 * (k + s)} bytes of keying material, got ${keyingMaterial.length}`);
  }
  const clientKey = ownedCopy(keyingMaterial.subarray(0, k));
  const serverKey = ownedCopy(keyingMaterial.subarray(k, 2 * k));
  const clientSalt = ownedCopy(keyingMaterial.subarray(2 * k, 2 * k + s));
  const serverSalt = ownedCopy(keyingMaterial.subarray(2 * k + s, 2 * (k + s)));
  const client = (): SrtpContext => new SrtpContext({ ...options, profile, masterKey: clientKey, masterSalt: clientSalt });
  const server = (): SrtpContext => new SrtpContext({ ...options, profile, masterKey: serverKey, masterSalt: serverSalt });
  return role === 'client' ? { local: client(), remote: server() } : { local: server(), remote: client() };
}
