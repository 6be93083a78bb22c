import type { Observable } from 'rxjs';
import { LazyEvents, LazyState } from '../common/lazy-subjects.js';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { cryptoRng, randomIceString, type Rng } from '../common/rng.js';
import { IceAgent } from '../agent/ice-agent.js';
import type { Candidate } from '../candidate/candidate.js';
import type { DtlsCertificate } from '../dtls/certificate.js';
import { serializeRtcp, type RtcpPacket } from '../rtcp/index.js';
import { parseSdp } from '../sdp/parse.js';
import type { SdpSetupRole, SessionDescriptionModel } from '../sdp/types.js';
import { writeSdp } from '../sdp/write.js';
import type { MediaKind } from './codec.js';
import { DtlsSrtpTransport } from './dtls-srtp-transport.js';
import { RTCSctpTransport } from '../datachannel/rtc-sctp-transport.js';
import type { RTCDataChannel, RTCDataChannelInit } from '../datachannel/rtc-data-channel.js';
import { dataChannelStats } from '../datachannel/data-channel-stats.js';
import { InvalidAccessError, InvalidStateError, OperationError } from './errors.js';
import { iceAgentConfig } from './ice-config.js';
import { defaultMediaEngine, type MediaEngine } from './media-engine.js';
import { MediaRouter } from './media-router.js';
import { answerSetup, Negotiation } from './negotiation.js';
import { transportParams } from './remote-description.js';
import { RtcpScheduler } from './rtcp-scheduler.js';
import { RTCRtpReceiver } from './rtp-receiver.js';
import { RTCRtpSender } from './rtp-sender.js';
import { buildLocalDescription, type LocalSection } from './sdp-builder.js';
import { SettingEngine } from './setting-engine.js';
import { StoredDescription } from './stored-description.js';
import { nextSignalingState } from './signaling-state.js';
import { collectStats, type RTCStats, type RTCStatsReport } from './stats.js';
import type { TrackLocal } from './track-local.js';
import type { TrackRemote } from './track-remote.js';
import { RTCRtpTransceiver } from './transceiver.js';
import type {
  RTCConfiguration,
  RTCIceCandidateInit,
  RTCIceConnectionState,
  RTCIceGatheringState,
  RTCOfferOptions,
  RTCPeerConnectionState,
  RTCRtpTransceiverDirection,
  RTCRtpTransceiverInit,
  RTCSessionDescriptionInit,
  RTCSignalingState,
} from './types.js';

import type { PeerConnectionOptions, RTCDataChannelEvent, RTCPeerConnectionIceEvent, RTCTrackEvent } from './peer-connection-events.js';

export type { PeerConnectionOptions, RTCDataChannelEvent, RTCPeerConnectionIceEvent, RTCTrackEvent };

type Described = StoredDescription;

/** A description this peer connection created, as a model and as the text it returned. */
interface CreatedDescription {
  readonly model: SessionDescriptionModel;
  readonly sdp: string;
}

/**
 * W3C RTCPeerConnection with Pion-flavoured additions (SettingEngine,
 * MediaEngine, onTrack with readable remote tracks, writeRTCP). One ICE
 * agent and one DTLS-SRTP transport carry every m= section (max-bundle).
 *
 * Over 400 lines on purpose: it is the W3C API surface and the one place
 * where signaling state, the ICE agent and the transport meet; negotiation
 * rules live in negotiation.ts and sdp-builder.ts, media in the transceiver,
 * sender, receiver and router files, transport in dtls-srtp-transport.ts.
 */
export class RTCPeerConnection {
  readonly #config: RTCConfiguration;
  readonly #settings: SettingEngine;
  readonly #engine: MediaEngine;
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #log: ScopedLogger;
  readonly #agent: IceAgent;
  readonly #negotiation: Negotiation;
  readonly #router: MediaRouter;
  readonly #transceivers: RTCRtpTransceiver[] = [];
  readonly #certificate: Promise<DtlsCertificate>;
  readonly #cname: string;
  readonly #localSsrc: number;
  readonly #sessionId: string;
  #sessionVersion = 0n;
  #chain: Promise<unknown> = Promise.resolve();

  readonly #signaling$ = new LazyState<RTCSignalingState>('stable');
  readonly #connection$ = new LazyState<RTCPeerConnectionState>('new');
  readonly #ice$ = new LazyState<RTCIceConnectionState>('new');
  readonly #gathering$ = new LazyState<RTCIceGatheringState>('new');
  readonly #track$ = new LazyEvents<RTCTrackEvent>();
  readonly #candidate$ = new LazyEvents<RTCPeerConnectionIceEvent>();
  readonly #negotiationNeeded$ = new LazyEvents<void>();
  readonly #datachannel$ = new LazyEvents<RTCDataChannelEvent>();
  readonly #sctp: RTCSctpTransport;
  #wantsData = false;

  #currentLocal: Described | undefined;
  #pendingLocal: Described | undefined;
  #currentRemote: Described | undefined;
  #pendingRemote: Described | undefined;
  /** What createOffer/createAnswer last returned: setting that text back needs no parse. */
  #lastOffer: CreatedDescription | undefined;
  #lastAnswer: CreatedDescription | undefined;
  #remoteCreated: RTCRtpTransceiver[] = [];
  #remoteUfrag: string | undefined;
  #gatheringStarted = false;
  #transport: DtlsSrtpTransport | undefined;
  #transportStarting = false;
  #scheduler: RtcpScheduler | undefined;
  #dtlsRole: 'client' | 'server' | undefined;
  #iceRestartPending = false;
  #negotiationNeededQueued = false;
  #closed = false;
  #subscriptions: (() => void)[] = [];

  onicecandidate: ((e: RTCPeerConnectionIceEvent) => void) | null = null;
  ontrack: ((e: RTCTrackEvent) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  onconnectionstatechange: ((s: RTCPeerConnectionState) => void) | null = null;
  oniceconnectionstatechange: ((s: RTCIceConnectionState) => void) | null = null;
  onicegatheringstatechange: ((s: RTCIceGatheringState) => void) | null = null;
  onsignalingstatechange: ((s: RTCSignalingState) => void) | null = null;
  ondatachannel: ((e: RTCDataChannelEvent) => void) | null = null;

  constructor(config: RTCConfiguration = {}, options: PeerConnectionOptions = {}) {
    if (config.bundlePolicy && config.bundlePolicy !== 'max-bundle') {
      // Every section shares one transport; offers still carry a=group:BUNDLE for any peer.
    }
    this.#config = config;
    this.#settings = options.settingEngine ?? new SettingEngine();
    this.#engine = options.mediaEngine ?? defaultMediaEngine();
    const s = this.#settings.values;
    this.#clock = s.clock ?? systemClock;
    this.#rng = s.rng ?? cryptoRng;
    this.#cname = randomIceString(this.#rng, 16);
    this.#localSsrc = this.#newSsrc();
    this.#sessionId = BigInt.asUintN(62, this.#rng.bytes(8).readBigUInt64BE()).toString();
    this.#log = getLogger('pc').child(this.#cname.slice(0, 6));
    this.#certificate = this.#settings.certificate();
    this.#certificate.catch(() => undefined);
    this.#agent = new IceAgent(iceAgentConfig(config, s));
    this.#negotiation = new Negotiation({
      mediaEngine: this.#engine,
      transceivers: () => this.#transceivers,
      createTransceiver: (kind, direction) => this.#createTransceiver(kind, direction, null),
      wantsDataChannels: () => this.#wantsData,
    });
    this.#sctp = new RTCSctpTransport({
      clock: this.#clock,
      rng: this.#rng,
      logId: this.#cname.slice(0, 6),
      ...(s.sctpMaxMessageSize !== undefined ? { maxMessageSize: s.sctpMaxMessageSize } : {}),
      ...(s.dataChannelHighWaterMark !== undefined ? { highWaterMark: s.dataChannelHighWaterMark } : {}),
      detached: s.detachDataChannels,
      zeroChecksum: s.sctpZeroChecksum,
      onDataChannel: (channel) => {
        const e: RTCDataChannelEvent = { type: 'datachannel', channel };
        this.#datachannel$.next(e);
        this.#safe(() => this.ondatachannel?.(e));
      },
    });
    this.#router = new MediaRouter({
      log: this.#log,
      rng: this.#rng,
      transceivers: () => this.#transceivers,
      signalled: (ssrc) => this.#negotiation.signalled(ssrc),
      now: () => this.#clock.now(),
      wallMs: () => this.#clock.wallMs(),
      onTrack: (track, transceiver) => this.#emitTrack(track, transceiver),
    });
    this.#watchAgent();
  }

  // ---- state ---------------------------------------------------------------

  get signalingState(): RTCSignalingState {
    return this.#signaling$.value;
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
  get signalingState$(): Observable<RTCSignalingState> {
    return this.#signaling$.asObservable();
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
    return this.#negotiation.negotiatedData && this.#transportStarting ? this.#sctp : null;
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
    return this.#describe(this.#pendingLocal ?? this.#currentLocal, true);
  }
  get currentLocalDescription(): RTCSessionDescriptionInit | null {
    return this.#describe(this.#currentLocal, true);
  }
  get pendingLocalDescription(): RTCSessionDescriptionInit | null {
    return this.#describe(this.#pendingLocal, true);
  }
  get remoteDescription(): RTCSessionDescriptionInit | null {
    return this.#describe(this.#pendingRemote ?? this.#currentRemote, false);
  }
  get currentRemoteDescription(): RTCSessionDescriptionInit | null {
    return this.#describe(this.#currentRemote, false);
  }
  get pendingRemoteDescription(): RTCSessionDescriptionInit | null {
    return this.#describe(this.#pendingRemote, false);
  }

  /** The ICE agent (Pion exposes it through ICETransport). */
  get iceAgent(): IceAgent {
    return this.#agent;
  }

  get settingEngine(): SettingEngine {
    return this.#settings;
  }

  getConfiguration(): RTCConfiguration {
    return { ...this.#config };
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
    this.#assertOpen();
    if (this.#transceivers.some((t) => t.sender.track === track && !t.stopped)) {
      throw new InvalidAccessError(`track ${track.id} already has a sender`);
    }
    const reusable = this.#transceivers.find(
      (t) => !t.stopped && t.kind === track.kind && !t.sender.track && t.direction !== 'sendrecv' && t.direction !== 'sendonly' && t.sender.stats === undefined,
    );
    if (reusable) {
      void reusable.sender.replaceTrack(track);
      reusable.direction = reusable.direction === 'recvonly' ? 'sendrecv' : 'sendonly';
      this.#updateNegotiationNeeded();
      return reusable.sender;
    }
    const t = this.#createTransceiver(track.kind, 'sendrecv', track);
    this.#updateNegotiationNeeded();
    return t.sender;
  }

  removeTrack(sender: RTCRtpSender): void {
    this.#assertOpen();
    const t = this.#transceivers.find((x) => x.sender === sender);
    if (!t) throw new InvalidAccessError('sender does not belong to this peer connection');
    if (!sender.track) return;
    void sender.replaceTrack(null);
    if (t.direction === 'sendrecv') t.direction = 'recvonly';
    else if (t.direction === 'sendonly') t.direction = 'inactive';
    this.#updateNegotiationNeeded();
  }

  addTransceiver(trackOrKind: TrackLocal | MediaKind, init: RTCRtpTransceiverInit = {}): RTCRtpTransceiver {
    this.#assertOpen();
    const track = typeof trackOrKind === 'string' ? null : trackOrKind;
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    if (kind !== 'audio' && kind !== 'video') throw new InvalidArgumentError(`kind must be audio or video, got ${String(kind)}`);
    const direction = init.direction ?? 'sendrecv';
    if (direction === 'stopped') throw new InvalidArgumentError('a new transceiver cannot be stopped');
    const encodings = init.sendEncodings ?? [];
    if (encodings.length > 1) {
      // Simulcast send (RFC 8853): one SSRC per encoding, each named by a distinct rid.
      const rids = encodings.map((e) => e.rid);
      if (rids.some((r) => !r || !/^[A-Za-z0-9_-]{1,16}$/.test(r)) || new Set(rids).size !== rids.length) {
        throw new InvalidArgumentError('every sendEncoding of a simulcast transceiver needs a distinct rid (1-16 of A-Z a-z 0-9 _ -)');
      }
      if (track && track.rid !== undefined && track.rid !== rids[0]) {
        throw new InvalidArgumentError(`the track's rid ${track.rid} is not the first encoding's (${String(rids[0])})`);
      }
    }
    const t = this.#createTransceiver(kind, direction, track, encodings[0]?.rid);
    for (const e of encodings.slice(1)) t.sender.addLayer(this.#newSender(kind, null, e.rid));
    if (this.#transport?.state === 'connected') t.sender.setPipe(this.#transport);
    this.#updateNegotiationNeeded();
    return t;
  }

  /** Sends RTCP packets (e.g. a PLI for a remote track) on the transport. */
  writeRTCP(packets: RtcpPacket[]): boolean {
    return this.#transport?.writeRtcp(serializeRtcp(packets)) ?? false;
  }

  /** Asks the sender of a remote track for a key frame (PLI). */
  requestKeyFrame(track: TrackRemote): boolean {
    return this.#scheduler?.requestKeyFrame(track.ssrc) ?? false;
  }

  // ---- negotiation ---------------------------------------------------------

  createOffer(options: RTCOfferOptions = {}): Promise<RTCSessionDescriptionInit> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (options.iceRestart || this.#iceRestartPending) {
        if (this.#currentRemote) await this.#agent.restart();
        this.#iceRestartPending = false;
      }
      const sections = this.#negotiation.offerSections();
      const setup = this.#dtlsRole === undefined ? 'actpass' : this.#dtlsRole === 'client' ? 'active' : 'passive';
      const model = await this.#build(sections, setup);
      this.#lastOffer = { model, sdp: writeSdp(model) };
      return { type: 'offer' as const, sdp: this.#lastOffer.sdp };
    });
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      const remote = this.#pendingRemote;
      if (!remote || remote.type !== 'offer' || this.signalingState !== 'have-remote-offer') {
        throw new InvalidStateError(`createAnswer needs a remote offer (signaling state ${this.signalingState})`);
      }
      const sections = this.#negotiation.answerSections(remote.model);
      const setup = this.#dtlsRole !== undefined ? (this.#dtlsRole === 'client' ? 'active' : 'passive') : answerSetup(transportParams(remote.model).setup, this.#settings.values.answeringDtlsRole);
      const model = await this.#build(sections, setup);
      this.#lastAnswer = { model, sdp: writeSdp(model) };
      return { type: 'answer' as const, sdp: this.#lastAnswer.sdp };
    });
  }

  setLocalDescription(desc?: RTCSessionDescriptionInit): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      let type = desc?.type;
      if (type === undefined) type = this.signalingState === 'have-remote-offer' || this.signalingState === 'have-local-pranswer' ? 'answer' : 'offer';
      if (type === 'rollback') {
        this.#setSignaling(nextSignalingState(this.signalingState, 'local', 'rollback'));
        this.#pendingLocal = undefined;
        return;
      }
      const created = type === 'offer' ? this.#lastOffer : this.#lastAnswer;
      let model: SessionDescriptionModel;
      if (!desc?.sdp) {
        model = created?.model ?? (type === 'offer' ? await this.#buildOfferNow() : await this.#buildAnswerNow());
      } else if (created && desc.sdp === created.sdp) {
        model = created.model; // unmodified from createOffer/createAnswer: stored models are never mutated
      } else {
        model = this.#parse(desc.sdp, InvalidAccessError);
      }
      const next = nextSignalingState(this.signalingState, 'local', type);
      if (type === 'offer') {
        this.#pendingLocal = new StoredDescription(type, model, desc?.sdp || undefined);
        this.#fixIceRole('controlling');
      } else {
        this.#negotiation.applyLocalAnswer(model);
        this.#currentLocal = new StoredDescription(type, model, desc?.sdp || undefined);
        this.#pendingLocal = undefined;
        if (type === 'answer' && this.#pendingRemote) {
          this.#currentRemote = this.#pendingRemote;
          this.#pendingRemote = undefined;
        }
        this.#dtlsRole ??= model.media.find((m) => m.setup)?.setup === 'passive' ? 'server' : 'client';
        this.#remoteCreated = [];
        this.#muteUnreceived();
      }
      this.#setSignaling(next);
      this.#startGathering();
      this.#maybeStartTransport();
      this.#maybeStartSctp();
      this.#compactIfStable();
    });
  }

  setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (desc.type === 'rollback') {
        this.#setSignaling(nextSignalingState(this.signalingState, 'remote', 'rollback'));
        this.#negotiation.rollback(this.#remoteCreated);
        for (const t of this.#remoteCreated) this.#transceivers.splice(this.#transceivers.indexOf(t), 1);
        this.#remoteCreated = [];
        this.#pendingRemote = undefined;
        return;
      }
      if (!desc.sdp) throw new InvalidAccessError('remote description has no sdp');
      const model = this.#parse(desc.sdp, InvalidAccessError);
      const type = desc.type;
      const next = nextSignalingState(this.signalingState, 'remote', type);
      const params = transportParams(model);
      if (!params.iceUfrag || !params.icePwd) throw new InvalidAccessError('remote description has no ICE credentials');
      if (!params.fingerprints.length) throw new InvalidAccessError('remote description has no DTLS fingerprint');
      const { newTransceivers } = this.#negotiation.applyRemote(model, type);
      if (type === 'offer') {
        this.#pendingRemote = new StoredDescription(type, model, desc.sdp);
        this.#fixIceRole(params.iceLite ? 'controlling' : 'controlled');
        this.#remoteCreated = newTransceivers;
        this.#lastAnswer = undefined;
      } else {
        this.#currentRemote = new StoredDescription(type, model, desc.sdp);
        this.#pendingRemote = undefined;
        if (type === 'answer' && this.#pendingLocal) {
          this.#currentLocal = this.#pendingLocal;
          this.#pendingLocal = undefined;
        }
        if (this.#dtlsRole === undefined) this.#dtlsRole = params.setup === 'active' ? 'server' : 'client';
      }
      await this.#applyRemoteIce(params.iceUfrag, params.icePwd, type);
      for (const c of params.candidates) this.#addRemoteCandidateLine(c);
      if (params.endOfCandidates) this.#agent.addRemoteCandidate(null);
      if (type !== 'offer') this.#muteUnreceived();
      this.#setSignaling(next);
      this.#maybeStartTransport();
      this.#maybeStartSctp();
      this.#compactIfStable();
    });
  }

  /**
   * W3C "process the removal of a remote track": once an answer (local or
   * remote) leaves a transceiver not receiving, its remote tracks are muted.
   */
  #muteUnreceived(): void {
    for (const t of this.#transceivers) {
      const d = t.currentDirection;
      if (d === 'sendonly' || d === 'inactive') for (const tr of t.receiver.tracks) tr.setMuted(true);
    }
  }

  addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (!this.#pendingRemote && !this.#currentRemote) throw new InvalidStateError('addIceCandidate before setRemoteDescription');
      if (!candidate || !candidate.candidate) {
        this.#agent.addRemoteCandidate(null);
        return;
      }
      if (candidate.usernameFragment && this.#remoteUfrag && candidate.usernameFragment !== this.#remoteUfrag) return; // for an old generation
      try {
        this.#agent.addRemoteCandidate(candidate.candidate);
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
    const report = collectStats({
      now,
      agent: this.#agent,
      transport: this.#transport,
      transceivers: this.#transceivers,
      router: this.#router,
      certificate: this.#certificateValue,
    });
    for (const st of dataChannelStats(this.#sctp, now)) report.set(st.id, st as RTCStats);
    return Promise.resolve(report);
  }

  #certificateValue: DtlsCertificate | undefined;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#transceivers) t.stop();
    this.#scheduler?.stop();
    this.#sctp.close();
    this.#transport?.close();
    this.#agent.close();
    for (const off of this.#subscriptions.splice(0)) off();
    this.#signaling$.set('closed');
    this.#ice$.set('closed');
    this.#connection$.set('closed');
    for (const s of [this.#signaling$, this.#ice$, this.#connection$, this.#gathering$]) s.complete();
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

  #newSsrc(): number {
    let s = 0;
    while (s === 0) s = this.#rng.uint32();
    return s;
  }

  #newSender(kind: MediaKind, track: TrackLocal | null, rid: string | undefined): RTCRtpSender {
    return new RTCRtpSender({
      kind,
      track,
      ssrc: this.#newSsrc(),
      rtxSsrc: this.#newSsrc(),
      cname: this.#cname,
      initialSequenceNumber: this.#rng.uint32() & 0xffff,
      initialTimestamp: this.#rng.uint32(),
      ...(rid !== undefined ? { rid } : {}),
    });
  }

  /** Every sending encoding (simulcast layers included), for RTCP routing and reports. */
  #allSenders(): RTCRtpSender[] {
    return this.#transceivers.flatMap((t) => t.sender.encodings);
  }

  #createTransceiver(kind: MediaKind, direction: RTCRtpTransceiverDirection, track: TrackLocal | null, rid?: string): RTCRtpTransceiver {
    const sender = this.#newSender(kind, track, rid);
    if (this.#transport?.state === 'connected') sender.setPipe(this.#transport);
    const t = new RTCRtpTransceiver({
      kind,
      direction,
      sender,
      receiver: new RTCRtpReceiver(kind),
      onDirectionChange: () => this.#updateNegotiationNeeded(),
    });
    this.#transceivers.push(t);
    return t;
  }

  async #build(sections: LocalSection[], setup: SdpSetupRole): Promise<SessionDescriptionModel> {
    const certificate = await this.#certificate;
    this.#certificateValue = certificate;
    const { ufrag, pwd } = this.#agent.localCredentials;
    return buildLocalDescription({
      sessionId: this.#sessionId,
      sessionVersion: this.#sessionVersion++,
      iceUfrag: ufrag,
      icePwd: pwd,
      iceLite: this.#settings.values.lite,
      fingerprints: [{ algorithm: 'sha-256', value: certificate.fingerprint('sha-256') }],
      setup,
      candidates: [],
      endOfCandidates: false,
      sections,
    });
  }

  async #buildOfferNow(): Promise<SessionDescriptionModel> {
    const setup = this.#dtlsRole === undefined ? 'actpass' : this.#dtlsRole === 'client' ? 'active' : 'passive';
    return this.#build(this.#negotiation.offerSections(), setup);
  }

  async #buildAnswerNow(): Promise<SessionDescriptionModel> {
    const remote = this.#pendingRemote;
    if (!remote) throw new InvalidStateError('no remote offer to answer');
    const setup = answerSetup(transportParams(remote.model).setup, this.#settings.values.answeringDtlsRole);
    return this.#build(this.#negotiation.answerSections(remote.model), setup);
  }

  /** The description as text, with the candidates gathered so far (W3C §4.4.1.6). */
  #describe(d: Described | undefined, local: boolean): RTCSessionDescriptionInit | null {
    if (!d) return null;
    if (!local) return { type: d.type, sdp: d.sdp };
    const model = d.model;
    const first = model.media.findIndex((m) => m.port !== 0);
    if (first < 0) return { type: d.type, sdp: d.sdp };
    // A copy with the candidates: the stored model itself stays as it was set.
    const candidates = this.#agent.getLocalCandidates().map((c) => c.toString());
    const endOfCandidates = this.#gathering$.value === 'complete';
    const media = model.media.map((m, i) => (i === first ? { ...m, candidates, endOfCandidates } : m));
    return { type: d.type, sdp: writeSdp({ ...model, media }) };
  }

  async #applyRemoteIce(ufrag: string, pwd: string, type: 'offer' | 'answer' | 'pranswer'): Promise<void> {
    const previous = this.#remoteUfrag;
    this.#remoteUfrag = ufrag;
    if (previous === undefined || previous === ufrag) return;
    // RFC 8445 §9: new remote credentials mean an ICE restart. The answerer restarts too.
    this.#log.debug(`ICE restart: remote ufrag ${previous} -> ${ufrag}`);
    if (type === 'offer') await this.#agent.restart();
    this.#agent.setRemoteCredentials(ufrag, pwd);
  }

  /** RFC 8445 §6.1.1: the offerer controls (an ICE-lite agent never does), fixed before checks arrive. */
  #fixIceRole(role: 'controlling' | 'controlled'): void {
    if (this.#transportStarting || this.#settings.values.lite) return;
    try {
      this.#agent.setRole(role);
    } catch (err) {
      this.#log.debug(`keeping ICE role: ${(err as Error).message}`);
    }
  }

  #addRemoteCandidateLine(line: string): void {
    try {
      this.#agent.addRemoteCandidate(line);
    } catch (err) {
      this.#log.debug(`ignoring remote candidate "${line}": ${(err as Error).message}`);
    }
  }

  #startGathering(): void {
    if (this.#gatheringStarted) return;
    this.#gatheringStarted = true;
    this.#agent.gather().catch((err: unknown) => this.#log.warn(`gathering failed: ${(err as Error).message}`));
  }

  #watchAgent(): void {
    const a = this.#agent;
    const off1 = a.onGatheringStateChange((s) => {
      if (this.#closed || this.#gathering$.value === s) return;
      this.#gathering$.set(s);
      this.#safe(() => this.onicegatheringstatechange?.(s));
    });
    const off = a.onCandidate((c) => this.#emitCandidate(c));
    const off2 = a.onStateChange((s) => {
      if (this.#closed) return;
      if (this.#ice$.value !== s) {
        this.#ice$.set(s);
        this.#safe(() => this.oniceconnectionstatechange?.(s));
      }
      this.#updateConnectionState();
    });
    this.#subscriptions.push(off1, off, off2);
  }

  #emitCandidate(c: Candidate | null): void {
    if (this.#closed) return;
    const e: RTCPeerConnectionIceEvent = {
      candidate: c
        ? { candidate: c.toString(), sdpMid: this.#negotiation.firstMid ?? '0', sdpMLineIndex: 0, usernameFragment: this.#agent.localCredentials.ufrag }
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
    if (this.#transportStarting || this.#closed) return;
    const local = this.#currentLocal ?? this.#pendingLocal;
    const remote = this.#currentRemote ?? this.#pendingRemote;
    if (!local || !remote || !this.#currentLocal || !this.#currentRemote) return;
    this.#transportStarting = true;
    void this.#startTransport(remote.model).catch((err: unknown) => {
      this.#log.debug(`transport failed: ${(err as Error).message}`);
      this.#updateConnectionState();
    });
  }

  async #startTransport(remote: SessionDescriptionModel): Promise<void> {
    const params = transportParams(remote);
    const lite = this.#settings.values.lite;
    const controlling = !lite && (params.iceLite || this.#currentLocal?.type === 'offer' || this.#lastOfferWasOurs());
    const ice = controlling
      ? await this.#agent.dial(params.iceUfrag!, params.icePwd!)
      : await this.#agent.accept(params.iceUfrag!, params.icePwd!);
    if (this.#closed) return;
    const s = this.#settings.values;
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
      certificateCache: this.#settings.peerCertificateCache(),
      ...(this.#settings.srtpWorkerPool() ? { srtpWorkers: this.#settings.srtpWorkerPool()! } : {}),
      clock: this.#clock,
      rng: this.#rng,
      logId: this.#cname.slice(0, 6),
      onRtp: (p) => this.#router.handleRtp(p),
      onRtcp: (p) => this.#router.handleRtcp(p, this.#allSenders()),
    });
    this.#transport = transport;
    this.#subscriptions.push(transport.onStateChange(() => this.#updateConnectionState()));
    this.#subscriptions.push(
      transport.onStateChange((st) => {
        if (st === 'closed' || st === 'failed') this.#sctp.transportClosed(st === 'failed' ? new Error('DTLS transport failed') : undefined);
      }),
    );
    this.#updateConnectionState();
    await transport.start();
    if (this.#closed) return;
    this.#maybeStartSctp();
    for (const t of this.#transceivers) t.sender.setPipe(transport);
    this.#scheduler = new RtcpScheduler(
      {
        clock: this.#clock,
        rng: this.#rng,
        cname: this.#cname,
        localSsrc: this.#localSsrc,
        senders: () => this.#allSenders(),
        router: this.#router,
      },
      transport,
    );
    this.#scheduler.start();
    this.#updateConnectionState();
  }

  /** Starts SCTP over DTLS once DTLS is up and an m=application section is negotiated (RFC 8841). */
  #maybeStartSctp(): void {
    const transport = this.#transport;
    const data = this.#negotiation.negotiatedData;
    if (this.#closed || !data || !transport || transport.state !== 'connected' || this.#sctp.started) return;
    const role = this.#dtlsRole ?? 'client';
    this.#sctp.setRemote(data);
    transport.onSctp((packet) => this.#sctp.receive(packet));
    this.#sctp.start({ send: (packet) => void transport.sendSctp(packet) }, role);
  }

  /** A finished negotiation round keeps its descriptions as text only (idle memory per connection). */
  #compactIfStable(): void {
    if (this.signalingState !== 'stable') return;
    this.#currentLocal?.compact();
    this.#currentRemote?.compact();
  }

  #lastOfferWasOurs(): boolean {
    return this.#currentLocal?.type === 'offer';
  }

  #updateConnectionState(): void {
    if (this.#closed) return;
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
    this.#log.debug(`connection state ${this.#connection$.value} -> ${next}`);
    this.#connection$.set(next);
    if (next === 'closed' || next === 'failed') for (const t of this.#transceivers) for (const tr of t.receiver.tracks) tr.end();
    this.#safe(() => this.onconnectionstatechange?.(next));
  }

  #setSignaling(s: RTCSignalingState): void {
    if (this.#signaling$.value === s) return;
    if (s === 'stable') {
      // W3C §4.4.1.5: an implicit setLocalDescription() in stable creates a fresh offer; the
      // models built for the finished round are not kept (they hold every codec and line).
      this.#lastOffer = this.#lastAnswer = undefined;
    }
    this.#signaling$.set(s);
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
    for (const t of this.#transceivers) {
      if (t.stopped) {
        if (t.mid !== null && !this.#negotiation.isRejected(t)) return true;
        continue;
      }
      if (t.mid === null) return true;
      const cur = t.currentDirection;
      if (cur !== null && cur !== t.direction) return true;
    }
    return false;
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error('event handler threw', err);
    }
  }
}
