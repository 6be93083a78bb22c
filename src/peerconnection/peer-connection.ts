import type { Observable } from 'rxjs';
import { LazyEvents } from '../common/lazy-subjects.js';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { cryptoRng, randomIceString, type Rng } from '../common/rng.js';
import type { IceAgent } from '../agent/ice-agent.js';
import type { Candidate } from '../candidate/candidate.js';
import type { RtcpPacket } from '../rtcp/index.js';
import { parseSdp } from '../sdp/parse.js';
import type { SessionDescriptionModel } from '../sdp/types.js';
import type { MediaKind } from './codec.js';
import { checkIceCandidateInit, checkTrackLocal, serializeRtcpArgument } from './api-checks.js';
import type { RTCSctpTransport } from '../datachannel/rtc-sctp-transport.js';
import type { RTCDataChannel, RTCDataChannelInit } from '../datachannel/rtc-data-channel.js';
import { InvalidAccessError, InvalidStateError, OperationError } from './errors.js';
import { reconfigure, validateConfiguration } from './ice-config.js';
import { defaultMediaEngine, type MediaEngine } from './media-engine.js';
import { MediaRouter } from './media-router.js';
import { MediaPath } from './intercepted-media.js';
import { answerSetup, Negotiation } from './negotiation.js';
import { transportParams } from './remote-description.js';
import type { RTCRtpReceiver } from './rtp-receiver.js';
import type { RTCRtpSender } from './rtp-sender.js';
import { SettingEngine } from './setting-engine.js';
import { Descriptions } from './descriptions.js';
import { LocalDescriptionBuilder } from './local-description.js';
import { PeerTransport } from './peer-transport.js';
import type { RTCStatsReport } from './stats.js';
import { peerConnectionStats } from './peer-stats.js';
import { newSctpTransport } from './sctp-setup.js';
import type { TrackLocal } from './track-local.js';
import type { TrackRemote } from './track-remote.js';
import type { RTCRtpTransceiver } from './transceiver.js';
import { TransceiverSet } from './transceiver-set.js';
import type {
  RTCConfiguration,
  RTCIceCandidateInit,
  RTCIceConnectionState,
  RTCIceGatheringState,
  RTCOfferOptions,
  RTCPeerConnectionState,
  RTCRtpTransceiverInit,
  RTCSessionDescriptionInit,
  RTCSignalingState,
} from './types.js';

import type { PeerConnectionOptions, RTCDataChannelEvent, RTCPeerConnectionIceEvent, RTCTrackEvent } from './peer-connection-events.js';

export type { PeerConnectionOptions, RTCDataChannelEvent, RTCPeerConnectionIceEvent, RTCTrackEvent };

/**
 * W3C RTCPeerConnection with Pion-flavoured additions (SettingEngine,
 * MediaEngine, onTrack with readable remote tracks, writeRTCP). One ICE
 * agent and one DTLS-SRTP transport carry every m= section (max-bundle).
 *
 * Over 400 lines on purpose: it is the W3C API surface and the one place
 * where descriptions, negotiation, media and transport meet. The transport
 * (ICE, DTLS-SRTP, SCTP start, RTCP scheduler, connection state) lives in
 * peer-transport.ts, the descriptions and signaling state in descriptions.ts,
 * negotiation rules in negotiation.ts and sdp-builder.ts, media in the
 * transceiver, sender, receiver and router files.
 */
export class RTCPeerConnection {
  #config: RTCConfiguration;
  readonly #settings: SettingEngine;
  readonly #engine: MediaEngine;
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #log: ScopedLogger;
  readonly #peer: PeerTransport;
  readonly #descriptions = new Descriptions();
  readonly #negotiation: Negotiation;
  readonly #router: MediaRouter;
  readonly #set: TransceiverSet;
  /** The set's list, in m= order. */
  readonly #transceivers: RTCRtpTransceiver[];
  readonly #cname: string;
  readonly #localSsrc: number;
  readonly #local: LocalDescriptionBuilder;
  #chain: Promise<unknown> = Promise.resolve();

  readonly #track$ = new LazyEvents<RTCTrackEvent>();
  readonly #candidate$ = new LazyEvents<RTCPeerConnectionIceEvent>();
  readonly #negotiationNeeded$ = new LazyEvents<void>();
  readonly #datachannel$ = new LazyEvents<RTCDataChannelEvent>();
  readonly #sctp: RTCSctpTransport;
  #wantsData = false;

  #remoteCreated: RTCRtpTransceiver[] = [];
  readonly #media: MediaPath;
  #iceRestartPending = false;
  #negotiationNeededQueued = false;
  #closed = false;

  onicecandidate: ((e: RTCPeerConnectionIceEvent) => void) | null = null;
  ontrack: ((e: RTCTrackEvent) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  onconnectionstatechange: ((s: RTCPeerConnectionState) => void) | null = null;
  oniceconnectionstatechange: ((s: RTCIceConnectionState) => void) | null = null;
  onicegatheringstatechange: ((s: RTCIceGatheringState) => void) | null = null;
  onsignalingstatechange: ((s: RTCSignalingState) => void) | null = null;
  ondatachannel: ((e: RTCDataChannelEvent) => void) | null = null;

  constructor(config: RTCConfiguration = {}, options: PeerConnectionOptions = {}) {
    // Any bundlePolicy: every section shares one transport; offers carry a=group:BUNDLE for any peer.
    this.#config = validateConfiguration(config);
    this.#settings = options.settingEngine ?? new SettingEngine();
    this.#engine = options.mediaEngine ?? defaultMediaEngine();
    const s = this.#settings.values;
    this.#clock = s.clock ?? systemClock;
    this.#rng = s.rng ?? cryptoRng;
    this.#cname = randomIceString(this.#rng, 16);
    this.#set = new TransceiverSet({
      rng: this.#rng,
      cname: this.#cname,
      connectedPipe: () => (this.#peer.connected ? this.#media.pipe : undefined),
      onDirectionChange: () => this.#updateNegotiationNeeded(),
    });
    this.#transceivers = this.#set.list;
    this.#localSsrc = this.#set.newSsrc();
    const sessionId = BigInt.asUintN(62, this.#rng.bytes(8).readBigUInt64BE()).toString();
    this.#log = getLogger('pc').child(this.#cname.slice(0, 6));
    this.#peer = this.#newPeerTransport();
    this.#negotiation = new Negotiation({
      mediaEngine: this.#engine,
      transceivers: () => this.#transceivers,
      createTransceiver: (kind, direction) => this.#set.createTransceiver(kind, direction, null),
      wantsDataChannels: () => this.#wantsData,
    });
    this.#local = new LocalDescriptionBuilder(sessionId, this.#settings, this.#peer, this.#negotiation);
    this.#sctp = newSctpTransport(s, this.#clock, this.#rng, this.#cname.slice(0, 6), (channel) => {
      const e: RTCDataChannelEvent = { type: 'datachannel', channel };
      this.#datachannel$.next(e);
      this.#safe(() => this.ondatachannel?.(e));
    });
    this.#router = new MediaRouter({
      log: this.#log,
      rng: this.#rng,
      transceivers: () => this.#transceivers,
      signalled: (ssrc) => this.#negotiation.signalled(ssrc),
      now: () => this.#clock.now(),
      wallMs: () => this.#clock.wallMs(),
      onTrack: (track, transceiver) => this.#emitTrack(track, transceiver),
      ...(s.unannouncedSsrcLimit !== undefined ? { unannouncedSsrcLimit: s.unannouncedSsrcLimit } : {}),
    });
    const chain = this.#settings.interceptorRegistry().build({ id: this.#cname.slice(0, 6), clock: this.#clock, rng: this.#rng, log: this.#log });
    this.#media = new MediaPath(chain, { id: this.#cname.slice(0, 6), transceivers: () => this.#transceivers, deliverRtp: (p) => this.#router.handleRtp(p), deliverRtcp: (p) => void this.#router.handleRtcp(p, this.#allSenders()) });
  }

  /** The transport, created before the media path and SCTP it reads, which it reaches lazily. */
  #newPeerTransport(): PeerTransport {
    const pc = this;
    return new PeerTransport({
      config: this.#config,
      settings: this.#settings,
      clock: this.#clock,
      rng: this.#rng,
      log: this.#log,
      cname: this.#cname,
      localSsrc: this.#localSsrc,
      get media() {
        return pc.#media;
      },
      get router() {
        return pc.#router;
      },
      get sctp() {
        return pc.#sctp;
      },
      isClosed: () => this.#closed,
      transceivers: () => this.#transceivers,
      senders: () => this.#allSenders(),
      negotiatedData: () => this.#negotiation.negotiatedData,
      onCandidate: (c) => this.#iceEvent(() => this.#emitCandidate(c)),
      onGatheringStateChange: (s) => this.#iceEvent(() => this.#safe(() => this.onicegatheringstatechange?.(s))),
      onIceConnectionStateChange: (s) => this.#safe(() => this.oniceconnectionstatechange?.(s)),
      onConnectionStateChange: (next) => {
        if (next === 'closed' || next === 'failed') this.#set.endRemoteTracks();
        this.#safe(() => this.onconnectionstatechange?.(next));
      },
    });
  }

  // ---- state ---------------------------------------------------------------

  get signalingState(): RTCSignalingState {
    return this.#descriptions.signalingState;
  }
  get connectionState(): RTCPeerConnectionState {
    return this.#peer.connectionState;
  }
  get iceConnectionState(): RTCIceConnectionState {
    return this.#peer.iceConnectionState;
  }
  get iceGatheringState(): RTCIceGatheringState {
    return this.#peer.iceGatheringState;
  }
  get signalingState$(): Observable<RTCSignalingState> {
    return this.#descriptions.signalingState$;
  }
  get connectionState$(): Observable<RTCPeerConnectionState> {
    return this.#peer.connectionState$;
  }
  get iceConnectionState$(): Observable<RTCIceConnectionState> {
    return this.#peer.iceConnectionState$;
  }
  get iceGatheringState$(): Observable<RTCIceGatheringState> {
    return this.#peer.iceGatheringState$;
  }
  get track$(): Observable<RTCTrackEvent> {
    return this.#track$.asObservable();
  }
  get icecandidate$(): Observable<RTCPeerConnectionIceEvent> {
    return this.#candidate$.asObservable();
  }
  get negotiationneeded$(): Observable<void> {
    return this.#negotiationNeeded$.asObservable();
  }
  get datachannel$(): Observable<RTCDataChannelEvent> {
    return this.#datachannel$.asObservable();
  }

  /** W3C `sctp`: the SCTP transport once an m=application section is negotiated, else null. */
  get sctp(): RTCSctpTransport | null {
    return this.#negotiation.negotiatedData && this.#peer.starting ? this.#sctp : null;
  }

  /** W3C createDataChannel (RFC 8831/8832): in-band or pre-negotiated (`negotiated: true, id`). */
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    this.#assertOpen();
    const channel = this.#sctp.createDataChannel(label, init);
    if (!this.#wantsData) {
      this.#wantsData = true;
      if (!this.#negotiation.hasDataSection) this.#updateNegotiationNeeded();
    }
    return channel;
  }

  get localDescription(): RTCSessionDescriptionInit | null {
    return this.#local.describe(this.#descriptions.local, true);
  }
  get currentLocalDescription(): RTCSessionDescriptionInit | null {
    return this.#local.describe(this.#descriptions.currentLocal, true);
  }
  get pendingLocalDescription(): RTCSessionDescriptionInit | null {
    return this.#local.describe(this.#descriptions.pendingLocal, true);
  }
  get remoteDescription(): RTCSessionDescriptionInit | null {
    return this.#local.describe(this.#descriptions.remote, false);
  }
  get currentRemoteDescription(): RTCSessionDescriptionInit | null {
    return this.#local.describe(this.#descriptions.currentRemote, false);
  }
  get pendingRemoteDescription(): RTCSessionDescriptionInit | null {
    return this.#local.describe(this.#descriptions.pendingRemote, false);
  }

  /** The ICE agent (Pion exposes it through ICETransport). */
  get iceAgent(): IceAgent {
    return this.#peer.agent;
  }

  get settingEngine(): SettingEngine {
    return this.#settings;
  }

  getConfiguration(): RTCConfiguration {
    return { ...this.#config };
  }

  /** W3C setConfiguration: new ICE servers and transport policy apply at the next gathering or ICE restart. */
  setConfiguration(config: RTCConfiguration): void {
    this.#assertOpen();
    this.#config = reconfigure(this.#config, config, this.#peer.agent);
  }

  getTransceivers(): RTCRtpTransceiver[] {
    return [...this.#transceivers];
  }

  getSenders(): RTCRtpSender[] {
    return this.#transceivers.filter((t) => !t.stopped).map((t) => t.sender);
  }

  getReceivers(): RTCRtpReceiver[] {
    return this.#transceivers.filter((t) => !t.stopped).map((t) => t.receiver);
  }

  // ---- media ---------------------------------------------------------------

  addTrack(track: TrackLocal): RTCRtpSender {
    checkTrackLocal(track);
    this.#assertOpen();
    const sender = this.#set.addTrack(track);
    this.#updateNegotiationNeeded();
    return sender;
  }

  removeTrack(sender: RTCRtpSender): void {
    this.#assertOpen();
    if (this.#set.removeTrack(sender)) this.#updateNegotiationNeeded();
  }

  addTransceiver(trackOrKind: TrackLocal | MediaKind, init: RTCRtpTransceiverInit = {}): RTCRtpTransceiver {
    this.#assertOpen();
    const t = this.#set.addTransceiver(trackOrKind, init);
    this.#updateNegotiationNeeded();
    return t;
  }

  /** Sends RTCP packets (e.g. a PLI for a remote track) on the transport. */
  writeRTCP(packets: RtcpPacket[]): boolean {
    const compound = serializeRtcpArgument(packets);
    // After failed or close nothing is sent (RFC 7675 §5.1); the caller learns why.
    if (this.#closed || this.connectionState === 'failed') throw new InvalidStateError(`writeRTCP: the peer connection is ${this.connectionState}`);
    return this.#media.pipe?.writeRtcp(compound) ?? false;
  }

  /** Asks the sender of a remote track for a key frame (PLI). */
  requestKeyFrame(track: TrackRemote): boolean {
    return this.#peer.requestKeyFrame(track.ssrc);
  }

  // ---- negotiation ---------------------------------------------------------

  createOffer(options: RTCOfferOptions = {}): Promise<RTCSessionDescriptionInit> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (options.iceRestart || this.#iceRestartPending) {
        if (this.#descriptions.currentRemote) await this.#peer.agent.restart();
        this.#iceRestartPending = false;
      }
      const sections = this.#negotiation.offerSections();
      const setup = this.#peer.dtlsRole === undefined ? 'actpass' : this.#peer.dtlsRole === 'client' ? 'active' : 'passive';
      const model = await this.#local.build(sections, setup);
      return { type: 'offer' as const, sdp: this.#descriptions.rememberOffer(model) };
    });
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      const remote = this.#descriptions.pendingRemote;
      if (!remote || remote.type !== 'offer' || this.signalingState !== 'have-remote-offer') {
        throw new InvalidStateError(`createAnswer needs a remote offer (signaling state ${this.signalingState})`);
      }
      const sections = this.#negotiation.answerSections(remote.model);
      const role = this.#peer.dtlsRole;
      const setup = role !== undefined ? (role === 'client' ? 'active' : 'passive') : answerSetup(transportParams(remote.model).setup, this.#settings.values.answeringDtlsRole);
      const model = await this.#local.build(sections, setup);
      return { type: 'answer' as const, sdp: this.#descriptions.rememberAnswer(model) };
    });
  }

  setLocalDescription(desc?: RTCSessionDescriptionInit): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      this.#holdIceEvents();
      let type = desc?.type;
      if (type === undefined) type = this.signalingState === 'have-remote-offer' || this.signalingState === 'have-local-pranswer' ? 'answer' : 'offer';
      if (type === 'rollback') {
        this.#setSignaling(this.#descriptions.next('local', 'rollback'));
        this.#descriptions.rollbackLocal();
        return;
      }
      const created = this.#descriptions.created(type);
      let model: SessionDescriptionModel;
      if (!desc?.sdp) {
        model = created?.model ?? (type === 'offer' ? await this.#local.buildOfferNow() : await this.#local.buildAnswerNow(this.#descriptions.pendingRemote));
      } else if (created && desc.sdp === created.sdp) {
        model = created.model; // unmodified from createOffer/createAnswer: stored models are never mutated
      } else {
        model = this.#parse(desc.sdp, InvalidAccessError);
      }
      const next = this.#descriptions.next('local', type);
      if (type === 'offer') {
        this.#descriptions.setLocal(type, model, desc?.sdp || undefined);
        this.#peer.fixIceRole('controlling');
      } else {
        this.#negotiation.applyLocalAnswer(model);
        this.#descriptions.setLocal(type, model, desc?.sdp || undefined);
        this.#peer.dtlsRole ??= model.media.find((m) => m.setup)?.setup === 'passive' ? 'server' : 'client';
        this.#remoteCreated = [];
        this.#set.muteUnreceived();
      }
      this.#setSignaling(next);
      this.#peer.startGathering();
      this.#maybeStartTransport();
      this.#peer.maybeStartSctp();
      this.#descriptions.compactIfStable();
    });
  }

  setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (desc.type === 'rollback') {
        this.#setSignaling(this.#descriptions.next('remote', 'rollback'));
        this.#negotiation.rollback(this.#remoteCreated);
        this.#set.remove(this.#remoteCreated);
        this.#remoteCreated = [];
        this.#descriptions.rollbackRemote();
        return;
      }
      if (!desc.sdp) throw new InvalidAccessError('remote description has no sdp');
      const model = this.#parse(desc.sdp, InvalidAccessError);
      const type = desc.type;
      const next = this.#descriptions.next('remote', type);
      const params = transportParams(model);
      if (!params.iceUfrag || !params.icePwd) throw new InvalidAccessError('remote description has no ICE credentials');
      if (!params.fingerprints.length) throw new InvalidAccessError('remote description has no DTLS fingerprint');
      const { newTransceivers } = this.#negotiation.applyRemote(model, type);
      if (type === 'offer') {
        this.#descriptions.setRemote(type, model, desc.sdp);
        this.#peer.fixIceRole(params.iceLite ? 'controlling' : 'controlled');
        this.#remoteCreated = newTransceivers;
      } else {
        this.#descriptions.setRemote(type, model, desc.sdp);
        if (this.#peer.dtlsRole === undefined) this.#peer.dtlsRole = params.setup === 'active' ? 'server' : 'client';
      }
      await this.#peer.applyRemoteIce(params.iceUfrag, params.icePwd, type);
      for (const c of params.candidates) this.#peer.addRemoteCandidateLine(c);
      if (params.endOfCandidates) this.#peer.agent.addRemoteCandidate(null);
      if (type !== 'offer') this.#set.muteUnreceived();
      this.#setSignaling(next);
      this.#maybeStartTransport();
      this.#peer.maybeStartSctp();
      this.#descriptions.compactIfStable();
    });
  }

  addIceCandidate(candidateInit?: RTCIceCandidateInit | null): Promise<void> {
    let candidate: RTCIceCandidateInit | null;
    try {
      candidate = checkIceCandidateInit(candidateInit);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (!this.#descriptions.remote) throw new InvalidStateError('addIceCandidate before setRemoteDescription');
      if (!candidate || !candidate.candidate) {
        this.#peer.agent.addRemoteCandidate(null);
        return;
      }
      const remoteUfrag = this.#peer.remoteUfrag;
      if (candidate.usernameFragment && remoteUfrag && candidate.usernameFragment !== remoteUfrag) return; // for an old generation
      try {
        this.#peer.agent.addRemoteCandidate(candidate.candidate);
      } catch (err) {
        throw new OperationError(`bad candidate: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  /** Asks for an ICE restart at the next offer (W3C restartIce). */
  restartIce(): void {
    this.#iceRestartPending = true;
    this.#updateNegotiationNeeded();
  }

  getStats(): Promise<RTCStatsReport> {
    const now = this.#clock.wallMs();
    return Promise.resolve(peerConnectionStats({ now, peer: this.#peer, transceivers: this.#transceivers, router: this.#router, sctp: this.#sctp }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#transceivers) t.stop();
    this.#peer.close();
    this.#descriptions.close();
    this.#peer.completeStates();
    this.#track$.complete();
    this.#candidate$.complete();
    this.#negotiationNeeded$.complete();
    this.#datachannel$.complete();
  }

  // ---- internals -----------------------------------------------------------

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(op, op);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidStateError('the peer connection is closed');
  }

  #parse(sdp: string, ErrorType: typeof InvalidAccessError): SessionDescriptionModel {
    try {
      return parseSdp(sdp);
    } catch (err) {
      throw new ErrorType(`bad SDP: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Every sending encoding (simulcast layers included), for RTCP routing and reports. */
  #allSenders(): RTCRtpSender[] {
    return this.#set.allSenders();
  }

  /**
   * W3C §4.4.1.6 surfaces candidates and gathering states as queued tasks, so they never
   * reach the application before the setLocalDescription() promise that started gathering
   * has settled: a caller that signals the description when it resolves always sends it
   * before its candidates. Events raised while it runs wait here, in order, and are
   * released on the next macrotask after it settles (bounded by what one gathering emits).
   */
  #heldIceEvents: (() => void)[] | undefined;

  #holdIceEvents(): void {
    if (this.#heldIceEvents) return;
    this.#heldIceEvents = [];
    const release = (): void => {
      setImmediate(() => {
        const held = this.#heldIceEvents ?? [];
        this.#heldIceEvents = undefined;
        for (const fire of held) fire();
      });
    };
    this.#chain.then(release, release);
  }

  #iceEvent(fire: () => void): void {
    if (this.#heldIceEvents) this.#heldIceEvents.push(fire);
    else fire();
  }

  #emitCandidate(c: Candidate | null): void {
    if (this.#closed) return;
    const e: RTCPeerConnectionIceEvent = {
      candidate: c
        ? { candidate: c.toString(), sdpMid: this.#negotiation.firstMid ?? '0', sdpMLineIndex: 0, usernameFragment: this.#peer.agent.localCredentials.ufrag }
        : null,
    };
    this.#candidate$.next(e);
    this.#safe(() => this.onicecandidate?.(e));
  }

  #emitTrack(track: TrackRemote, transceiver: RTCRtpTransceiver): void {
    const e: RTCTrackEvent = { track, receiver: transceiver.receiver, transceiver, streams: [track.streamId] };
    this.#track$.next(e);
    this.#safe(() => this.ontrack?.(e));
  }

  #maybeStartTransport(): void {
    if (this.#peer.starting || this.#closed) return;
    const d = this.#descriptions;
    if (!d.currentLocal || !d.currentRemote) return;
    const remote = d.currentRemote;
    this.#peer.maybeStart(() => remote.model, d.currentLocal.type === 'offer' || d.lastOfferWasOurs());
  }

  #setSignaling(s: RTCSignalingState): void {
    if (!this.#descriptions.setSignaling(s)) return;
    this.#safe(() => this.onsignalingstatechange?.(s));
    if (s === 'stable') this.#updateNegotiationNeeded();
  }

  /** W3C §4.7.3 (simplified): fire negotiationneeded once per needed change, when stable. */
  #updateNegotiationNeeded(): void {
    if (this.#closed || this.#negotiationNeededQueued) return;
    this.#negotiationNeededQueued = true;
    queueMicrotask(() => {
      this.#negotiationNeededQueued = false;
      if (this.#closed || this.signalingState !== 'stable' || !this.#isNegotiationNeeded()) return;
      this.#negotiationNeeded$.next();
      this.#safe(() => this.onnegotiationneeded?.());
    });
  }

  #isNegotiationNeeded(): boolean {
    if (this.#iceRestartPending) return true;
    if (this.#wantsData && !this.#negotiation.hasDataSection) return true;
    return this.#set.needsNegotiation((t) => this.#negotiation.isRejected(t));
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error('event handler threw', err);
    }
  }
}
