import { candidatePriority, type Candidate } from '../candidate/index.js';
import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { randomIceString, type Rng } from '../common/rng.js';
import { familyOf, formatAddress, type TransportAddress } from '../transport/net.js';
import { StunClass, StunMessage, StunMethod, StunTransactionCore, isStunMessage } from '../stun/index.js';
import {
  CHECK_PACING_MS,
  CHECK_RTO_MS,
  LOCAL_PWD_LENGTH,
  LOCAL_UFRAG_LENGTH,
  type IceConnectionState,
  type IceCoreConfig,
  type IceRole,
} from './agent-config.js';
import { CandidatePair, pairKey, type CandidatePairInfo, type LocalCandidateEntry } from './candidate-pair.js';
import { CheckList } from './checklist.js';
import { ConsentTracker } from './consent.js';
import { IceError } from './errors.js';
import { RemoteCandidates, remoteKey } from './remote-candidates.js';
import { decideInboundRole, roleAfter487 } from './role-conflict.js';
import { ControlledSelector, ControllingSelector, LiteSelector, type PairSelector, type SelectorContext } from './selectors.js';
import { LocalCandidates, remotePrflxCandidate, tcpTypesMatch } from './local-candidates.js';
import type { IceAgentCoreOptions, IceCoreCredentials, IceCoreEvent, IceTransmit } from './core-types.js';
import { MAX_STUN_MESSAGE_BYTES, classLabel, buildCheckError, buildCheckRequest, buildCheckSuccess, iceKey, toFastKey, type IceKey } from './stun-checks.js';
import { handleInboundRequest } from './inbound-request.js';
import { livenessDeadline, runLiveness } from './liveness.js';
import { SrflxRequests } from './srflx-requests.js';
import { validateCredentials, validateRemoteCredentials } from './credentials.js';
import { handleInboundResponse, handleTransactionTimeout, type TxContext } from './inbound-response.js';

export type { IceAgentCoreOptions, IceCoreCredentials, IceCoreEvent, IceTransmit } from './core-types.js';

/** Bound on outstanding STUN transactions (checks, consent, server bindings). */
const MAX_PENDING_TRANSACTIONS = 1024;

/**
 * The ICE agent as a synchronous sans-IO state machine (RFC 8445, RFC 7675,
 * RFC 8838). Fed datagrams, API calls and `now`; emits transmits, events and
 * its next deadline. Owns credentials, role and tie-breaker, candidates, the
 * check list, nomination, consent and liveness.
 *
 * Over 400 lines on purpose: this class is the one owner of the agent's
 * mutable state; the protocol rules live beside it (inbound-request.ts,
 * inbound-response.ts, selectors.ts, liveness.ts, checklist.ts, consent.ts)
 * and this file only wires them together.
 */
export class IceAgentCore implements SelectorContext {
  #config: IceCoreConfig;
  readonly rng: Rng;
  readonly log: ScopedLogger;
  readonly drops: DropCounter;
  readonly checklist = new CheckList();
  readonly remotes: RemoteCandidates;
  readonly tx: StunTransactionCore<string>;
  /** Context of each outstanding transaction, by transaction id (hex). */
  readonly txContexts = new Map<string, TxContext>();
  readonly consent: ConsentTracker;

  #local: IceCoreCredentials;
  /** RFC 8445 §9: the previous credentials stay valid on the old pair until a new pair is selected. */
  #previousLocal: IceCoreCredentials | undefined;
  localKey: IceKey;
  /** Raw keys; `localKey`/`remoteKey` hold precomputed HMAC states only while checks run (see #applyKeyMode). */
  #localRaw: Buffer;
  #remoteRaw: Buffer | undefined;
  previousLocalKey: IceKey | undefined;
  #remote: IceCoreCredentials | undefined;
  remoteKey: IceKey | undefined;
  /** Credentials the selected pair was validated with (used for consent until new ones arrive). */
  selectedRemote: { creds: IceCoreCredentials; key: IceKey } | undefined;

  tieBreaker: bigint;
  #role: IceRole;
  selector: PairSelector;
  /** iceTransportPolicy 'relay': only relayed local candidates are paired (set by the driver). */
  relayOnly = false;
  #state: IceConnectionState = 'new';
  #started = false;
  #closed = false;
  checkingStartedMs = 0;
  #nextCheckMs = 0;
  /** When the last ordinary check went out; -Infinity when the last due one found no pair to check. */
  #lastOrdinaryMs = -Infinity;
  #selectorDeadline = Infinity;
  selected: CandidatePair | undefined;
  lastInboundMs = 0;
  lastOutboundMs = 0;
  lastKeepaliveMs = -Infinity;
  localGatheringComplete = false;

  readonly locals = new LocalCandidates();
  readonly #transmits: IceTransmit[] = [];
  readonly #events: IceCoreEvent[] = [];
  /** Outstanding server-reflexive requests (a handful while gathering; an array costs nothing when empty). */
  readonly #srflx = new SrflxRequests();

  constructor(options: IceAgentCoreOptions) {
    this.#config = options.config;
    this.rng = options.rng;
    this.log = options.log ?? getLogger('ice');
    this.drops = options.drops ?? new DropCounter(this.log);
    this.remotes = new RemoteCandidates(this.config.maxRemoteCandidates);
    this.tx = new StunTransactionCore<string>({ maxPending: MAX_PENDING_TRANSACTIONS });
    this.consent = new ConsentTracker(this.config.consentExpiryMs, this.rng);
    this.#local = {
      ufrag: options.localUfrag ?? randomIceString(this.rng, LOCAL_UFRAG_LENGTH),
      pwd: options.localPwd ?? randomIceString(this.rng, LOCAL_PWD_LENGTH),
    };
    validateCredentials(this.#local.ufrag, this.#local.pwd);
    this.#localRaw = iceKey(this.#local.pwd);
    this.localKey = this.#localRaw;
    this.tieBreaker = options.tieBreaker ?? this.rng.bytes(8).readBigUInt64BE(0);
    this.#role = this.config.lite ? 'controlled' : this.config.remoteLite ? 'controlling' : 'controlled';
    this.selector = this.#makeSelector();
    this.#applyKeyMode();
  }

  /** Controlling side: send a check with USE-CANDIDATE on `pair` (RFC 8445 §8.1.1). */
  nominate(pair: CandidatePair, now: number): void {
    this.log.debug(`nominating ${pair.toString()}`);
    this.checklist.enqueueTriggered(pair, true);
    this.flushTriggered(now);
  }

  get config(): IceCoreConfig {
    return this.#config;
  }

  /**
   * Learns that the peer is (or is not) ICE-lite, e.g. from a=ice-lite in a
   * remote description that arrived after construction. `resolved` is the
   * configuration re-resolved with the flag (its liveness defaults differ).
   * RFC 8445 §6.1.1: against a lite peer this agent is controlling.
   */
  setRemoteLite(resolved: IceCoreConfig): void {
    this.#config = resolved;
    if (resolved.remoteLite && !resolved.lite && this.#role !== 'controlling') this.switchRole('controlling', 'remote is ICE-lite');
  }

  get role(): IceRole {
    return this.#role;
  }

  get state(): IceConnectionState {
    return this.#state;
  }

  get localCredentials(): IceCoreCredentials {
    return this.#local;
  }

  get previousLocalCredentials(): IceCoreCredentials | undefined {
    return this.#previousLocal;
  }

  get remoteCredentials(): IceCoreCredentials | undefined {
    return this.#remote;
  }

  get started(): boolean {
    return this.#started;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The core is its selectors' context (no per-agent adapter object). */
  get selectorContext(): SelectorContext {
    return this;
  }

  #makeSelector(): PairSelector {
    if (this.config.lite) return new LiteSelector();
    return this.#role === 'controlling'
      ? new ControllingSelector(this.config.nomination === 'aggressive')
      : new ControlledSelector();
  }

  /** Sets the role before checks start; afterwards only role-conflict repair changes it. */
  setRole(role: IceRole): void {
    if (this.config.lite && role === 'controlling') {
      throw new IceError('ERR_ICE_ROLE', 'an ICE-lite agent is always controlled (RFC 8445 §6.1.1)');
    }
    if (this.config.remoteLite && role === 'controlled') {
      throw new IceError('ERR_ICE_ROLE', 'with an ICE-lite peer this agent must be controlling (RFC 8445 §6.1.1)');
    }
    if (role !== this.#role) this.switchRole(role, 'api');
  }

  /** Changes role, recomputes pair priorities (RFC 8445 §7.3.1.1) and swaps the selector. */
  switchRole(role: IceRole, why: string): void {
    if (role === this.#role) return;
    this.#role = role;
    this.selector = this.#makeSelector();
    for (const p of this.checklist.values()) {
      p.updatePriority(role === 'controlling');
      // Checks in flight carry the old role attribute (a peer answers them with 487 or,
      // like Pion, drops them): replace them with fresh checks in the new role.
      if (p.pendingTx) {
        this.#forgetPairChecks(p);
        p.nominationSent = false;
        if (p.state === 'in-progress') {
          p.state = 'waiting';
          this.checklist.enqueueTriggered(p);
        }
      }
    }
    this.checklist.resort();
    this.log.debug(`role -> ${role} (${why})`);
    this.#events.push({ type: 'role', role });
  }

  // ---- candidates -------------------------------------------------------

  /**
   * Registers a local candidate. `pairable` marks the one candidate of a base
   * the check list pairs (host or relay; srflx candidates are checked from
   * their base, RFC 8445 §6.1.2.4).
   */
  addLocalCandidate(candidate: Candidate, baseId: number, base: TransportAddress, pairable: boolean): void {
    const entry = this.locals.add(candidate, baseId, base, pairable);
    if (entry) for (const r of this.remotes.values()) if (r.type !== 'prflx') this.#pair(entry, r);
  }

  /** Forgets a base (its socket closed): its candidates and pairs go. */
  /** Forgets local candidates that only are signalled, never paired (server-reflexive ones before an ICE restart). */
  removeUnpairedLocals(keys: ReadonlySet<string>): void {
    this.locals.removeUnpaired(keys);
  }

  removeLocalBase(baseId: number): void {
    this.locals.removeBase(baseId);
    for (const p of [...this.checklist.values()]) if (p.local.baseId === baseId) this.removePair(p);
  }

  /** Records a local peer-reflexive candidate learned from a response (RFC 8445 §7.2.5.3.1), bounded. */
  addLocalPrflx(candidate: Candidate, baseId: number): void {
    this.locals.addPrflx(candidate);
    this.log.debug(`new local prflx ${candidate.toString()}`);
    this.#events.push({ type: 'local-prflx', candidate, baseId });
  }

  /** Adds a remote candidate (trickle: any time); `null` marks remote end-of-candidates. */
  addRemoteCandidate(now: number, c: Candidate | null): void {
    if (this.#closed) return;
    if (c === null) {
      this.remotes.endOfCandidates = true;
      this.log.debug('remote end-of-candidates');
      this.#afterInput(now);
      return;
    }
    if (c.component !== 1) return; // RTP/RTCP multiplexing (RFC 8843): component 1 only.
    if (c.family === undefined) {
      this.log.debug(`remote candidate ${c.address} needs mDNS resolution; not paired`);
      return;
    }
    this.storeRemote(c);
    this.#afterInput(now);
  }

  /** Stores a remote candidate and pairs it; returns the stored candidate or undefined when dropped. */
  storeRemote(c: Candidate): Candidate | undefined {
    const { stored, replaced, evicted } = this.remotes.add(c, (key) => this.#remoteInUse(key));
    if (evicted) this.#unpairRemote(evicted);
    if (replaced && stored) {
      for (const p of this.checklist.values()) {
        if (p.remote === replaced) {
          p.remote = stored;
          p.updatePriority(this.#role === 'controlling');
        }
      }
      this.checklist.resort();
    }
    if (!stored) {
      if (c.type === 'prflx' && !this.remotes.get(c.transport, c.address, c.port)) this.drops.drop('remote-candidates-full');
      return this.remotes.get(c.transport, c.address, c.port);
    }
    // RFC 8445 §7.3.1.3: a peer-reflexive remote candidate is not paired with the local
    // candidates; only the base that received the check pairs with it (pairFor). A signalled
    // candidate, also one that supersedes a prflx of the same address, pairs with them all.
    if (stored.type !== 'prflx') for (const l of this.locals.pairables()) this.#pair(l, stored);
    return stored;
  }

  /** Remote candidates on the selected or a nominated pair are never evicted. */
  #remoteInUse(key: string): boolean {
    const s = this.selected;
    if (s && remoteKey(s.remote.transport, s.remote.address, s.remote.port) === key) return true;
    for (const p of this.checklist.values()) {
      if ((p.nominated || p.nominationSent) && remoteKey(p.remote.transport, p.remote.address, p.remote.port) === key) {
        return true;
      }
    }
    return false;
  }

  #unpairRemote(c: Candidate): void {
    for (const p of [...this.checklist.values()]) if (p.remote === c && p !== this.selected) this.removePair(p);
  }

  /** Removes a pair and forgets its outstanding checks. */
  removePair(p: CandidatePair): void {
    this.checklist.remove(p);
    this.#forgetPairChecks(p);
  }

  #forgetPairChecks(p: CandidatePair): void {
    for (const key of p.pendingTx ?? []) {
      this.tx.cancel(Buffer.from(key, 'hex'));
      this.txContexts.delete(key);
    }
    p.pendingTx = undefined;
  }

  /** RFC 8445 §6.1.2.2: pair candidates of the same component, transport and address family. */
  #pair(local: LocalCandidateEntry, remote: Candidate): CandidatePair | undefined {
    const l = local.candidate;
    // W3C iceTransportPolicy 'relay': no pair, so no check and no data, leaves from a non-relay base.
    if (l.transport !== remote.transport || (this.relayOnly && l.type !== 'relay')) return undefined;
    const lf = l.family ?? familyOf(local.base.address);
    if (lf !== remote.family) return undefined;
    if (l.transport === 'tcp' && !tcpTypesMatch(l.tcpType, remote.tcpType)) return undefined;
    // RFC 6544 §4.5: an active candidate's port 9 is a placeholder nobody can connect to; its real
    // address arrives as a peer-reflexive candidate with the first inbound check.
    if (remote.transport === 'tcp' && remote.tcpType === 'active' && remote.port === 9) return undefined;
    const id = pairKey(local.baseId, remote.address, remote.port);
    const existing = this.checklist.get(id);
    if (existing) return existing;
    const pair = new CandidatePair(local, remote, `${l.foundation}:${remote.foundation}`);
    pair.updatePriority(this.#role === 'controlling');
    this.checklist.add(pair);
    // A trickled pair waits RFC 8445 §14.2's pacing after the last ordinary check, not a full interval.
    this.#nextCheckMs = Math.min(this.#nextCheckMs, this.#lastOrdinaryMs + Math.min(CHECK_PACING_MS, this.config.checkIntervalMs));
    if (this.log.traceEnabled) this.log.trace(`pair ${pair.toString()} added (${pair.state})`);
    return pair;
  }

  /** Finds or creates the pair for an inbound check. */
  pairFor(baseId: number, remote: Candidate): CandidatePair | undefined {
    const existing = this.checklist.get(pairKey(baseId, remote.address, remote.port));
    if (existing) return existing;
    const local = this.locals.pairable(baseId);
    return local ? this.#pair(local, remote) : undefined;
  }

  pairableBase(baseId: number): LocalCandidateEntry | undefined {
    return this.locals.pairable(baseId);
  }

  // ---- credentials and lifecycle ----------------------------------------

  setRemoteCredentials(now: number, ufrag: string, pwd: string): void {
    validateRemoteCredentials(ufrag, pwd);
    if (this.#remote && this.#remote.ufrag === ufrag && this.#remote.pwd === pwd) return;
    this.#remote = { ufrag, pwd };
    this.#remoteRaw = iceKey(pwd);
    this.remoteKey = this.#remoteRaw;
    this.#applyKeyMode();
    this.log.debug(`remote credentials ${ufrag}`);
    this.#afterInput(now);
  }

  /** Starts connectivity checks in `role` (dial: controlling, accept: controlled). */
  start(now: number, role: IceRole): void {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    if (!this.config.lite) this.setRole(role);
    if (this.#started) return;
    this.#started = true;
    this.checkingStartedMs = now;
    this.#nextCheckMs = now;
    this.setState('checking');
    this.#afterInput(now);
  }

  /**
   * RFC 8445 §9: ICE restart. New local credentials; remote credentials and
   * candidates must be signalled again; the check list starts over while the
   * selected pair keeps carrying data until a new pair is selected.
   */
  restart(now: number, ufrag?: string, pwd?: string): void {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    const next = {
      ufrag: ufrag ?? randomIceString(this.rng, LOCAL_UFRAG_LENGTH),
      pwd: pwd ?? randomIceString(this.rng, LOCAL_PWD_LENGTH),
    };
    validateCredentials(next.ufrag, next.pwd);
    this.#previousLocal = this.#local;
    this.previousLocalKey = this.localKey;
    this.#local = next;
    this.#localRaw = iceKey(next.pwd);
    this.localKey = this.#localRaw;
    this.#remote = undefined;
    this.remoteKey = undefined;
    this.#remoteRaw = undefined;
    for (const [key, ctx] of this.txContexts) {
      if (ctx.kind === 'check') {
        this.tx.cancel(Buffer.from(key, 'hex'));
        this.txContexts.delete(key);
      }
    }
    this.checklist.clear();
    this.remotes.clear();
    this.locals.clearPrflx();
    this.checkingStartedMs = now;
    this.#nextCheckMs = now;
    if (this.#state === 'failed' || this.#state === 'new') {
      this.selected = undefined;
      this.consent.stop();
      if (this.#started) this.setState('checking');
    }
    this.#applyKeyMode();
    this.log.debug(`ICE restart: local ufrag ${next.ufrag}`);
    this.#afterInput(now);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.tx.clear();
    this.txContexts.clear();
    this.#srflx.clear();
    this.checklist.clear();
    this.consent.stop();
    this.#transmits.length = 0;
    this.setState('closed');
  }

  setState(state: IceConnectionState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.log.debug(`state ${this.#state} -> ${state}`);
    this.#state = state;
    if (state === 'failed') this.#cancelChecks();
    this.#events.push({ type: 'state', state });
  }

  /**
   * While checks run (before selection, during a restart) the keys carry
   * precomputed HMAC state (≈1 µs per MESSAGE-INTEGRITY instead of ≈5 µs);
   * once a pair is selected only a few messages a second remain, and the raw
   * keys save about 2 KiB per key on every idle agent.
   */
  #applyKeyMode(): void {
    const s = this.selected;
    const checking = !s || this.checklist.get(s.id) !== s;
    this.localKey = checking ? toFastKey(this.#localRaw) : this.#localRaw;
    if (this.#remoteRaw) this.remoteKey = checking ? toFastKey(this.#remoteRaw) : this.#remoteRaw;
  }

  /** RFC 7675 §5.1 / RFC 8445 §8.1.2: once failed, nothing more goes out until a restart. */
  #cancelChecks(): void {
    for (const [key, ctx] of this.txContexts) {
      if (ctx.kind === 'srflx') continue;
      this.tx.cancel(Buffer.from(key, 'hex'));
      this.txContexts.delete(key);
      ctx.pair.pendingTx = undefined;
    }
    this.consent.stop();
  }

  /** Makes `pair` the selected pair (RFC 8445 §8.1.1). */
  select(pair: CandidatePair, now: number): void {
    if (this.selected === pair) return;
    this.selected = pair;
    pair.nominated = true;
    this.#previousLocal = undefined;
    this.previousLocalKey = undefined;
    if (this.#remote && this.#remoteRaw) this.selectedRemote = { creds: this.#remote, key: this.#remoteRaw };
    this.#applyKeyMode();
    this.lastInboundMs = now;
    this.lastKeepaliveMs = now;
    if (!this.config.lite) this.consent.start(now);
    this.log.info(`selected pair ${pair.toString()}`);
    this.#events.push({ type: 'selected-pair', pair: pair.info() });
    this.setState('connected');
  }

  // ---- input ------------------------------------------------------------

  /**
   * One inbound datagram on base `baseId`. STUN is processed here; returns
   * true when `data` is application data from a known remote candidate that
   * the driver should deliver.
   */
  handleDatagram(now: number, baseId: number, from: TransportAddress, data: Buffer): boolean {
    if (this.#closed) return false;
    const first = data[0];
    if (first !== undefined && first < 4) {
      // RFC 7983 §7: 0..3 is STUN; anything malformed there is dropped, never passed up as data.
      if (isStunMessage(data)) this.handleStun(now, baseId, from, data);
      else this.drops.drop('stun-malformed', data.length);
      return false;
    }
    const s = this.selected;
    if (s && s.local.baseId === baseId && s.remote.port === from.port && s.remote.address === from.address) {
      this.#inboundOnSelected(now);
      return this.#state !== 'failed';
    }
    const pair = this.checklist.get(pairKey(baseId, from.address, from.port));
    if (pair && this.#state !== 'failed') return true;
    this.drops.drop('data-unknown-source', formatAddress(from));
    return false;
  }

  #inboundOnSelected(now: number): void {
    this.lastInboundMs = now;
    if (this.#state === 'disconnected') this.setState('connected');
  }

  /** A STUN message (already recognised by its header) from `from` on base `baseId`. */
  handleStun(now: number, baseId: number, from: TransportAddress, data: Buffer): void {
    if (this.#closed) return;
    if (data.length > MAX_STUN_MESSAGE_BYTES) {
      this.drops.drop('stun-oversized', data.length);
      return;
    }
    const msg = StunMessage.decode(data); // throws StunDecodeError only; the driver counts it
    if (this.log.traceEnabled) {
      this.log.trace(`<- ${classLabel(msg)} ${formatAddress(from)} -> ${this.locals.baseLabel(baseId)} tx ${msg.transactionId.toString('hex')}`);
    }
    if (msg.method !== StunMethod.Binding) {
      this.drops.drop('stun-not-binding', msg.method);
      return;
    }
    switch (msg.messageClass) {
      case StunClass.Request:
        handleInboundRequest(this, now, baseId, from, msg);
        break;
      case StunClass.SuccessResponse:
      case StunClass.ErrorResponse:
        handleInboundResponse(this, now, from, msg);
        break;
      default:
        // RFC 8445 §11: Binding indications are keepalives; they only count as traffic.
        if (!msg.verifyFingerprint()) {
          this.drops.drop('stun-bad-fingerprint');
          return;
        }
        this.noteInbound(now, baseId, from);
    }
    this.#afterInput(now);
  }

  /** Authenticated (or keepalive) traffic from `from` on base `baseId`. */
  noteInbound(now: number, baseId: number, from: TransportAddress): void {
    const s = this.selected;
    if (s && s.local.baseId === baseId && s.remote.port === from.port && s.remote.address === from.address) {
      this.#inboundOnSelected(now);
    }
  }

  /** The driver sent application data (keepalives are skipped while data flows). */
  noteSent(now: number): void {
    this.lastOutboundMs = now;
  }

  // ---- output -----------------------------------------------------------

  pushTransmit(baseId: number, to: TransportAddress, data: Buffer, what: string): void {
    if (this.log.traceEnabled) this.log.trace(`-> ${what} ${this.locals.baseLabel(baseId)} -> ${formatAddress(to)}`);
    this.#transmits.push({ baseId, to, data });
  }

  pushEvent(e: IceCoreEvent): void {
    this.#events.push(e);
  }

  pollTransmit(): IceTransmit | undefined {
    return this.#transmits.shift();
  }

  pollEvent(): IceCoreEvent | undefined {
    return this.#events.shift();
  }

  get hasOutput(): boolean {
    return this.#transmits.length > 0 || this.#events.length > 0;
  }

  /** Absolute time of the next deadline, or undefined when idle. */
  pollTimeout(): number | undefined {
    if (this.#closed) return undefined;
    let t = Math.min(this.tx.pollTimeout() ?? Infinity, this.#srflx.nextDeadline());
    if (this.#canCheck()) {
      if (this.checklist.triggeredCount > 0) t = Math.min(t, this.#nextCheckMs);
      else if (this.checklist.hasPendingWork()) t = Math.min(t, this.#nextCheckMs);
      t = Math.min(t, this.#selectorDeadline);
      if (!this.selected && this.#state === 'checking' && this.config.failedTimeoutMs > 0) {
        t = Math.min(t, this.checkingStartedMs + this.config.failedTimeoutMs);
      }
    }
    t = Math.min(t, livenessDeadline(this));
    return t === Infinity ? undefined : t;
  }

  #canCheck(): boolean {
    return this.#started && this.#remote !== undefined && this.selector.sendsChecks && this.#state !== 'failed';
  }

  handleTimeout(now: number): void {
    if (this.#closed) return;
    this.tx.handleTimeout(now);
    for (;;) {
      const e = this.tx.pollEvent();
      if (!e) break;
      handleTransactionTimeout(this, now, e.transactionId);
    }
    for (const r of this.#srflx.takeExpired(now)) {
      this.tx.cancel(Buffer.from(r.txKey, 'hex'));
      this.txContexts.delete(r.txKey);
      this.log.debug(`srflx from ${formatAddress(r.server)}: no answer in time`);
      this.#events.push({ type: 'srflx', requestId: r.id, baseId: r.baseId, server: r.server, mapped: undefined });
    }
    this.#ordinaryCheck(now);
    runLiveness(this, now);
    this.#afterInput(now);
  }

  /** RFC 7675: one consent request on the selected pair. */
  sendConsent(now: number, pair: CandidatePair, what: 'consent' | 'keepalive'): void {
    const creds = this.#remote && this.remoteKey ? { creds: this.#remote, key: this.remoteKey } : this.selectedRemote;
    if (!creds) return;
    this.#startCheckTransaction(now, pair, false, 'consent', creds.creds.ufrag, creds.key, what);
  }

  /** Sends a connectivity check on `pair` (RFC 8445 §7.2.4). */
  sendCheck(now: number, pair: CandidatePair, useCandidate: boolean): void {
    if (!this.#remote || !this.remoteKey) return;
    if (pair.state !== 'succeeded') this.#setPairState(pair, 'in-progress');
    this.#startCheckTransaction(now, pair, useCandidate, 'check', this.#remote.ufrag, this.remoteKey);
  }

  #startCheckTransaction(
    now: number,
    pair: CandidatePair,
    useCandidate: boolean,
    kind: 'check' | 'consent',
    remoteUfrag: string,
    key: IceKey,
    label: string = kind,
  ): void {
    if (this.txContexts.size >= MAX_PENDING_TRANSACTIONS) {
      this.drops.drop('transactions-full');
      return;
    }
    const base = pair.local.candidate;
    const priority = candidatePriority({
      type: 'prflx',
      localPreference: (base.priority >>> 8) & 0xffff,
      component: base.component,
      transport: base.transport,
      ...(base.tcpType !== undefined ? { tcpType: base.tcpType } : {}),
    });
    const { data, transactionId } = buildCheckRequest(this.rng, {
      localUfrag: this.#local.ufrag,
      remoteUfrag,
      remoteKey: key,
      priority,
      role: this.#role,
      tieBreaker: this.tieBreaker,
      useCandidate,
    });
    const txKey = transactionId.toString('hex');
    this.txContexts.set(txKey, { kind, pair, useCandidate, role: this.#role, key, sentAt: now, priority });
    if (kind === 'check') {
      (pair.pendingTx ??= []).push(txKey);
      pair.lastCheckSentMs = now;
      if (pair.firstCheckSentMs === Infinity) pair.firstCheckSentMs = now;
    }
    pair.requestsSent++;
    if (pair.local.candidate.transport === 'tcp') {
      this.tx.start(now, data, transactionId, pair.remote, txKey, { reliable: true });
    } else {
      // Keepalives go once (the next one follows within keepaliveIntervalMs); checks and
      // consent requests retransmit per RFC 8489 §6.2.1, at most maxBindingRequests times.
      const rc = label === 'keepalive' ? 1 : this.config.maxBindingRequests;
      this.tx.start(now, data, transactionId, pair.remote, txKey, { rc, rtoMs: CHECK_RTO_MS });
    }
    this.#drainTx(useCandidate ? `${label} USE-CANDIDATE` : label);
  }

  /** Sends a Binding request to a STUN server from base `baseId`; answered by an 'srflx' event. */
  gatherSrflx(now: number, baseId: number, server: TransportAddress, request: { data: Buffer; transactionId: Buffer }): number {
    const txKey = request.transactionId.toString('hex');
    const id = this.#srflx.add(baseId, server, now + this.config.stunGatherTimeoutMs, txKey);
    this.txContexts.set(txKey, { kind: 'srflx', requestId: id, baseId, server });
    this.tx.start(now, request.data, request.transactionId, server, txKey);
    this.#drainTx('server binding request');
    return id;
  }

  #drainTx(what: string): void {
    for (;;) {
      const t = this.tx.pollTransmit();
      if (!t) break;
      const ctx = this.txContexts.get(t.transactionId.toString('hex'));
      if (!ctx) continue;
      const baseId = ctx.kind === 'srflx' ? ctx.baseId : ctx.pair.local.baseId;
      this.pushTransmit(baseId, t.destination, t.data, what);
      if (ctx.kind !== 'srflx') this.lastOutboundMs = Math.max(this.lastOutboundMs, ctx.sentAt);
    }
  }

  /** Forgets a server-reflexive request; false when it was not pending. */
  removeSrflxRequest(id: number): boolean {
    return this.#srflx.remove(id);
  }

  /** Sends the queued triggered checks (RFC 8445 §6.1.4.2: served before ordinary checks). */
  flushTriggered(now: number): void {
    if (!this.#canCheck()) return;
    for (;;) {
      const next = this.checklist.shiftTriggered();
      if (!next) break;
      const useCandidate = next.useCandidate || (this.#role === 'controlling' && this.selector.useCandidateOnEveryCheck);
      this.sendCheck(now, next.pair, useCandidate);
    }
  }

  #setPairState(pair: CandidatePair, state: CandidatePair['state']): void {
    if (pair.state === state) return;
    if (this.log.traceEnabled) this.log.trace(`pair ${pair.toString()}: ${pair.state} -> ${state}`);
    pair.state = state;
  }

  setPairState(pair: CandidatePair, state: CandidatePair['state']): void {
    this.#setPairState(pair, state);
  }

  /** RFC 8445 §6.1.4.2: one ordinary check per checkIntervalMs, only when no triggered check waits. */
  #ordinaryCheck(now: number): void {
    if (!this.#canCheck() || now < this.#nextCheckMs || this.checklist.triggeredCount > 0) return;
    const pair = this.checklist.nextOrdinary();
    if (!pair) {
      // Only frozen pairs of active foundations remain: look again next interval (never a past
      // deadline), unless a new pair arrives first (see #pair).
      this.#nextCheckMs = now + this.config.checkIntervalMs;
      this.#lastOrdinaryMs = -Infinity;
      return;
    }
    this.#lastOrdinaryMs = now;
    this.sendCheck(now, pair, this.#role === 'controlling' && this.selector.useCandidateOnEveryCheck);
    this.#nextCheckMs = now + this.config.checkIntervalMs;
  }

  /** After every input: triggered checks, a due ordinary check, selector work, pending retransmits. */
  #afterInput(now: number): void {
    if (this.#closed) return;
    this.flushTriggered(now);
    this.#ordinaryCheck(now);
    if (this.#canCheck()) this.#selectorDeadline = this.selector.onTick(this, now);
    this.#drainTx('retransmit');
  }

  afterInput(now: number): void {
    this.#afterInput(now);
  }

  replyError(baseId: number, to: TransportAddress, request: StunMessage, code: number, reason: string, unknown?: number[]): void {
    this.pushTransmit(baseId, to, buildCheckError(request, code, reason, this.localKey, unknown), `error ${code}`);
  }

  replySuccess(baseId: number, to: TransportAddress, request: StunMessage, key: IceKey): void {
    this.pushTransmit(baseId, to, buildCheckSuccess(request, to, key), 'binding success');
  }

  /** Builds the peer-reflexive candidate learned from an inbound check (RFC 8445 §7.3.1.3). */
  makeRemotePrflx(baseId: number, from: TransportAddress, priority: number): Candidate {
    return remotePrflxCandidate(this.locals.pairable(baseId), from, priority);
  }

  /** RFC 8445 §7.3.1.1: role decision on an inbound check. */
  roleDecision(msg: StunMessage): ReturnType<typeof decideInboundRole> {
    return decideInboundRole(this.#role, this.tieBreaker, msg.getIceControlling(), msg.getIceControlled());
  }

  /** RFC 8445 §7.2.5.1: a 487 to a check sent as `roleWhenSent`. */
  onRoleConflictResponse(pair: CandidatePair, roleWhenSent: IceRole): void {
    const next = roleAfter487(this.#role, roleWhenSent);
    if (next !== this.#role) this.switchRole(next, '487 role conflict');
    this.#setPairState(pair, 'waiting');
    this.checklist.enqueueTriggered(pair);
  }


  // ---- introspection ----------------------------------------------------

  getSelectedPair(): CandidatePairInfo | undefined {
    return this.selected?.info();
  }

  pairs(): CandidatePairInfo[] {
    return this.checklist.ordered().map((p) => p.info());
  }
}
