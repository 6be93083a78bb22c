import type { Observable } from 'rxjs';
import { LazyState } from '../common/lazy-subjects.js';
import type { Clock } from '../common/clock.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { IceAgent } from '../agent/ice-agent.js';
import type { Candidate } from '../candidate/candidate.js';
import type { DtlsCertificate } from '../dtls/certificate.js';
import type { SessionDescriptionModel } from '../sdp/types.js';
import type { RTCSctpTransport } from '../datachannel/rtc-sctp-transport.js';
import { DtlsSrtpTransport } from './dtls-srtp-transport.js';
import { iceAgentConfig } from './ice-config.js';
import type { MediaPath } from './intercepted-media.js';
import type { MediaRouter } from './media-router.js';
import type { RemoteDataSection } from './negotiation.js';
import { transportParams } from './remote-description.js';
import { RtcpScheduler } from './rtcp-scheduler.js';
import type { RTCRtpSender } from './rtp-sender.js';
import type { SettingEngine } from './setting-engine.js';
import type { RTCRtpTransceiver } from './transceiver.js';
import type { RTCConfiguration, RTCIceConnectionState, RTCIceGatheringState, RTCPeerConnectionState } from './types.js';

/** What the transport needs from the peer connection above it. */
export interface PeerTransportHost {
  readonly config: RTCConfiguration;
  readonly settings: SettingEngine;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: ScopedLogger;
  readonly cname: string;
  readonly localSsrc: number;
  readonly media: MediaPath;
  readonly router: MediaRouter;
  readonly sctp: RTCSctpTransport;
  /** Whether the peer connection is closed: nothing is emitted or started after that. */
  isClosed(): boolean;
  transceivers(): readonly RTCRtpTransceiver[];
  /** Every sending encoding (simulcast layers included), for RTCP routing and reports. */
  senders(): RTCRtpSender[];
  /** The negotiated m=application section, if any. */
  negotiatedData(): RemoteDataSection | undefined;
  onCandidate(c: Candidate | null): void;
  onGatheringStateChange(s: RTCIceGatheringState): void;
  onIceConnectionStateChange(s: RTCIceConnectionState): void;
  onConnectionStateChange(s: RTCPeerConnectionState): void;
}

/**
 * The transport under one peer connection (Pion's ICETransport +
 * DTLSTransport): the ICE agent and its watching, the DTLS-SRTP transport
 * start, the SCTP start hook, the RTCP scheduler and the derived ICE and
 * connection states. One agent and one DTLS-SRTP transport carry every
 * m= section (max-bundle).
 */
export class PeerTransport {
  readonly #host: PeerTransportHost;
  readonly #agent: IceAgent;
  readonly #certificate: Promise<DtlsCertificate>;
  #certificateValue: DtlsCertificate | undefined;
  readonly #connection$ = new LazyState<RTCPeerConnectionState>('new');
  readonly #ice$ = new LazyState<RTCIceConnectionState>('new');
  readonly #gathering$ = new LazyState<RTCIceGatheringState>('new');
  #remoteUfrag: string | undefined;
  #gatheringStarted = false;
  #transport: DtlsSrtpTransport | undefined;
  #transportStarting = false;
  #scheduler: RtcpScheduler | undefined;
  #dtlsRole: 'client' | 'server' | undefined;
  #subscriptions: (() => void)[] = [];

  constructor(host: PeerTransportHost) {
    this.#host = host;
    this.#certificate = host.settings.certificate();
    this.#certificate.catch(() => undefined);
    this.#agent = new IceAgent(iceAgentConfig(host.config, host.settings.values));
    this.#watchAgent();
  }

  get agent(): IceAgent {
    return this.#agent;
  }
  /** The DTLS-SRTP transport once started. */
  get dtls(): DtlsSrtpTransport | undefined {
    return this.#transport;
  }
  /** Whether the DTLS-SRTP transport is up (new senders get its pipe at once). */
  get connected(): boolean {
    return this.#transport?.state === 'connected';
  }
  /** Whether the transport start has begun (both descriptions are set). */
  get starting(): boolean {
    return this.#transportStarting;
  }
  get dtlsRole(): 'client' | 'server' | undefined {
    return this.#dtlsRole;
  }
  set dtlsRole(role: 'client' | 'server' | undefined) {
    this.#dtlsRole = role;
  }
  /** The local certificate once known (for stats). */
  get certificateValue(): DtlsCertificate | undefined {
    return this.#certificateValue;
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#connection$.value;
  }
  get iceConnectionState(): RTCIceConnectionState {
    return this.#ice$.value;
  }
  get iceGatheringState(): RTCIceGatheringState {
    return this.#gathering$.value;
  }
  get connectionState$(): Observable<RTCPeerConnectionState> {
    return this.#connection$.asObservable();
  }
  get iceConnectionState$(): Observable<RTCIceConnectionState> {
    return this.#ice$.asObservable();
  }
  get iceGatheringState$(): Observable<RTCIceGatheringState> {
    return this.#gathering$.asObservable();
  }

  /** The local certificate (awaited). */
  async certificate(): Promise<DtlsCertificate> {
    const certificate = await this.#certificate;
    this.#certificateValue = certificate;
    return certificate;
  }

  /** Asks the sender of a remote track for a key frame (PLI). */
  requestKeyFrame(ssrc: number): boolean {
    return this.#scheduler?.requestKeyFrame(ssrc) ?? false;
  }

  async applyRemoteIce(ufrag: string, pwd: string, type: 'offer' | 'answer' | 'pranswer'): Promise<void> {
    const previous = this.#remoteUfrag;
    this.#remoteUfrag = ufrag;
    if (previous === undefined || previous === ufrag) return;
    // RFC 8445 §9: new remote credentials mean an ICE restart. The answerer restarts too.
    this.#host.log.debug(`ICE restart: remote ufrag ${previous} -> ${ufrag}`);
    if (type === 'offer') await this.#agent.restart();
    this.#agent.setRemoteCredentials(ufrag, pwd);
  }

  /** The remote ufrag of the current ICE generation. */
  get remoteUfrag(): string | undefined {
    return this.#remoteUfrag;
  }

  /** RFC 8445 §6.1.1: the offerer controls (an ICE-lite agent never does), fixed before checks arrive. */
  fixIceRole(role: 'controlling' | 'controlled'): void {
    if (this.#transportStarting || this.#host.settings.values.lite) return;
    try {
      this.#agent.setRole(role);
    } catch (err) {
      this.#host.log.debug(`keeping ICE role: ${(err as Error).message}`);
    }
  }

  addRemoteCandidateLine(line: string): void {
    try {
      this.#agent.addRemoteCandidate(line);
    } catch (err) {
      this.#host.log.debug(`ignoring remote candidate "${line}": ${(err as Error).message}`);
    }
  }

  startGathering(): void {
    if (this.#gatheringStarted) return;
    this.#gatheringStarted = true;
    this.#agent.gather().catch((err: unknown) => this.#host.log.warn(`gathering failed: ${(err as Error).message}`));
  }

  #watchAgent(): void {
    const a = this.#agent;
    const off1 = a.onGatheringStateChange((s) => {
      if (this.#host.isClosed() || this.#gathering$.value === s) return;
      this.#gathering$.set(s);
      this.#host.onGatheringStateChange(s);
    });
    const off = a.onCandidate((c) => this.#host.onCandidate(c));
    const off2 = a.onStateChange((s) => {
      if (this.#host.isClosed()) return;
      if (this.#ice$.value !== s) {
        this.#ice$.set(s);
        this.#host.onIceConnectionStateChange(s);
      }
      this.#updateConnectionState();
    });
    this.#subscriptions.push(off1, off, off2);
  }

  /**
   * Starts ICE, then DTLS-SRTP, SCTP and the RTCP scheduler, once both
   * descriptions are current. `remote` is read only when the start begins;
   * `localIsOffer` says whether our last offer is the current local description.
   */
  maybeStart(remote: () => SessionDescriptionModel, localIsOffer: boolean): void {
    if (this.#transportStarting || this.#host.isClosed()) return;
    this.#transportStarting = true;
    void this.#startTransport(remote(), localIsOffer).catch((err: unknown) => {
      this.#host.log.debug(`transport failed: ${(err as Error).message}`);
      this.#updateConnectionState();
    });
  }

  async #startTransport(remote: SessionDescriptionModel, localIsOffer: boolean): Promise<void> {
    const params = transportParams(remote);
    const lite = this.#host.settings.values.lite;
    const controlling = !lite && (params.iceLite || localIsOffer);
    const ice = controlling
      ? await this.#agent.dial(params.iceUfrag!, params.icePwd!)
      : await this.#agent.accept(params.iceUfrag!, params.icePwd!);
    if (this.#host.isClosed()) return;
    const settings = this.#host.settings;
    const s = settings.values;
    const certificate = await this.#certificate;
    this.#certificateValue = certificate;
    const transport = new DtlsSrtpTransport({
      ice,
      role: this.#dtlsRole ?? 'client',
      certificate,
      remoteFingerprints: params.fingerprints,
      ...(s.srtpProtectionProfiles ? { srtpProfiles: s.srtpProtectionProfiles } : {}),
      extendedMasterSecret: s.dtlsExtendedMasterSecret,
      ...(s.dtlsRetransmissionIntervalMs !== undefined ? { retransmitInitialMs: s.dtlsRetransmissionIntervalMs } : {}),
      ...(s.srtpReplayWindow !== undefined ? { replayWindow: s.srtpReplayWindow } : {}),
      certificateCache: settings.peerCertificateCache(),
      ...(settings.srtpWorkerPool() ? { srtpWorkers: settings.srtpWorkerPool()! } : {}),
      clock: this.#host.clock,
      rng: this.#host.rng,
      logId: this.#host.cname.slice(0, 6),
      onRtp: this.#host.media.onRtp,
      onRtcp: this.#host.media.onRtcp,
    });
    this.#transport = transport;
    const pipe = this.#host.media.attach(transport);
    this.#subscriptions.push(transport.onStateChange(() => this.#updateConnectionState()));
    this.#subscriptions.push(
      transport.onStateChange((st) => {
        if (st === 'closed' || st === 'failed') this.#host.sctp.transportClosed(st === 'failed' ? new Error('DTLS transport failed') : undefined);
      }),
    );
    this.#updateConnectionState();
    await transport.start();
    if (this.#host.isClosed()) return;
    this.maybeStartSctp();
    for (const t of this.#host.transceivers()) t.sender.setPipe(pipe);
    this.#scheduler = new RtcpScheduler(
      {
        clock: this.#host.clock,
        rng: this.#host.rng,
        cname: this.#host.cname,
        localSsrc: this.#host.localSsrc,
        senders: () => this.#host.senders(),
        router: this.#host.router,
      },
      pipe,
    );
    this.#scheduler.start();
    this.#updateConnectionState();
  }

  /** Starts SCTP over DTLS once DTLS is up and an m=application section is negotiated (RFC 8841). */
  maybeStartSctp(): void {
    const transport = this.#transport;
    const data = this.#host.negotiatedData();
    const sctp = this.#host.sctp;
    if (this.#host.isClosed() || !data || !transport || transport.state !== 'connected' || sctp.started) return;
    const role = this.#dtlsRole ?? 'client';
    sctp.setRemote(data);
    transport.onSctp((packet) => sctp.receive(packet));
    sctp.start({ send: (packet) => void transport.sendSctp(packet) }, role);
  }

  #updateConnectionState(): void {
    if (this.#host.isClosed()) return;
    const ice = this.#ice$.value;
    const dtls = this.#transport?.state ?? 'new';
    let next: RTCPeerConnectionState;
    if (ice === 'failed' || dtls === 'failed') next = 'failed';
    else if (dtls === 'closed') next = 'closed';
    else if (ice === 'disconnected') next = 'disconnected';
    else if ((ice === 'connected' || ice === 'completed') && dtls === 'connected') next = 'connected';
    else if (ice === 'new' && dtls === 'new') next = 'new';
    else next = 'connecting';
    if (next === this.#connection$.value) return;
    this.#host.log.debug(`connection state ${this.#connection$.value} -> ${next}`);
    this.#connection$.set(next);
    this.#host.onConnectionStateChange(next);
  }

  /** Stops the scheduler, SCTP, DTLS, the media path and the agent, and drops every subscription. */
  close(): void {
    this.#scheduler?.stop();
    this.#host.sctp.close();
    this.#transport?.close();
    this.#host.media.close();
    this.#agent.close();
    for (const off of this.#subscriptions.splice(0)) off();
  }

  /** After close(): the ICE and connection states become closed and every state stream completes. */
  completeStates(): void {
    this.#ice$.set('closed');
    this.#connection$.set('closed');
    for (const s of [this.#ice$, this.#connection$, this.#gathering$]) s.complete();
  }
}
