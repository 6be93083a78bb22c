import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { StunClass, StunErrorCode, StunMethod } from '../stun/constants.js';
import { StunMessage } from '../stun/message.js';
import { StunTransactionCore, type StunRetransmitConfig } from '../stun/transaction-core.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import {
  ALLOCATION_REFRESH_MARGIN_MS,
  CLOSE_RETRANSMIT_COUNT,
  CLOSE_TIMEOUT_MS,
  DEFAULT_ALLOCATION_LIFETIME_SEC,
  DEFAULT_AUTO_CHANNEL_BIND_AFTER,
  DEFAULT_MAX_CHANNELS,
  DEFAULT_MAX_PERMISSIONS,
  DEFAULT_MAX_QUEUED_PER_PEER,
  MAX_STALE_NONCE_RETRIES,
  REFRESH_RETRY_DELAY_MS,
} from './constants.js';
import { TurnError } from './errors.js';
import { PeerBindings } from './peer-bindings.js';
import { describeRequest, errorFor, stunCodeOf, toTurnError } from './request-errors.js';
import {
  validateTurnClientConfig,
  type TurnClientCoreConfig,
  type TurnClientEvent,
  type TurnClientState,
  type TurnInboundData,
  type TurnTransportKind,
} from './turn-client-types.js';
import { TurnRequests, type PendingRequest, type RequestSpec } from './turn-requests.js';

export type { TurnClientCoreConfig, TurnClientEvent, TurnClientState, TurnInboundData, TurnTransportKind };

/** RFC 8656 §7.3 / §8.1: refresh a minute early, or at half the lifetime when it is short. */
function refreshDelayMs(lifetimeMs: number): number {
  return lifetimeMs >= 2 * ALLOCATION_REFRESH_MARGIN_MS ? lifetimeMs - ALLOCATION_REFRESH_MARGIN_MS : lifetimeMs / 2;
}

/**
 * Sans-IO TURN client for one allocation (RFC 8656, long-term credentials of
 * RFC 8489 §9.2): Allocate with the 401 → REALM/NONCE → authenticated retry,
 * 438 stale-nonce recovery, Refresh before expiry, CreatePermission and
 * ChannelBind with their refreshes, Send/Data indications, ChannelData, and
 * Refresh with LIFETIME 0 on close.
 *
 * Fed `now` (ms) with every input; output is pulled: {@link pollTransmit}
 * (bytes for the server), {@link pollEvent}, {@link pollTimeout}. Inbound
 * application data is returned by {@link handleInput}; outbound data is
 * returned by {@link send} when it can go at once.
 *
 * The allocation's own life (allocate, refresh, close, failure) is here;
 * permissions and channels live in {@link PeerBindings}, request building
 * and integrity in {@link TurnRequests}. At ~450 lines it stays one file (over the 400 aim):
 * the response dispatch and state transitions read best side by side.
 */
export class TurnClientCore {
  readonly drops: DropCounter;
  readonly #log: ScopedLogger;
  readonly #server: TransportAddress;
  readonly #stream: boolean;
  readonly #requests: TurnRequests;
  readonly #bindings: PeerBindings;
  readonly #events: TurnClientEvent[] = [];
  #state: TurnClientState = 'new';
  #relayed: TransportAddress | undefined;
  #mapped: TransportAddress | undefined;
  #lifetimeSec = 0;
  #expiresAt = Infinity;
  #refreshAt = Infinity;
  #refreshing = false;
  #closeDeadline = Infinity;

  constructor(config: TurnClientCoreConfig) {
    this.#log = config.logPrefix ? getLogger('turn').child(config.logPrefix) : getLogger('turn');
    validateTurnClientConfig(config);
    this.drops = config.drops ?? new DropCounter(this.#log);
    this.#server = config.server;
    const transport = config.transport ?? 'udp';
    this.#stream = transport !== 'udp';
    const maxPermissions = config.maxPermissions ?? DEFAULT_MAX_PERMISSIONS;
    const maxChannels = config.maxChannels ?? DEFAULT_MAX_CHANNELS;
    const transactions = new StunTransactionCore<string>({
      ...config.retransmit,
      reliable: this.#stream,
      maxPending: maxPermissions + maxChannels + 8,
    });
    this.#requests = new TurnRequests({
      transactions,
      rng: config.rng,
      server: config.server,
      username: config.username,
      password: config.password,
      lifetimeSec: config.lifetimeSec,
      family: config.family,
      software: config.software === false ? undefined : (config.software ?? 'tern-rtc'),
      log: this.#log,
      drops: this.drops,
    });
    const requests = this.#requests;
    this.#bindings = new PeerBindings(
      {
        issue: (now, spec) => this.#issue(now, spec),
        sendIndication: (peer, data) => requests.sendIndication(peer, data),
        queueTransmit: (bytes) => requests.queueTransmit(bytes),
        emit: (event) => this.#events.push(event),
        drops: this.drops,
        log: this.#log,
      },
      {
        maxPermissions,
        maxChannels,
        maxQueuedPerPeer: config.maxQueuedPerPeer ?? DEFAULT_MAX_QUEUED_PER_PEER,
        autoChannelBindAfter: config.autoChannelBindAfter ?? DEFAULT_AUTO_CHANNEL_BIND_AFTER,
        stream: this.#stream,
      },
    );
  }

  get state(): TurnClientState {
    return this.#state;
  }
  /** XOR-RELAYED-ADDRESS of the allocation. */
  get relayedAddress(): TransportAddress | undefined {
    return this.#relayed;
  }
  /** XOR-MAPPED-ADDRESS of the Allocate response (the client's server-reflexive address). */
  get mappedAddress(): TransportAddress | undefined {
    return this.#mapped;
  }
  get serverAddress(): TransportAddress {
    return this.#server;
  }
  /** Lifetime granted by the last Allocate/Refresh response, in seconds. */
  get lifetimeSec(): number {
    return this.#lifetimeSec;
  }
  get permissionCount(): number {
    return this.#bindings.permissionCount;
  }
  get channelCount(): number {
    return this.#bindings.channelCount;
  }

  /**
   * True when the driver must drain the core (transmits, events, timer):
   * cheap, so the data path can skip the drain when nothing changed.
   */
  get needsService(): boolean {
    return this.#events.length > 0 || this.#bindings.dirty || this.#requests.dirty;
  }

  /** True when a permission for the peer's IP is installed. */
  hasPermission(address: string): boolean {
    return this.#bindings.hasPermission(address);
  }

  /** The bound channel number for the peer, if any. */
  boundChannel(peer: TransportAddress): number | undefined {
    return this.#bindings.boundChannel(peer);
  }

  /** Starts the allocation: RFC 8656 §7.1, first without credentials to learn REALM and NONCE. */
  allocate(now: number): void {
    if (this.#state !== 'new') throw new TurnError('ERR_TURN_ALLOCATION', `allocate() in state ${this.#state}`);
    this.#state = 'allocating';
    this.#log.debug(`allocating on ${formatAddress(this.#server)}`);
    this.#issue(now, { kind: 'allocate' });
  }

  /**
   * Installs a permission for the peer's IP (RFC 8656 §9). Returns whether it
   * is already installed; otherwise a 'permission' event follows.
   */
  createPermission(now: number, peer: TransportAddress): 'installed' | 'pending' {
    this.#assertAllocated();
    return this.#bindings.createPermission(now, peer);
  }

  /**
   * Binds a channel to the peer (RFC 8656 §12.1). Returns the number and
   * whether the binding is already in place; otherwise a 'channel' event follows.
   */
  bindChannel(now: number, peer: TransportAddress): { channel: number; state: 'bound' | 'pending' } {
    this.#assertAllocated();
    return this.#bindings.bindChannel(now, peer);
  }

  /**
   * Sends application data to a peer through the relay. Returns the bytes to
   * write to the server now (ChannelData when a channel is bound, else a Send
   * indication, RFC 8656 §10.1/§12.5), or undefined when the data was queued
   * behind a permission being created (see {@link pollTransmit}) or dropped.
   */
  send(now: number, data: Uint8Array, to: TransportAddress): Buffer | undefined {
    if (this.#state !== 'allocated') {
      this.drops.drop('send-not-allocated');
      return undefined;
    }
    return this.#bindings.send(now, data, to);
  }

  /**
   * Handles one datagram (UDP) or one framed message (TCP/TLS) from the server.
   * Returns application data from a peer, if the input carried some. Never
   * throws: malformed or unexpected input is dropped and counted in {@link drops}.
   */
  handleInput(now: number, data: Buffer): TurnInboundData | undefined {
    if (data.length === 0) {
      this.drops.drop('empty');
      return undefined;
    }
    const kind = data[0]! & 0xc0;
    if (kind === 0x40) return this.#bindings.channelData(data);
    if (kind !== 0x00) {
      this.drops.drop('not-turn');
      return undefined;
    }
    let msg: StunMessage;
    try {
      msg = StunMessage.decode(data);
    } catch (err) {
      this.drops.drop('stun-decode', err);
      return undefined;
    }
    if (msg.messageClass === StunClass.Indication) {
      if (msg.method === StunMethod.Data) return this.#bindings.dataIndication(msg);
      this.drops.drop('unexpected-indication');
      return undefined;
    }
    if (msg.messageClass === StunClass.Request) {
      this.drops.drop('unexpected-request');
      return undefined;
    }
    const pending = this.#requests.accept(now, msg);
    if (pending) this.#onResponse(now, pending, msg);
    return undefined;
  }

  /** Advances timers: retransmissions, transaction timeouts, refreshes and expiries. */
  handleTimeout(now: number): void {
    for (const t of this.#requests.handleTimeout(now)) this.#onRequestTimeout(now, t);
    if (this.#state === 'closing' && now >= this.#closeDeadline) {
      this.#finishClose('closing Refresh gave up');
      return;
    }
    if (this.#state === 'allocated') this.#maintain(now);
  }

  /** Next bytes for the server. */
  pollTransmit(): Buffer | undefined {
    return this.#requests.pollTransmit();
  }

  pollEvent(): TurnClientEvent | undefined {
    return this.#events.shift();
  }

  /** Absolute time (ms) at which {@link handleTimeout} must be called, if any. */
  pollTimeout(): number | undefined {
    let t = this.#requests.pollTimeout() ?? Infinity;
    if (this.#state === 'allocated') {
      t = Math.min(t, this.#refreshing ? this.#expiresAt : this.#refreshAt, this.#expiresAt, this.#bindings.nextDeadline());
    } else if (this.#state === 'closing') {
      t = Math.min(t, this.#closeDeadline);
    }
    return t === Infinity ? undefined : t;
  }

  /**
   * Releases the allocation: RFC 8656 §7.3 / §8: a Refresh with LIFETIME 0,
   * retransmitted briefly; a 'closed' event follows its answer or give-up.
   * Idempotent.
   */
  close(now: number): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    // A signed Allocate may already have created the allocation whose answer is still on its
    // way: release it too rather than leave it on the server until it expires (a server
    // without it answers 437, which ends the close all the same).
    const mayBeAllocated =
      this.#state === 'allocated' || (this.#state === 'allocating' && this.#requests.realm !== undefined);
    this.#requests.clear();
    this.#bindings.clear();
    if (!mayBeAllocated) {
      this.#finishClose(`closed in state ${this.#state}`);
      return;
    }
    this.#state = 'closing';
    this.#closeDeadline = now + CLOSE_TIMEOUT_MS;
    this.#log.debug('releasing the allocation (Refresh LIFETIME 0)');
    this.#issue(now, { kind: 'refresh', lifetimeSec: 0 }, 0, this.#stream ? undefined : { rc: CLOSE_RETRANSMIT_COUNT });
  }

  // ---- internals -------------------------------------------------------------------------------

  #assertAllocated(): void {
    if (this.#state === 'allocated') return;
    if (this.#state === 'closing' || this.#state === 'closed' || this.#state === 'failed') {
      throw new TurnError('ERR_TURN_CLOSED', `TURN allocation is ${this.#state}`);
    }
    throw new TurnError('ERR_TURN_ALLOCATION', `TURN allocation not ready (state ${this.#state})`);
  }

  #issue(
    now: number,
    spec: RequestSpec,
    staleRetries = 0,
    overrides?: StunRetransmitConfig,
  ): void {
    try {
      this.#requests.issue(now, spec, staleRetries, overrides);
    } catch (err) {
      // Only the transaction limit can throw here; the tables keep us well below it.
      this.#onRequestFailed(now, { ...spec, staleRetries, transactionId: Buffer.alloc(0), auth: undefined }, toTurnError(err));
    }
  }

  #onResponse(now: number, p: PendingRequest, msg: StunMessage): void {
    if (msg.messageClass === StunClass.ErrorResponse) {
      const err = msg.getErrorCode();
      const code = err?.code ?? 0;
      const reason = err?.reason ?? '';
      // RFC 8489 §9.2.5: 401 to an unauthenticated request carries REALM and NONCE: retry with credentials.
      if (code === StunErrorCode.Unauthorized && p.auth === undefined && this.#requests.learnNonce(msg)) {
        this.#log.debug(`401: realm ${JSON.stringify(this.#requests.realm)}, retrying with credentials`);
        this.#issue(now, p, p.staleRetries);
        return;
      }
      // RFC 8489 §9.2.5: 438 carries a fresh NONCE: retry with it.
      if (code === StunErrorCode.StaleNonce && p.staleRetries < MAX_STALE_NONCE_RETRIES && this.#requests.learnNonce(msg)) {
        this.#log.debug(`438 stale nonce on ${p.kind}, retrying with the new nonce`);
        this.#issue(now, p, p.staleRetries + 1);
        return;
      }
      // RFC 8656 §7.3/§9/§12: 437 (Allocation Mismatch) to any request means the server has no
      // allocation for this 5-tuple any more.
      if (code === StunErrorCode.AllocationMismatch && p.kind !== 'allocate' && this.#state === 'allocated') {
        this.#fail(new TurnError('ERR_TURN_ALLOCATION_LOST', `server lost the allocation: ${code} ${reason}`, { stunCode: code }));
        return;
      }
      this.#onRequestFailed(now, p, errorFor(p, code, reason, msg));
      return;
    }
    switch (p.kind) {
      case 'allocate':
        this.#onAllocated(now, msg);
        return;
      case 'refresh':
        this.#onRefreshed(now, p, msg);
        return;
      case 'permission':
        this.#bindings.onPermissionInstalled(now, p.permission!);
        return;
      case 'channel':
        this.#bindings.onChannelBound(now, p.channel!);
        return;
    }
  }

  #onAllocated(now: number, msg: StunMessage): void {
    if (this.#state !== 'allocating') return;
    const relayed = msg.getXorRelayedAddress();
    if (!relayed) {
      this.#fail(new TurnError('ERR_TURN_ALLOCATION', 'Allocate success response without XOR-RELAYED-ADDRESS'));
      return;
    }
    this.#relayed = relayed;
    this.#mapped = msg.getXorMappedAddress();
    this.#state = 'allocated';
    this.#setLifetime(now, msg.getLifetime() ?? DEFAULT_ALLOCATION_LIFETIME_SEC);
    this.#log.debug(
      `allocated ${formatAddress(relayed)} (mapped ${this.#mapped ? formatAddress(this.#mapped) : '-'}, lifetime ${this.#lifetimeSec} s)`,
    );
    this.#events.push({ type: 'allocated', relayed, mapped: this.#mapped, lifetimeSec: this.#lifetimeSec });
  }

  #onRefreshed(now: number, p: PendingRequest, msg: StunMessage): void {
    if (this.#state === 'closing') {
      this.#finishClose('allocation released');
      return;
    }
    if (this.#state !== 'allocated') return;
    this.#refreshing = false;
    const lifetime = msg.getLifetime() ?? p.lifetimeSec ?? DEFAULT_ALLOCATION_LIFETIME_SEC;
    this.#setLifetime(now, lifetime);
    this.#log.debug(`allocation refreshed, lifetime ${lifetime} s`);
    this.#events.push({ type: 'refreshed', lifetimeSec: lifetime });
  }

  #setLifetime(now: number, lifetimeSec: number): void {
    this.#lifetimeSec = lifetimeSec;
    const lifetimeMs = lifetimeSec * 1000;
    this.#expiresAt = now + lifetimeMs;
    this.#refreshAt = now + refreshDelayMs(lifetimeMs);
  }

  #onRequestTimeout(now: number, p: PendingRequest): void {
    this.#onRequestFailed(now, p, new TurnError('ERR_TURN_TIMEOUT', `TURN ${describeRequest(p)} timed out`));
  }

  /** A request failed (error response, timeout or local limit): update the state it was for. */
  #onRequestFailed(now: number, p: PendingRequest, error: TurnError): void {
    switch (p.kind) {
      case 'allocate':
        if (this.#state === 'allocating') this.#fail(error);
        return;
      case 'refresh':
        if (this.#state === 'closing') {
          this.#finishClose(`closing Refresh: ${error.message}`);
        } else if (this.#state === 'allocated') {
          this.#refreshing = false;
          // RFC 8656 §8: 437 means the server has no such allocation any more.
          if (error.code === 'ERR_TURN_TIMEOUT' && now + REFRESH_RETRY_DELAY_MS < this.#expiresAt) {
            this.#log.debug(`${error.message}; retrying in ${REFRESH_RETRY_DELAY_MS} ms`);
            this.#refreshAt = now + REFRESH_RETRY_DELAY_MS;
          } else {
            this.#fail(new TurnError('ERR_TURN_ALLOCATION_LOST', `allocation refresh failed: ${error.message}`, { cause: error, ...stunCodeOf(error) }));
          }
        }
        return;
      case 'permission':
        this.#bindings.onPermissionFailed(now, p.permission!, error);
        return;
      case 'channel':
        this.#bindings.onChannelFailed(now, p.channel!, error);
        return;
    }
  }

  /** Refreshes and expiries, RFC 8656 §8 (allocation), §9 (permissions), §12 (channels). */
  #maintain(now: number): void {
    if (now >= this.#expiresAt) {
      this.#fail(new TurnError('ERR_TURN_ALLOCATION_LOST', 'allocation expired without a successful refresh'));
      return;
    }
    if (!this.#refreshing && now >= this.#refreshAt) {
      this.#refreshing = true;
      this.#log.debug('refreshing the allocation');
      this.#issue(now, { kind: 'refresh', lifetimeSec: this.#requests.lifetimeSec });
    }
    this.#bindings.maintain(now);
  }

  #fail(error: TurnError): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    this.#log.debug(`failed: ${error.message}`);
    this.#state = 'failed';
    this.#requests.clear();
    this.#bindings.clear();
    this.#events.push({ type: 'failed', error });
  }

  #finishClose(why: string): void {
    this.#log.debug(`closed (${why})`);
    this.#state = 'closed';
    this.#requests.clear();
    this.#closeDeadline = Infinity;
    this.#events.push({ type: 'closed' });
  }
}
