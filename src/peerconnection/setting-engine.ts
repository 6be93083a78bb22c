import type tls from 'node:tls';
import type { Clock } from '../common/clock.js';
import { InvalidArgumentError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { Net } from '../transport/net.js';
import { DtlsCertificate } from '../dtls/certificate.js';
import { DtlsCertificateCache } from '../dtls/certificate-cache.js';
import type { IceMux } from '../icemux/index.js';
import { InterceptorRegistry } from '../interceptor/registry.js';
import { isSrtpProtectionProfile, type SrtpProtectionProfile } from '../srtp/protection-profile.js';
import { MAX_SRTP_WORKERS, SrtpWorkerPool } from '../srtp/offload/srtp-worker-pool.js';

/**
 * Every knob that is not part of the W3C API, named as in Pion's
 * SettingEngine (camelCase). Hand one to `new RTCPeerConnection(config,
 * { settingEngine })`; it may be shared by many peer connections.
 */

export type IceNetworkType = 'udp4' | 'udp6' | 'tcp4' | 'tcp6';
export type Nat1To1CandidateType = 'host' | 'srflx';
export type DtlsRoleSetting = 'auto' | 'client' | 'server';

export interface AddressRewriteRuleSetting {
  external: string[];
  externalPort?: number;
  asCandidateType?: 'host' | 'srflx' | 'relay';
  targetType?: 'host' | 'srflx' | 'relay';
  mode?: 'replace' | 'append';
  iface?: string;
  cidr?: string;
  localAddress?: string;
}

export interface SettingEngineValues {
  portMin?: number;
  portMax?: number;
  nat1To1IPs?: string[];
  nat1To1CandidateType?: Nat1To1CandidateType;
  addressRewriteRules?: AddressRewriteRuleSetting[];
  lite: boolean;
  disconnectedTimeoutMs?: number;
  failedTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  checkIntervalMs?: number;
  hostAcceptanceMinWaitMs?: number;
  srflxAcceptanceMinWaitMs?: number;
  prflxAcceptanceMinWaitMs?: number;
  relayAcceptanceMinWaitMs?: number;
  interfaceFilter?: (name: string) => boolean;
  ipFilter?: (ip: string) => boolean;
  networkTypes?: IceNetworkType[];
  includeLoopbackCandidate: boolean;
  iceUfrag?: string;
  icePwd?: string;
  answeringDtlsRole: DtlsRoleSetting;
  srtpProtectionProfiles?: SrtpProtectionProfile[];
  dtlsRetransmissionIntervalMs?: number;
  dtlsExtendedMasterSecret: 'require' | 'request' | 'disable';
  srtpReplayWindow?: number;
  receiveMtu: number;
  /** Unannounced remote SSRCs bound per peer connection (see setUnannouncedSSRCLimit). */
  unannouncedSsrcLimit?: number;
  iceMux?: IceMux;
  /** node:tls options for `turns:` servers (e.g. `ca` of a private CA); certificates are verified. */
  turnTlsConfig?: tls.ConnectionOptions;
  net?: Net;
  clock?: Clock;
  rng?: Rng;
  /** Pion's DetachDataChannels: messages go to `channel.stream()` / `detach()`, not `onmessage`. */
  detachDataChannels: boolean;
  /** Our `a=max-message-size` (largest message received); default 262144. */
  sctpMaxMessageSize?: number;
  /** Per-channel `bufferedAmount` bound past which `send` throws ERR_DC_BUFFER_FULL; default 16 MiB. */
  dataChannelHighWaterMark?: number;
  /** Offer RFC 9653 zero checksum in SCTP INIT (Pion's EnableSCTPZeroChecksum); default false. */
  sctpZeroChecksum: boolean;
}

/** RFC 8445 §5.3: ufrag ≥ 4 ice-chars (24 bits), password ≥ 22 ice-chars (128 bits). */
const ICE_CHAR = /^[A-Za-z0-9+/]+$/;
/** Pion's default receive MTU. */
export const DEFAULT_RECEIVE_MTU = 1460;

export class SettingEngine {
  readonly #v: SettingEngineValues = {
    lite: false,
    includeLoopbackCandidate: false,
    answeringDtlsRole: 'auto',
    dtlsExtendedMasterSecret: 'require',
    receiveMtu: DEFAULT_RECEIVE_MTU,
    detachDataChannels: false,
    sctpZeroChecksum: false,
  };

  #certificate: Promise<DtlsCertificate> | undefined;
  #peerCertificates: DtlsCertificateCache | undefined;
  #srtpWorkers: SrtpWorkerPool | undefined;
  #interceptors = new InterceptorRegistry();

  /**
   * A new engine with the same values that shares this one's DTLS
   * certificate, peer-certificate cache and SRTP worker pool: for a per-
   * connection setting (e.g. server-issued ICE credentials) without paying
   * for a certificate per connection.
   */
  clone(): SettingEngine {
    const e = new SettingEngine();
    Object.assign(e.#v, this.#v);
    e.#certificate = this.certificate();
    e.#peerCertificates = this.peerCertificateCache();
    e.#srtpWorkers = this.#srtpWorkers;
    return e;
  }

  /** A snapshot of the current values. */
  get values(): Readonly<SettingEngineValues> {
    return this.#v;
  }

  setEphemeralUDPPortRange(portMin: number, portMax: number): void {
    if (!Number.isInteger(portMin) || !Number.isInteger(portMax) || portMin < 1 || portMax > 65535 || portMin > portMax) {
      throw new InvalidArgumentError(`bad UDP port range ${portMin}-${portMax}`);
    }
    this.#v.portMin = portMin;
    this.#v.portMax = portMax;
  }

  /** Pion's SetNAT1To1IPs: announce these IPs instead of (host) or in addition to (srflx) the local ones. */
  setNAT1To1IPs(ips: string[], candidateType: Nat1To1CandidateType = 'host'): void {
    this.#v.nat1To1IPs = [...ips];
    this.#v.nat1To1CandidateType = candidateType;
  }

  /** The general form of NAT 1:1, including an external port different from the bound one. */
  setAddressRewriteRules(rules: AddressRewriteRuleSetting[]): void {
    this.#v.addressRewriteRules = rules.map((r) => ({ ...r, external: [...r.external] }));
  }

  setLite(lite: boolean): void {
    this.#v.lite = lite;
  }

  /** Pion's SetICETimeouts(disconnected, failed, keepalive), in milliseconds. */
  setICETimeouts(disconnectedTimeoutMs: number, failedTimeoutMs: number, keepaliveIntervalMs: number): void {
    for (const v of [disconnectedTimeoutMs, failedTimeoutMs, keepaliveIntervalMs]) {
      if (!(v >= 0)) throw new InvalidArgumentError('ICE timeouts must be non-negative');
    }
    this.#v.disconnectedTimeoutMs = disconnectedTimeoutMs;
    this.#v.failedTimeoutMs = failedTimeoutMs;
    this.#v.keepaliveIntervalMs = keepaliveIntervalMs;
  }

  setICECheckInterval(checkIntervalMs: number): void {
    this.#v.checkIntervalMs = checkIntervalMs;
  }

  setHostAcceptanceMinWait(ms: number): void {
    this.#v.hostAcceptanceMinWaitMs = ms;
  }

  setSrflxAcceptanceMinWait(ms: number): void {
    this.#v.srflxAcceptanceMinWaitMs = ms;
  }

  setPrflxAcceptanceMinWait(ms: number): void {
    this.#v.prflxAcceptanceMinWaitMs = ms;
  }

  setRelayAcceptanceMinWait(ms: number): void {
    this.#v.relayAcceptanceMinWaitMs = ms;
  }

  /**
   * TLS client options for `turns:` servers (Pion takes a tls.Config for its
   * TURN client): e.g. `{ ca }` to trust a private CA in tests. The server
   * certificate is always verified against the URL's host name or IP.
   */
  setTURNTLSConfig(options: tls.ConnectionOptions): void {
    if (options.rejectUnauthorized === false) throw new InvalidArgumentError('TURN TLS certificates are always verified');
    this.#v.turnTlsConfig = { ...options };
  }

  setInterfaceFilter(filter: (name: string) => boolean): void {
    this.#v.interfaceFilter = filter;
  }

  setIPFilter(filter: (ip: string) => boolean): void {
    this.#v.ipFilter = filter;
  }

  setNetworkTypes(types: IceNetworkType[]): void {
    this.#v.networkTypes = [...types];
  }

  setIncludeLoopbackCandidate(include: boolean): void {
    this.#v.includeLoopbackCandidate = include;
  }

  setICECredentials(ufrag: string, pwd: string): void {
    if (ufrag.length < 4 || !ICE_CHAR.test(ufrag)) throw new InvalidArgumentError('ICE ufrag must be at least 4 ice-chars');
    if (pwd.length < 22 || !ICE_CHAR.test(pwd)) throw new InvalidArgumentError('ICE password must be at least 22 ice-chars');
    this.#v.iceUfrag = ufrag;
    this.#v.icePwd = pwd;
  }

  /** DTLS role this side takes when it answers: `client` (a=setup:active, Pion's default) or `server`. */
  setAnsweringDTLSRole(role: DtlsRoleSetting): void {
    this.#v.answeringDtlsRole = role;
  }

  setSRTPProtectionProfiles(...profiles: SrtpProtectionProfile[]): void {
    for (const p of profiles) if (!isSrtpProtectionProfile(p)) throw new InvalidArgumentError(`unknown SRTP profile ${p}`);
    this.#v.srtpProtectionProfiles = [...profiles];
  }

  setDTLSRetransmissionInterval(ms: number): void {
    if (!(ms > 0)) throw new InvalidArgumentError('DTLS retransmission interval must be positive');
    this.#v.dtlsRetransmissionIntervalMs = ms;
  }

  setDTLSExtendedMasterSecret(mode: 'require' | 'request' | 'disable'): void {
    this.#v.dtlsExtendedMasterSecret = mode;
  }

  setSRTPReplayProtectionWindow(packets: number): void {
    if (!Number.isInteger(packets) || packets < 1) throw new InvalidArgumentError('replay window must be a positive integer');
    this.#v.srtpReplayWindow = packets;
  }

  /**
   * Runs SRTP/SRTCP for every peer connection of this engine on `count`
   * worker threads (0, the default: inline on the calling thread). Worth it
   * only where the native SRTP accelerator is not built (see
   * `nativeSrtpStatus()`): there Node needs a new cipher object per SRTP
   * packet, and on a worker that cost leaves the event loop. With the
   * accelerator, inline SRTP costs less than handing packets to a worker.
   * Packets cross in batches, adding well under a millisecond of latency.
   * Workers start with the first connected transport and stop when the last
   * one closes; they never keep the process alive.
   */
  setSRTPWorkers(count: number): void {
    if (!Number.isInteger(count) || count < 0 || count > MAX_SRTP_WORKERS) {
      throw new InvalidArgumentError(`SRTP worker count must be an integer 0..${MAX_SRTP_WORKERS}`);
    }
    // Connections already on an earlier pool keep it; its workers stop with their last session.
    this.#srtpWorkers = count === 0 ? undefined : new SrtpWorkerPool(count);
  }

  /** The SRTP worker pool shared by this engine's peer connections, when {@link setSRTPWorkers} asked for one. */
  srtpWorkerPool(): SrtpWorkerPool | undefined {
    return this.#srtpWorkers;
  }

  setReceiveMTU(mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) throw new InvalidArgumentError('receive MTU must be 576..65535');
    this.#v.receiveMtu = mtu;
  }

  /**
   * How many SSRCs the remote description did not announce one peer
   * connection binds over its life (MID/RID or payload-type routing, RFC 9143
   * §9.2); later ones are dropped and counted. Default 16
   * (DEFAULT_UNANNOUNCED_SSRC_LIMIT in media-router.ts): two simulcast videos
   * of three layers with RTX plus audio. Raise it for peers that send more
   * unsignalled streams; each becomes a remote track.
   */
  setUnannouncedSSRCLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 0 || limit > 256) throw new InvalidArgumentError('unannounced SSRC limit must be an integer 0..256');
    this.#v.unannouncedSsrcLimit = limit;
  }

  /**
   * Single-port mode: every peer connection using this engine gathers its
   * host candidates from `mux` (one UDP socket and one TCP listener shared by
   * all transports, demultiplexed by ICE ufrag) instead of binding its own.
   */
  setICEMux(mux: IceMux): void {
    this.#v.iceMux = mux;
  }

  /** Pion's name for {@link setICEMux}; the same server also serves ICE-TCP. */
  setICEUDPMux(mux: IceMux): void {
    this.setICEMux(mux);
  }

  /** Pion's name for {@link setICEMux} (the server's TCP listener carries ICE-TCP). */
  setICETCPMux(mux: IceMux): void {
    this.setICEMux(mux);
  }

  /** Pion's SetNet/SetVNet: the network (e.g. a `tern-rtc/vnet` host in tests). */
  setNet(net: Net): void {
    this.#v.net = net;
  }

  /**
   * The DTLS certificate of every peer connection using this engine. When
   * none is set, one ECDSA P-256 certificate is generated on first use and
   * shared, so connections never pay for key generation.
   */
  setDTLSCertificate(certificate: DtlsCertificate): void {
    this.#certificate = Promise.resolve(certificate);
  }

  /** The certificate (generated once, on first call, when none was set). */
  certificate(): Promise<DtlsCertificate> {
    this.#certificate ??= DtlsCertificate.generate();
    return this.#certificate;
  }

  /**
   * Parsed peer certificates shared by the peer connections of this engine
   * (bounded LRU keyed by the certificate digest; the fingerprint is still
   * checked every handshake), so a peer seen again is not parsed again.
   */
  peerCertificateCache(): DtlsCertificateCache {
    this.#peerCertificates ??= new DtlsCertificateCache();
    return this.#peerCertificates;
  }

  /**
   * The interceptors every peer connection of this engine runs its RTP and
   * RTCP through (Pion's `webrtc.WithInterceptorRegistry`). Empty by default:
   * NACK, reports and transport-cc feedback are built in. Each peer
   * connection builds its chain when its transport starts.
   */
  setInterceptorRegistry(registry: InterceptorRegistry): void {
    if (!(registry instanceof InterceptorRegistry)) throw new InvalidArgumentError('not an InterceptorRegistry');
    this.#interceptors = registry;
  }

  /** The registry in use (add to it directly, or replace it with {@link setInterceptorRegistry}). */
  interceptorRegistry(): InterceptorRegistry {
    return this.#interceptors;
  }

  setClock(clock: Clock): void {
    this.#v.clock = clock;
  }

  setRng(rng: Rng): void {
    this.#v.rng = rng;
  }

  /** Pion's DetachDataChannels: read and write channels through `channel.detach()` (a Node Duplex). */
  detachDataChannels(): void {
    this.#v.detachDataChannels = true;
  }

  /**
   * Pion's EnableSCTPZeroChecksum: offer RFC 9653 zero checksum (DTLS already
   * protects every packet; saves the CRC32c). Off by default because older
   * stacks (pion/sctp < 1.8.13) cannot parse an INIT that carries it.
   */
  enableSCTPZeroChecksum(enable: boolean): void {
    this.#v.sctpZeroChecksum = enable;
  }

  /** Our `a=max-message-size` (bytes, 1 KiB..1 GiB): the largest data-channel message we accept. */
  setSCTPMaxMessageSize(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 1024 || bytes > 1 << 30) throw new InvalidArgumentError(`bad SCTP max message size ${bytes}`);
    this.#v.sctpMaxMessageSize = bytes;
  }

  /** The `bufferedAmount` past which a data channel's `send` throws `ERR_DC_BUFFER_FULL` (default 16 MiB). */
  setDataChannelHighWaterMark(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 1) throw new InvalidArgumentError(`bad data channel high-water mark ${bytes}`);
    this.#v.dataChannelHighWaterMark = bytes;
  }
}
