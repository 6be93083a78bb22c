import type { Clock } from '../common/clock.js';
import type { Rng } from '../common/rng.js';
import type { SrtpProtectionProfile } from '../srtp/protection-profile.js';
import type { DtlsCertificate } from './certificate.js';
import type { DtlsCertificateCache } from './certificate-cache.js';
import type { DtlsCipherSuite } from './cipher-suites/cipher-suite.js';

export type DtlsRole = 'client' | 'server';

/** A peer certificate fingerprint as in SDP `a=fingerprint:<algorithm> <value>` (RFC 8122). */
export interface DtlsFingerprint {
  algorithm: string;
  value: string;
}

export interface DtlsConfig {
  role: DtlsRole;
  certificate: DtlsCertificate;
  /** Verify the peer's certificate against these (WebRTC). Required unless `insecureSkipVerify`. */
  remoteFingerprints?: DtlsFingerprint[];
  /** Accept any peer certificate (tests, interop with stock tools). */
  insecureSkipVerify?: boolean;
  /** Preference order; the server picks the first it supports that the client offered. */
  cipherSuites?: DtlsCipherSuite[];
  /**
   * use_srtp (RFC 5764) profiles in preference order; default DEFAULT_SRTP_PROFILES. When
   * non-empty, a handshake that ends without a shared profile fails with ERR_DTLS_NO_SRTP_PROFILE;
   * `[]` leaves use_srtp out (data-only DTLS).
   */
  srtpProfiles?: SrtpProtectionProfile[];
  /** ECDHE groups in preference order; default ['x25519', 'p256']. */
  namedGroups?: Array<'x25519' | 'p256'>;
  /** RFC 7627; default 'require'. */
  extendedMasterSecret?: 'require' | 'request' | 'disable';
  /** Largest datagram sent during the handshake; default 1200. */
  mtu?: number;
  retransmitInitialMs?: number;
  retransmitMaxMs?: number;
  handshakeTimeoutMs?: number;
  /** Server: fail when the client presents no certificate (default true; WebRTC requires one). */
  requireClientCertificate?: boolean;
  clock?: Clock;
  rng?: Rng;
  /** Server: HMAC key of the HelloVerifyRequest cookie (random per connection by default). */
  cookieSecret?: Buffer;
  /** Server: the client's transport address as a string, bound into the cookie. */
  remoteAddressKey?: string;
  /** Server: skip the HelloVerifyRequest round trip (default false: cookie exchange on). */
  disableHelloVerify?: boolean;
  /**
   * Parsed peer public keys by certificate digest, to share between connections that meet the
   * same peer certificate again (one cache per owner, e.g. a peer connection across ICE restarts,
   * or a server). Default: none, every handshake parses the peer certificate.
   */
  certificateCache?: DtlsCertificateCache;
  /** Short prefix for this connection's log lines. */
  logId?: string;
}

/** Why a DTLS connection ended. */
export interface DtlsCloseReason {
  /**
   * - `local`: close() was called (close_notify sent);
   * - `close-notify`: the peer sent close_notify;
   * - `alert`: the peer sent a fatal alert (`error.code` ERR_DTLS_ALERT);
   * - `error`: this side failed and sent a fatal alert (fingerprint mismatch, bad Finished, ...);
   * - `timeout`: the handshake did not finish in time;
   * - `transport`: the underlying transport closed.
   */
  kind: 'local' | 'close-notify' | 'alert' | 'error' | 'timeout' | 'transport';
  error?: Error;
}

export type DtlsEvent =
  | { type: 'connected' }
  | { type: 'data'; data: Buffer }
  | { type: 'alert'; level: number; description: number }
  | { type: 'closed'; reason: DtlsCloseReason };

/** What the handshake negotiated. */
export interface DtlsSessionInfo {
  cipherSuite: DtlsCipherSuite;
  srtpProfile: SrtpProtectionProfile | undefined;
  extendedMasterSecret: boolean;
  remoteCertificate: Buffer;
  namedGroup: number;
}
