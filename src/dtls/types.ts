import type { Clock } from '../common/clock.js';
import type { Rng } from '../common/rng.js';
import type { SrtpProtectionProfile } from './srtp-protection-profile.js';
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
  /**
   * Server: skip the HelloVerifyRequest round trip (default false: cookie exchange on). The
   * client side answers a HelloVerifyRequest either way.
   *
   * The cookie (RFC 6347 §4.2.1) guards against spoofed source addresses: state exhaustion and
   * flight-4 amplification towards a victim. Behind ICE (WebRTC peer connections) it is safe to
   * turn off, saving one round trip:
   * - the remote address has already answered ICE connectivity checks authenticated with the ICE
   *   password (RFC 8445 §7.2.5, MESSAGE-INTEGRITY) and keeps consenting (RFC 7675), which is the
   *   return-routability proof the cookie would give, and the ICE agent delivers data only from
   *   remote candidates on its checklist (signalled by the peer or learned by checks);
   * - each connection serves exactly one client, so there is no per-client state to exhaust, and
   *   flight 4 goes to an address that asked for traffic;
   * - an off-path attacker able to spoof such a 5-tuple could race a forged ClientHello,
   *   but could as well end the handshake with a forged plaintext fatal alert, which DTLS 1.2
   *   cannot authenticate before epoch 1; the cookie would not change that, and the certificate
   *   fingerprints from SDP still authenticate both ends (a forged hello can deny, never
   *   impersonate).
   * Keep it on for a server reachable by arbitrary addresses without ICE.
   */
  disableHelloVerify?: boolean;
  /**
   * Parsed peer public keys by certificate digest, to share between connections that meet the
   * same peer certificate again (one cache per owner, e.g. a peer connection across ICE restarts,
   * or a server). Default: none, every handshake parses the peer certificate.
   */
  certificateCache?: DtlsCertificateCache;
  /**
   * Run the handshake's P-256 signatures, ECDHE and PRF on the native accelerator when it is
   * built (scripts/build-native.mjs; `TERN_DTLS_NATIVE=0` switches it off process-wide).
   * Default true; false keeps this connection on Node's crypto. Both give the same results.
   */
  nativeCrypto?: boolean;
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
