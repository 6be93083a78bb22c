import type { Observable } from 'rxjs';
import { LazyEvents, LazyState } from '../common/lazy-subjects.js';
import { unusableRemoteAddress } from '../candidate/remote-address.js';
import { Candidate } from '../candidate/index.js';
import { systemClock, type Clock } from '../common/clock.js';
import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { cryptoRng, randomIceString, type Rng } from '../common/rng.js';
import { StunDecodeError } from '../stun/index.js';
import { nodeNet } from '../transport/node-net.js';
import type { Net, TransportAddress, UdpSocket } from '../transport/net.js';
import {
  LOCAL_UFRAG_LENGTH,
  resolveCoreConfig,
  type IceAgentConfig,
  type IceConnectionState,
  type IceGatheringState,
  type IceRole,
  type NetworkType,
} from './agent-config.js';
import { IceAgentCore, type IceCoreEvent } from './agent-core.js';
import { nat1To1Rules, validateRules } from './address-rewrite.js';
import type { CandidatePairInfo } from './candidate-pair.js';
import { IceError } from './errors.js';
import { gatherCandidates, gatherRelays, regatherSrflx, relayOrigins, type GatherOptions, type GathererHost, type HostBase } from './gatherer.js';
import type { IceServer } from '../stun/index.js';
import type { RelayedSocket } from '../turn/index.js';
import { IceConnectionImpl, type IceConnection } from './ice-connection.js';
import { buildIceStats, type IceAgentStats } from './ice-stats.js';
import { resolvePortRange } from './port-range.js';
import { buildServerBindingRequest } from './stun-checks.js';
import { MdnsCandidates } from '../mdns/mdns-candidates.js';
import { DeadlineTimer } from '../common/deadline-timer.js';

const DEFAULT_NETWORK_TYPES: readonly NetworkType[] = ['udp4', 'udp6'];

interface Base {
  readonly id: number;
  readonly socket: UdpSocket;
  readonly kind: 'host' | 'relay';
}

/**
 * The ICE agent driver (Pion's ice.Agent): owns the sockets through the
 * injected Net and one timer through the injected Clock, feeds
 * {@link IceAgentCore} and drains it after every input.
 *
 * Over 400 lines on purpose: it is the agent's whole public API (gathering,
 * dial/accept, trickle, restart, streams and listeners) over one core; the
 * gathering rules live in gatherer.ts, mDNS in mdns/, TCP in tcp/.
 */
export class IceAgent {
  readonly #clock: Clock;
  readonly #timer: DeadlineTimer;
  readonly #rng: Rng;
  readonly #net: Net;
  readonly #log: ScopedLogger;
  readonly #core: IceAgentCore;
  readonly #drops: DropCounter;
  #gatherOptions: GatherOptions;
  /** Servers and policy set while gathering ran: they apply at the next ICE restart (W3C setConfiguration). */
  #nextGather: { iceServers: IceServer[]; relayOnly: boolean } | undefined;
  #withdrawnHosts: Candidate[] = [];
  /** Few (one per address, plus relays): an array costs less per agent than a Map. */
  #bases: Base[] = [];
  #nextBaseId = 1;
  #draining = false;
  #drainAgain = false;
  #closed = false;
  readonly #state$ = new LazyState<IceConnectionState>('new');
  readonly #gatheringState$ = new LazyState<IceGatheringState>('new');
  readonly #candidate$ = new LazyEvents<Candidate | null>();
  readonly #selectedPair$ = new LazyEvents<CandidatePairInfo>();
  #candidateCallbacks: ((c: Candidate | null) => void)[] = [];
  #credentialsCallbacks: ((c: { ufrag: string; pwd: string }) => void)[] = [];
  #localCandidates: Candidate[] = [];
  /** Host sockets gathered on, for asking STUN servers again after an ICE restart. */
  #hostBases: readonly HostBase[] = [];
  /** The candidates learned from STUN servers (as signalled); gathered anew on restart. */
  #stunCandidates: Set<Candidate> | undefined;
  #gathering: Promise<void> | undefined;
  #srflxWaiters: { id: number; resolve: (mapped: TransportAddress | undefined) => void }[] = [];
  #connection: IceConnectionImpl | undefined;
  #connectWaiters: { resolve: (c: IceConnection) => void; reject: (e: Error) => void }[] = [];
  /** Send path of the selected pair (cached so the data path skips the core). */
  #sendSocket: UdpSocket | undefined;
  #sendTo: TransportAddress | undefined;
  #dataBlocked = true;
  bytesSent = 0;
  packetsSent = 0;

  readonly #config: IceAgentConfig;
  readonly #mdns: MdnsCandidates;

  constructor(config: IceAgentConfig = {}) {
    this.#config = config;
    this.#clock = config.clock ?? systemClock;
    this.#timer = new DeadlineTimer(this.#clock, (now) => {
      if (this.#closed) return;
      this.#core.handleTimeout(now);
      this.#drain();
    });
    this.#rng = config.rng ?? cryptoRng;
    this.#net = config.net ?? nodeNet;
    const localUfrag = config.localUfrag ?? randomIceString(this.#rng, LOCAL_UFRAG_LENGTH);
    this.#log = getLogger('ice').child(localUfrag.slice(0, 8));
    this.#drops = new DropCounter(this.#log);
    this.#mdns = new MdnsCandidates({ config: config.mdns, clock: this.#clock, rng: this.#rng, log: this.#log, net: this.#net, drops: this.#drops });
    const rules = [...(config.addressRewriteRules ?? [])];
    if (config.nat1To1IPs && config.nat1To1IPs.length > 0) rules.push(...nat1To1Rules(config.nat1To1IPs, config.nat1To1CandidateType));
    validateRules(rules);
    this.#gatherOptions = {
      networkTypes: config.networkTypes ?? DEFAULT_NETWORK_TYPES,
      includeLoopback: config.includeLoopback ?? false,
      interfaceFilter: config.interfaceFilter,
      ipFilter: config.ipFilter,
      portRange: resolvePortRange(config.portMin, config.portMax),
      rules,
      iceServers: config.iceServers ?? [],
      relayFactory: config.relayFactory,
      hostSockets: config.hostSockets ?? (config.mux ? () => config.mux!.hostSocketsFor(this) : undefined),
      relayOnly: config.iceTransportPolicy === 'relay',
    };
    this.#core = new IceAgentCore({
      config: resolveCoreConfig(config),
      rng: this.#rng,
      log: this.#log,
      drops: this.#drops,
      localUfrag,
      ...(config.localPwd !== undefined ? { localPwd: config.localPwd } : {}),
      ...(config.tieBreaker !== undefined ? { tieBreaker: config.tieBreaker } : {}),
    });
    this.#core.relayOnly = this.#gatherOptions.relayOnly === true;
  }

  /**
   * New ICE servers and transport policy (W3C setConfiguration): used by the
   * first gathering when it has not started yet, otherwise from the next ICE
   * restart on (RFC 9429 §4.1.18: no action until the next gathering phase).
   */
  setGatherPolicy(iceServers: readonly IceServer[], policy: 'all' | 'relay'): void {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    const next = { iceServers: iceServers.map((x) => ({ ...x })), relayOnly: policy === 'relay' };
    if (this.#gathering) {
      this.#nextGather = next;
      return;
    }
    this.#gatherOptions = { ...this.#gatherOptions, ...next };
    this.#core.relayOnly = next.relayOnly;
  }

  get localCredentials(): { ufrag: string; pwd: string } {
    const c = this.#core.localCredentials;
    return { ufrag: c.ufrag, pwd: c.pwd };
  }

  get state(): IceConnectionState {
    return this.#state$.value;
  }

  get state$(): Observable<IceConnectionState> {
    return this.#state$.asObservable();
  }

  get gatheringState(): IceGatheringState {
    return this.#gatheringState$.value;
  }

  get gatheringState$(): Observable<IceGatheringState> {
    return this.#gatheringState$.asObservable();
  }

  get candidate$(): Observable<Candidate | null> {
    return this.#candidate$.asObservable();
  }

  get selectedPair$(): Observable<CandidatePairInfo> {
    return this.#selectedPair$.asObservable();
  }

  get role(): IceRole {
    return this.#core.role;
  }

  /**
   * Fixes the role before dial/accept (e.g. the offerer is controlling,
   * RFC 8445 §6.1.1), so checks that arrive before the remote description
   * are answered without a false role conflict.
   */
  setRole(role: IceRole): void {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    this.#core.setRole(role);
  }

  /** The tie-breaker used in role-conflict resolution (RFC 8445 §7.3.1.1). */
  get tieBreaker(): bigint {
    return this.#core.tieBreaker;
  }

  /** Drop counters by reason (bad integrity, unknown ufrag, decode errors, ...). */
  get drops(): DropCounter {
    return this.#drops;
  }

  onCandidate(cb: (c: Candidate | null) => void): () => void {
    this.#candidateCallbacks = [...this.#candidateCallbacks, cb];
    return () => {
      this.#candidateCallbacks = this.#candidateCallbacks.filter((x) => x !== cb);
    };
  }

  /** Safe listener for state changes, called first with the current state (a throwing callback is logged, never rethrown). */
  onStateChange(cb: (state: IceConnectionState) => void): () => void {
    return this.#safeListen(this.#state$, cb, 'state');
  }

  /** Safe listener for gathering-state changes, called first with the current state. */
  onGatheringStateChange(cb: (state: IceGatheringState) => void): () => void {
    return this.#safeListen(this.#gatheringState$, cb, 'gathering state');
  }

  /** Safe listener for selected-pair changes. */
  onSelectedPairChange(cb: (pair: CandidatePairInfo) => void): () => void {
    return this.#safeSubscribe(this.#selectedPair$.asObservable(), cb, 'selected pair');
  }

  /** Follows a state with a plain callback: no rxjs subject or subscriber per listener. */
  #safeListen<T>(state: LazyState<T>, cb: (v: T) => void, what: string): () => void {
    const safe = (v: T): void => {
      try {
        cb(v);
      } catch (err) {
        this.#log.error(`${what} callback threw`, err);
      }
    };
    if (state.completed) {
      safe(state.value);
      return () => undefined;
    }
    const off = state.listen(safe);
    safe(state.value);
    return off;
  }

  #safeSubscribe<T>(subject: Observable<T>, cb: (v: T) => void, what: string): () => void {
    const sub = subject.subscribe((v) => {
      try {
        cb(v);
      } catch (err) {
        this.#log.error(`${what} callback threw`, err);
      }
    });
    return () => sub.unsubscribe();
  }

  /**
   * Called when the local credentials change (ICE restart), e.g. for a
   * single-port server that routes by ufrag to re-register the agent.
   */
  onLocalCredentialsChange(cb: (c: { ufrag: string; pwd: string }) => void): () => void {
    this.#credentialsCallbacks = [...this.#credentialsCallbacks, cb];
    return () => {
      this.#credentialsCallbacks = this.#credentialsCallbacks.filter((x) => x !== cb);
    };
  }

  getLocalCandidates(): Candidate[] {
    return [...this.#localCandidates];
  }

  getRemoteCandidates(): Candidate[] {
    return [...this.#core.remotes.values()];
  }

  /** The signalled form of a remote candidate: its `.local` original when it was added at an mDNS-resolved address. */
  getSignalledRemoteCandidate(c: Candidate): Candidate {
    return this.#mdns.originalOf(c) ?? c;
  }

  getSelectedPair(): CandidatePairInfo | undefined {
    return this.#core.getSelectedPair();
  }

  getStats(): IceAgentStats {
    const bases = this.#bases.map((b) => ({ id: b.id, address: b.socket.localAddress.address, port: b.socket.localAddress.port, kind: b.kind }));
    return buildIceStats(this.#core, this.#localCandidates, bases, this.#drops, {
      bytesSent: this.bytesSent,
      packetsSent: this.packetsSent,
      bytesReceived: this.#connection?.bytesReceived ?? 0,
      packetsReceived: this.#connection?.packetsReceived ?? 0,
    });
  }

  // ---- gathering ----------------------------------------------------------

  /** Starts gathering (once); resolves when gathering is complete. */
  gather(): Promise<void> {
    if (this.#closed) return Promise.reject(new IceError('ERR_ICE_CLOSED', 'agent is closed'));
    this.#gathering ??= this.#runGather();
    return this.#gathering;
  }

  async #runGather(): Promise<void> {
    this.#setGatheringState('gathering');
    try {
      const bases = await gatherCandidates(this.#gathererHost(), this.#gatherOptions, this.#core.localCredentials.ufrag);
      // Kept for asking STUN servers again at a restart (a few hundred bytes per agent).
      this.#hostBases = bases;
    } finally {
      if (!this.#closed) {
        this.#core.localGatheringComplete = true;
        this.#emitCandidate(null);
        this.#setGatheringState('complete');
        this.#drain();
      }
    }
  }

  #gathererHost(): GathererHost {
    const agent = this;
    return {
      net: this.#net,
      rng: this.#rng,
      clock: this.#clock,
      log: this.#log,
      get closed() {
        return agent.#closed;
      },
      addBase: (socket, kind) => this.#addBase(socket, kind),
      announce: (c, baseId, base, pairable, fromStun) => {
        this.#core.addLocalCandidate(c, baseId, base, pairable);
        // With mDNS publishing the signalled form hides the address; the core pairs the real one.
        const signalled = this.#mdns.mask(c);
        if (this.#log.debugEnabled) this.#log.debug(`local candidate ${c.toString()}${signalled && signalled !== c ? ` as ${signalled.address}` : ''}`);
        if (signalled) {
          if (fromStun) (this.#stunCandidates ??= new Set()).add(signalled);
          this.#localCandidates.push(signalled);
          this.#emitCandidate(signalled);
        }
        this.#drain();
      },
      requestSrflx: (baseId, server) =>
        new Promise((resolve) => {
          if (this.#closed) return resolve(undefined);
          const id = this.#core.gatherSrflx(this.#clock.now(), baseId, server, buildServerBindingRequest(this.#rng));
          this.#srflxWaiters.push({ id, resolve });
          this.#drain();
        }),
    };
  }

  #base(id: number): Base | undefined {
    for (const b of this.#bases) if (b.id === id) return b;
    return undefined;
  }

  /** Registers a socket-like base (host UDP socket, TURN relay; later ICE-TCP and mux tuples). */
  #addBase(socket: UdpSocket, kind: 'host' | 'relay'): number {
    const id = this.#nextBaseId++;
    this.#bases.push({ id, socket, kind });
    socket.onMessage((data, from) => this.#onInbound(id, data, from));
    if (kind === 'relay' && 'onClose' in socket) (socket as RelayedSocket).onClose((err) => this.#onRelayLost(id, err));
    return id;
  }

  /**
   * A TURN allocation ended on its own (refresh refused, server gone, TCP/TLS
   * connection lost): its candidate is withdrawn and its pairs go, unless it
   * carries the selected pair, which then fails through consent (RFC 7675).
   */
  #onRelayLost(id: number, err: Error | undefined): void {
    if (this.#closed || !err) return;
    this.#log.warn(`TURN allocation lost: ${err.message}`);
    if (this.#core.selected?.local.baseId === id) return;
    const base = this.#base(id);
    this.#bases = this.#bases.filter((b) => b.id !== id);
    this.#core.removeLocalBase(id);
    const address = base?.socket.localAddress;
    if (address) this.#localCandidates = this.#localCandidates.filter((c) => c.type !== 'relay' || c.address !== address.address || c.port !== address.port);
    this.#drain();
  }

  #onInbound(baseId: number, data: Buffer, from: TransportAddress): void {
    if (this.#closed) return;
    try {
      if (this.#core.handleDatagram(this.#clock.now(), baseId, from, data)) {
        // Data on a valid pair may come before this side has selected it: the connection holds it.
        (this.#connection ??= this.#newConnection()).deliver(data);
      }
    } catch (err) {
      // The single inbound catch: decode errors and anything else from peer input.
      this.#drops.drop(err instanceof StunDecodeError ? 'stun-decode' : 'inbound-error', err);
    }
    if (this.#core.hasOutput || data[0]! < 4) this.#drain();
  }

  #emitCandidate(c: Candidate | null): void {
    this.#candidate$.next(c);
    for (const cb of this.#candidateCallbacks) {
      try {
        cb(c);
      } catch (err) {
        this.#log.error('candidate callback threw', err);
      }
    }
  }

  #setGatheringState(s: IceGatheringState): void {
    this.#gatheringState$.set(s);
  }

  // ---- remote side and connecting ------------------------------------------

  setRemoteCredentials(ufrag: string, pwd: string): void {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    this.#core.setRemoteCredentials(this.#clock.now(), ufrag, pwd);
    this.#drain();
  }

  /**
   * Adds a remote candidate at any time (trickle, RFC 8838): before the
   * remote credentials, during checks or after connecting. `null`, '' or
   * 'end-of-candidates' marks the remote end-of-candidates.
   */
  addRemoteCandidate(c: Candidate | string | null): void {
    if (this.#closed) return;
    let cand: Candidate | null;
    if (c === null || c === '' || (typeof c === 'string' && /^(a=)?end-of-candidates$/.test(c.trim()))) cand = null;
    else {
      try {
        cand = typeof c === 'string' ? Candidate.parse(c) : c;
      } catch (err) {
        this.#drops.drop('remote-candidate-malformed', err);
        throw err;
      }
      const unusable = unusableRemoteAddress(cand);
      if (unusable !== undefined) {
        this.#drops.drop(`remote-candidate-${unusable}`, cand.toString());
        throw new IceError('ERR_ICE_BAD_CANDIDATE', `remote candidate ${cand.address}:${cand.port} refused (${unusable})`);
      }
    }
    const add = (x: Candidate | null): void => {
      if (this.#closed) return;
      // An mDNS name may resolve to an address no check may go to.
      const unusable = x?.isMdns === false ? unusableRemoteAddress(x) : undefined;
      if (x && unusable !== undefined) return this.#drops.drop(`remote-candidate-${unusable}`, x.toString());
      this.#core.addRemoteCandidate(this.#clock.now(), x);
      this.#drain();
    };
    // `.local` candidates are resolved in the background; end-of-candidates waits for them.
    if (cand ? this.#mdns.resolveRemote(cand, add) : this.#mdns.deferEndOfCandidates(() => add(null))) return;
    add(cand);
  }

  /**
   * The peer is ICE-lite (a=ice-lite seen in its description): this agent
   * will be controlling and uses the longer liveness defaults for lite peers
   * unless the timeouts were configured explicitly. Call before dial().
   */
  setRemoteLite(lite: boolean): void {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    this.#core.setRemoteLite(resolveCoreConfig({ ...this.#config, remoteLite: lite }));
    this.#drain();
  }

  /** Connects as the controlling agent. */
  dial(remoteUfrag: string, remotePwd: string, signal?: AbortSignal): Promise<IceConnection> {
    return this.#connect('controlling', remoteUfrag, remotePwd, signal);
  }

  /** Connects as the controlled agent. */
  accept(remoteUfrag: string, remotePwd: string, signal?: AbortSignal): Promise<IceConnection> {
    return this.#connect('controlled', remoteUfrag, remotePwd, signal);
  }

  #connect(role: IceRole, ufrag: string, pwd: string, signal: AbortSignal | undefined): Promise<IceConnection> {
    if (this.#closed) return Promise.reject(new IceError('ERR_ICE_CLOSED', 'agent is closed'));
    if (signal?.aborted) return Promise.reject(new IceError('ERR_ICE_ABORTED', 'connect aborted'));
    try {
      this.#core.setRemoteCredentials(this.#clock.now(), ufrag, pwd);
      // RFC 8445 §6.1.1: against a lite peer the full agent is controlling whichever call was made.
      this.#core.start(this.#clock.now(), this.#core.config.remoteLite ? 'controlling' : role);
    } catch (err) {
      return Promise.reject(err);
    }
    void this.gather().catch((err: unknown) => {
      // Without a single local base the agent cannot connect: fail the waiters with the cause.
      this.#log.warn(`gathering failed: ${(err as Error).message}`);
      const waiting = this.#connectWaiters;
      for (const w of [...waiting]) w.reject(err as Error);
    });
    const p = new Promise<IceConnection>((resolve, reject) => {
      const waiter = {
        resolve: (c: IceConnection) => {
          cleanup();
          resolve(c);
        },
        reject: (e: Error) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = (): void => waiter.reject(new IceError('ERR_ICE_ABORTED', 'connect aborted'));
      const cleanup = (): void => {
        this.#connectWaiters = this.#connectWaiters.filter((w) => w !== waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#connectWaiters.push(waiter);
    });
    this.#drain();
    // Already connected (a second dial/accept, or a restart that kept the pair): resolve now.
    if (this.#connection && (this.state === 'connected' || this.state === 'disconnected')) {
      for (const w of [...this.#connectWaiters]) w.resolve(this.#connection);
    }
    return p;
  }

  // ---- restart and close -----------------------------------------------------

  /**
   * ICE restart (RFC 8445 §9): new local credentials and a new gathering
   * round on the same sockets; data keeps flowing on the selected pair until
   * the new checks select one. Signal the new credentials and candidates, then
   * call {@link setRemoteCredentials} and {@link addRemoteCandidate} with the peer's.
   */
  async restart(ufrag?: string, pwd?: string): Promise<void> {
    if (this.#closed) throw new IceError('ERR_ICE_CLOSED', 'agent is closed');
    await this.#gathering?.catch(() => undefined);
    this.#core.restart(this.#clock.now(), ufrag, pwd);
    this.#mdns.reset();
    const creds = this.localCredentials;
    for (const cb of this.#credentialsCallbacks) {
      try {
        cb(creds);
      } catch (err) {
        this.#log.error('credentials callback threw', err);
      }
    }
    this.#setGatheringState('gathering');
    // RFC 8445 §9: the new generation's server-reflexive candidates come from asking the STUN
    // servers again, as NAT bindings may have changed; host and relayed candidates carry over.
    const stale = this.#stunCandidates;
    this.#stunCandidates = undefined;
    if (stale) {
      this.#localCandidates = this.#localCandidates.filter((c) => !stale.has(c));
      this.#core.removeUnpairedLocals(new Set([...stale].map((c) => c.key)));
    }
    const reconfigured = this.#applyNextGather();
    for (const c of this.#localCandidates) this.#emitCandidate(c);
    // Like the first gathering, this one runs on (trickle): restart() does not wait for servers.
    const regather = this.#regather(reconfigured);
    if (this.#gathering) this.#gathering = regather;
    this.#drain();
  }

  /**
   * Servers or policy changed since the last gathering: relays not carrying
   * the selected pair are released and their candidates withdrawn, as are
   * non-relay candidates under the 'relay' policy (their sockets stay open
   * while the selected pair may use them). Returns whether anything changed.
   */
  #applyNextGather(): boolean {
    const next = this.#nextGather;
    if (!next) return false;
    this.#nextGather = undefined;
    this.#gatherOptions = { ...this.#gatherOptions, ...next };
    this.#core.relayOnly = next.relayOnly;
    const inUse = this.#core.selected?.local.baseId;
    for (const b of this.#bases.filter((x) => x.kind === 'relay' && x.id !== inUse)) {
      this.#core.removeLocalBase(b.id);
      b.socket.close();
    }
    this.#bases = this.#bases.filter((x) => x.kind !== 'relay' || x.id === inUse);
    // Host candidates withdrawn under 'relay' come back with 'all' (their sockets stayed open).
    const hosts = this.#withdrawnHosts;
    this.#withdrawnHosts = next.relayOnly ? [...hosts, ...this.#localCandidates.filter((c) => c.type === 'host')] : [];
    this.#localCandidates = next.relayOnly ? [] : [...hosts, ...this.#localCandidates.filter((c) => c.type !== 'relay')];
    return true;
  }

  /** Gathering after a restart: server-reflexive candidates again (and relays after a reconfiguration), then end-of-candidates. */
  async #regather(reconfigured: boolean): Promise<void> {
    const bases = this.#hostBases.filter((b) => this.#base(b.baseId) !== undefined);
    const o = this.#gatherOptions;
    try {
      if (reconfigured && !o.relayOnly && bases.length === 0 && !o.hostSockets) {
        // From relay-only to 'all': nothing was bound yet, so gather everything.
        this.#hostBases = await gatherCandidates(this.#gathererHost(), o, this.#core.localCredentials.ufrag);
      } else {
        await Promise.all([
          !o.relayOnly && bases.length > 0 && o.iceServers.length > 0 ? regatherSrflx(this.#gathererHost(), o, bases) : undefined,
          reconfigured ? gatherRelays(this.#gathererHost(), o, relayOrigins(this.#net, o, bases)) : undefined,
        ]);
      }
    } catch (err) {
      this.#log.warn(`gathering after restart: ${(err as Error).message}`);
    } finally {
      if (!this.#closed) {
        this.#emitCandidate(null);
        this.#setGatheringState('complete');
        this.#drain();
      }
    }
  }

  /** Closes the agent; `reason` (e.g. the single-port server closed) reaches the connection's onClose. */
  close(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mdns.close();
    this.#core.close();
    this.#drain();
    this.#timer.clear();
    for (const b of this.#bases) b.socket.close();
    this.#bases = [];
    this.#sendSocket = undefined;
    const waiting = this.#srflxWaiters;
    this.#srflxWaiters = [];
    for (const w of waiting) w.resolve(undefined);
    for (const w of [...this.#connectWaiters]) w.reject(new IceError('ERR_ICE_CLOSED', 'agent closed'));
    this.#connection?.markClosed(reason);
    this.#setGatheringState('complete');
    this.#state$.complete();
    this.#gatheringState$.complete();
    this.#candidate$.complete();
    this.#selectedPair$.complete();
    this.#candidateCallbacks = [];
    this.#credentialsCallbacks = [];
  }

  // ---- the drain loop ----------------------------------------------------------

  /** Transmits, then events, then re-arms the timer; re-entrancy safe. */
  #drain(): void {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        for (let t = this.#core.pollTransmit(); t; t = this.#core.pollTransmit()) {
          this.#base(t.baseId)?.socket.send(t.data, t.to);
        }
        for (let e = this.#core.pollEvent(); e; e = this.#core.pollEvent()) this.#onEvent(e);
      } while (this.#drainAgain);
    } finally {
      this.#draining = false;
    }
    this.#arm();
  }

  #arm(): void {
    this.#timer.set(this.#closed ? undefined : this.#core.pollTimeout());
  }

  #onEvent(e: IceCoreEvent): void {
    switch (e.type) {
      case 'state':
        this.#onState(e.state);
        break;
      case 'selected-pair': {
        const base = this.#base(e.pair.localBaseId);
        this.#sendSocket = base?.socket;
        this.#sendTo = { address: e.pair.remote.address, port: e.pair.remote.port };
        this.#dataBlocked = this.state === 'failed' || this.state === 'closed' || this.#sendSocket === undefined;
        this.#selectedPair$.next(e.pair);
        break;
      }
      case 'srflx': {
        const w = this.#srflxWaiters.find((x) => x.id === e.requestId);
        this.#srflxWaiters = this.#srflxWaiters.filter((x) => x !== w);
        w?.resolve(e.mapped);
        break;
      }
      default:
        break;
    }
  }

  #onState(state: IceConnectionState): void {
    // RFC 7675 §5.1: consent lost, the pair is done; only a pair selected after a restart carries data again.
    if (state === 'failed') this.#sendSocket = undefined;
    this.#dataBlocked = state === 'failed' || state === 'closed' || this.#sendSocket === undefined;
    this.#state$.set(state);
    if (state === 'connected' && this.#core.selected) {
      const conn = (this.#connection ??= this.#newConnection());
      for (const w of [...this.#connectWaiters]) w.resolve(conn);
    } else if (state === 'failed') {
      for (const w of [...this.#connectWaiters]) w.reject(new IceError('ERR_ICE_FAILED', 'ICE failed'));
    }
  }

  #newConnection(): IceConnectionImpl {
    return new IceConnectionImpl({
      sendData: (data) => this.#sendData(data),
      canSend: () => !this.#dataBlocked && !this.#closed,
      selectedLocal: () => this.#core.selected!.local.candidate,
      selectedRemote: () => this.#core.selected!.remote,
      closeAgent: () => this.close(),
    });
  }

  #sendData(data: Uint8Array): void {
    if (this.#dataBlocked) return;
    this.#sendSocket!.send(data, this.#sendTo!);
    this.bytesSent += data.length;
    this.packetsSent++;
    this.#core.lastOutboundMs = this.#clock.now();
  }
}
