import { cryptoRng, type Rng } from '../common/rng.js';
import { DEFAULT_SRTP_PROFILES, isSrtpProtectionProfile, type SrtpProtectionProfile } from './srtp-protection-profile.js';
import type { DtlsCertificate } from './certificate.js';
import type { DtlsCertificateCache } from './certificate-cache.js';
import { CIPHER_SUITES, DEFAULT_CIPHER_SUITES, type CipherSuiteParams } from './cipher-suites/cipher-suite.js';
import { NamedGroup } from './constants.js';
import { DtlsError } from './errors.js';
import { DEFAULT_GROUPS } from './key-exchange.js';
import { nativeDtlsCrypto, type NativeDtlsCrypto } from './native/binding.js';
import type { DtlsConfig, DtlsFingerprint, DtlsRole } from './types.js';
import { ownedCopy } from '../common/owned-bytes.js';

/** Default path MTU for handshake flights (Pion and browsers use ~1200). */
export const DEFAULT_MTU = 1200;
/** RFC 6347 §4.2.4.1: initial retransmit timer 1 s, doubling up to 60 s. */
export const DEFAULT_RETRANSMIT_INITIAL_MS = 1000;
export const DEFAULT_RETRANSMIT_MAX_MS = 60_000;
/** Pion's default connect timeout. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** Smallest MTU that fits a record, a handshake header and some payload. */
const MIN_MTU = 100;

/** DtlsConfig with defaults applied and checked; what the core runs on. */
export interface ResolvedDtlsConfig {
  readonly role: DtlsRole;
  readonly certificate: DtlsCertificate;
  readonly remoteFingerprints: readonly DtlsFingerprint[];
  readonly insecureSkipVerify: boolean;
  readonly cipherSuites: readonly CipherSuiteParams[];
  readonly srtpProfiles: readonly SrtpProtectionProfile[];
  readonly namedGroups: readonly NamedGroup[];
  readonly extendedMasterSecret: 'require' | 'request' | 'disable';
  readonly mtu: number;
  readonly retransmitInitialMs: number;
  readonly retransmitMaxMs: number;
  readonly handshakeTimeoutMs: number;
  readonly requireClientCertificate: boolean;
  readonly rng: Rng;
  readonly cookieSecret: Buffer;
  readonly remoteAddressKey: string;
  readonly helloVerify: boolean;
  readonly certificateCache: DtlsCertificateCache | undefined;
  /** The native handshake crypto when built and wanted; undefined: Node's crypto. */
  readonly native: NativeDtlsCrypto | undefined;
}

export function resolveConfig(config: DtlsConfig): ResolvedDtlsConfig {
  const bad = (msg: string): DtlsError => new DtlsError('ERR_DTLS_CONFIG', msg);
  if (config.role !== 'client' && config.role !== 'server') throw bad(`invalid role ${String(config.role)}`);
  if (!config.certificate) throw bad('a certificate is required');
  const names = config.cipherSuites ?? DEFAULT_CIPHER_SUITES;
  const suites = names.map((n) => {
    const s = CIPHER_SUITES[n];
    if (!s) throw bad(`unsupported cipher suite ${n}`);
    return s;
  });
  if (suites.length === 0) throw bad('no cipher suites');
  const srtpProfiles = config.srtpProfiles ?? [...DEFAULT_SRTP_PROFILES];
  for (const p of srtpProfiles) if (!isSrtpProtectionProfile(p)) throw bad(`unsupported SRTP profile ${p}`);
  const namedGroups = config.namedGroups
    ? config.namedGroups.map((g) => {
        if (g === 'x25519') return NamedGroup.X25519;
        if (g === 'p256') return NamedGroup.Secp256r1;
        throw bad(`unsupported named group ${String(g)}`);
      })
    : [...DEFAULT_GROUPS];
  if (namedGroups.length === 0) throw bad('no named groups');
  const remoteFingerprints = config.remoteFingerprints ?? [];
  const insecureSkipVerify = config.insecureSkipVerify ?? false;
  if (remoteFingerprints.length === 0 && !insecureSkipVerify) throw bad('remoteFingerprints are required unless insecureSkipVerify is set');
  const mtu = config.mtu ?? DEFAULT_MTU;
  if (!(mtu >= MIN_MTU && mtu <= 65507)) throw bad(`mtu ${mtu} out of range`);
  const retransmitInitialMs = config.retransmitInitialMs ?? DEFAULT_RETRANSMIT_INITIAL_MS;
  const retransmitMaxMs = config.retransmitMaxMs ?? DEFAULT_RETRANSMIT_MAX_MS;
  if (!(retransmitInitialMs > 0) || !(retransmitMaxMs >= retransmitInitialMs)) throw bad('invalid retransmit timers');
  const handshakeTimeoutMs = config.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (!(handshakeTimeoutMs > 0)) throw bad('invalid handshakeTimeoutMs');
  const rng = config.rng ?? cryptoRng;
  return {
    role: config.role,
    certificate: config.certificate,
    remoteFingerprints,
    insecureSkipVerify,
    cipherSuites: suites,
    srtpProfiles,
    namedGroups,
    extendedMasterSecret: config.extendedMasterSecret ?? 'require',
    mtu,
    retransmitInitialMs,
    retransmitMaxMs,
    handshakeTimeoutMs,
    requireClientCertificate: config.requireClientCertificate ?? true,
    rng,
    cookieSecret: ownedCopy(config.cookieSecret ?? rng.bytes(32)),
    remoteAddressKey: config.remoteAddressKey ?? '',
    helloVerify: !(config.disableHelloVerify ?? false),
    certificateCache: config.certificateCache,
    native: config.nativeCrypto === false ? undefined : nativeDtlsCrypto(),
  };
}
