import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { StunClass, StunErrorCode, StunMethod } from '../stun/constants.js';
import { longTermKey, newTransactionId } from '../stun/credentials.js';
import { StunMessage } from '../stun/message.js';
import { StunTransactionCore, type StunRetransmitConfig } from '../stun/transaction-core.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import { decodeChannelData, encodeChannelData } from './channel-data.js';
import {
  ALLOCATION_REFRESH_MARGIN_MS,
  CHANNEL_LIFETIME_MS,
  CHANNEL_REFRESH_MS,
  CLOSE_RETRANSMIT_COUNT,
  CLOSE_TIMEOUT_MS,
  DEFAULT_ALLOCATION_LIFETIME_SEC,
  DEFAULT_AUTO_CHANNEL_BIND_AFTER,
  DEFAULT_MAX_CHANNELS,
  DEFAULT_MAX_PERMISSIONS,
  DEFAULT_MAX_QUEUED_PER_PEER,
  MAX_STALE_NONCE_RETRIES,
  PERMISSION_LIFETIME_MS,
  PERMISSION_REFRESH_MS,
  REFRESH_RETRY_DELAY_MS,
} from './constants.js';
import { TurnError } from './errors.js';
import { ChannelTable, PermissionTable, peerKey, type ChannelEntry, type PermissionEntry } from './peer-tables.js';
import { normalizePeer } from './peer-address.js';
import { TurnRequests, type PendingRequest } from './turn-requests.js';

export type TurnTransportKind = 'udp' | 'tcp' | 'tls';
export type TurnClientState = 'new' | 'allocating' | 'allocated' | 'closing' | 'closed' | 'failed';

export interface TurnClientCoreConfig {
  /** Where requests go (the resolved TURN server address). */
  server: TransportAddress;
  username: string;
  password: string;
  rng: Rng;
  /** 'udp' retransmits (RFC 8489 §6.2.1); 'tcp'/'tls' send once (§6.2.2) and pad ChannelData (RFC 8656 §12.5). */
  transport?: TurnTransportKind;
  /** LIFETIME asked for in Allocate and Refresh (server default when absent, RFC 8656 §7.2: 600 s). */
  lifetimeSec?: number;
  /** Relayed address family (RFC 8656 §7.1 REQUESTED-ADDRESS-FAMILY); IPv4 by default. */
  family?: 4 | 6;
  /** SOFTWARE attribute of Allocate requests (RFC 8656 §7.1 SHOULD); `false` to omit. */
  software?: string | false;
  maxPermissions?: number;
  maxChannels?: number;
  /** Datagrams kept per peer while its permission is pending. */
  maxQueuedPerPeer?: number;
  /** Bind a channel after this many datagrams to one peer; 0 never binds automatically. */
  autoChannelBindAfter?: number;
  retransmit?: StunRetransmitConfig;
  /** Prefix of this client's log lines. */
  logPrefix?: string;
}

/** Control events of the allocation, pulled with {@link TurnClientCore.pollEvent}. */
export type TurnClientEvent =
  | { type: 'allocated'; relayed: TransportAddress; mapped: TransportAddress | undefined; lifetimeSec: number }
  | { type: 'refreshed'; lifetimeSec: number }
  /** A permission was installed (no `error`) or could not be (first request only). */
  | { type: 'permission'; address: string; error?: TurnError }
  /** A channel was bound (no `error`) or could not be (first request only). */
  | { type: 'channel'; peer: TransportAddress; channel: number; error?: TurnError }
  /** The allocation failed or was lost; the client is in state 'failed'. */
  | { type: 'failed'; error: TurnError }
  /** The closing Refresh (LIFETIME 0) finished or gave up; the client is in state 'closed'. */
  | { type: 'closed' };

/** Application data received from a peer through the relay. `data` may be a view into the input. */
export interface TurnInboundData {
  readonly peer: TransportAddress;
  readonly data: Buffer;
}

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
 */
export class TurnClientCore {
  readonly drops: DropCounter;
  readonly #log: ScopedLogger;
  readonly #server: TransportAddress;
  readonly #stream: boolean;
  readonly #maxQueued: number;
  readonly #autoBindAfter: number;
  readonly #requests: TurnRequests;
  readonly #permissions: PermissionTable;
  readonly #channels: ChannelTable;
  readonly #sendCounts = new Map<string, number>();
  readonly #events: TurnClientEvent[] = [];
  #state: TurnClientState = 'new';
  #relayed: TransportAddress | undefined;
  #mapped: TransportAddress | undefined;
  #lifetimeSec = 0;
  #expiresAt = Infinity;
  #refreshAt = Infinity;
  #refreshing = false;
  #closeDeadline = Infinity;
  /** Earliest permission/channel deadline; undefined when it must be recomputed. */
  #tableDeadline: number | undefined = Infinity;

  constructor(config: TurnClientCoreConfig) {
    this.#log = config.logPrefix ? getLogger('turn').child(config.logPrefix) : getLogger('turn');
    this.drops = new DropCounter(this.#log);
    this.#server = config.server;
    const transport = config.transport ?? 'udp';
    this.#stream = transport !== 'udp';
    this.#maxQueued = config.maxQueuedPerPeer ?? DEFAULT_MAX_QUEUED_PER_PEER;
    this.#autoBindAfter = config.autoChannelBindAfter ?? DEFAULT_AUTO_CHANNEL_BIND_AFTER;
    this.#permissions = new PermissionTable(config.maxPermissions ?? DEFAULT_MAX_PERMISSIONS);
    this.#channels = new ChannelTable(config.maxChannels ?? DEFAULT_MAX_CHANNELS);
    const transactions = new StunTransactionCore<string>({
      ...config.retransmit,
      reliable: this.#stream,
      maxPending: this.#permissions.max + this.#channels.max + 8,
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
    return this.#permissions.size;
  }
  get channelCount(): number {
    return this.#channels.size;
  }

  /**
   * True when the driver must drain the core (transmits, events, timer):
   * cheap, so the data path can skip the drain when nothing changed.
   */
  get needsService(): boolean {
    return this.#events.length > 0 || this.#tableDeadline === undefined || this.#requests.dirty;
  }

  /** True when a permission for the peer's IP is installed. */
  hasPermission(address: string): boolean {
    return this.#permissions.get(normalizePeer({ address, port: 0 }).address)?.state === 'installed';
  }

  /** The bound channel number for the peer, if any. */
  boundChannel(peer: TransportAddress): number | undefined {
    const ch = this.#channels.get(peerKey(normalizePeer(peer)));
    return ch?.state === 'bound' ? ch.channel : undefined;
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
    const p = normalizePeer(peer);
    const existing = this.#permissions.get(p.address);
    if (existing) {
      existing.used = true;
      return existing.state;
    }
    this.#startPermission(now, p);
    return 'pending';
  }

  /**
   * Binds a channel to the peer (RFC 8656 §12.1). Returns the number and
   * whether the binding is already in place; otherwise a 'channel' event follows.
   */
  bindChannel(now: number, peer: TransportAddress): { channel: number; state: 'bound' | 'pending' } {
    this.#assertAllocated();
    const p = normalizePeer(peer);
    const key = peerKey(p);
    const existing = this.#channels.get(key);
    if (existing) {
      existing.used = true;
      return { channel: existing.channel, state: existing.state };
    }
    const entry = this.#channels.add(p, key);
    this.#tableDeadline = undefined;
    this.#log.debug(`binding channel 0x${entry.channel.toString(16)} to ${formatAddress(p)}`);
    this.#issue(now, { kind: 'channel', channel: entry });
    return { channel: entry.channel, state: 'pending' };
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
    const peer = normalizePeer(to);
    const key = peerKey(peer);
    const ch = this.#channels.get(key);
    if (ch !== undefined && ch.state === 'bound') {
      ch.used = true;
      return encodeChannelData(ch.channel, data, this.#stream);
    }
    let perm = this.#permissions.get(peer.address);
    if (perm?.state === 'installed') {
      perm.used = true;
      if (ch === undefined && this.#autoBindAfter > 0) this.#countForAutoBind(now, peer, key);
      return this.#requests.sendIndication(peer, data);
    }
    if (!perm) {
      try {
        perm = this.#startPermission(now, peer);
      } catch (err) {
        this.drops.drop('permission-limit', err);
        return undefined;
      }
    }
    // RFC 8656 §9: the server drops data to peers without a permission, so hold it until installed.
    if (perm.queue.length >= this.#maxQueued) {
      perm.queue.shift();
      this.drops.drop('permission-queue-full');
    }
    perm.queue.push({ data: Buffer.from(data), peer });
    return undefined;
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
    if (kind === 0x40) return this.#handleChannelData(data);
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
      if (msg.method === StunMethod.Data) return this.#handleDataIndication(msg);
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
      t = Math.min(t, this.#refreshing ? this.#expiresAt : this.#refreshAt, this.#expiresAt, this.#nextTableDeadline());
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
    const wasAllocated = this.#state === 'allocated';
    this.#requests.clear();
    this.#clearTables();
    if (!wasAllocated) {
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
    spec: Omit<PendingRequest, 'transactionId' | 'auth' | 'staleRetries'>,
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

  #startPermission(now: number, peer: TransportAddress): PermissionEntry {
    const entry = this.#permissions.add(peer);
    this.#tableDeadline = undefined;
    if (this.#log.debugEnabled) this.#log.debug(`creating permission for ${peer.address}`);
    this.#issue(now, { kind: 'permission', permission: entry });
    return entry;
  }

  #countForAutoBind(now: number, peer: TransportAddress, key: string): void {
    const n = (this.#sendCounts.get(key) ?? 0) + 1;
    if (n < this.#autoBindAfter) {
      // Bounded: forget the counts when too many peers are being counted.
      if (this.#sendCounts.size >= 4 * this.#permissions.max) this.#sendCounts.clear();
      this.#sendCounts.set(key, n);
      return;
    }
    this.#sendCounts.delete(key);
    try {
      this.bindChannel(now, peer);
    } catch (err) {
      this.drops.drop('auto-channel-bind', err);
    }
  }

  #handleChannelData(data: Buffer): TurnInboundData | undefined {
    const cd = decodeChannelData(data);
    if (!cd) {
      this.drops.drop('bad-channel-data');
      return undefined;
    }
    // RFC 8656 §12.6: data on a channel not bound to any peer is discarded. A pending binding counts:
    // the server may use the channel as soon as it has bound it, before its success response arrives.
    const ch = this.#channels.byNumber(cd.channel);
    if (!ch) {
      this.drops.drop('unknown-channel');
      return undefined;
    }
    return { peer: ch.peer, data: cd.data };
  }

  #handleDataIndication(msg: StunMessage): TurnInboundData | undefined {
    // RFC 8656 §10.4: discard a Data indication without XOR-PEER-ADDRESS or DATA, or from a peer
    // the client holds no permission for.
    const peer = msg.getXorPeerAddresses()[0];
    const data = msg.getData();
    if (!peer || !data) {
      this.drops.drop('bad-data-indication');
      return undefined;
    }
    if (!this.#permissions.get(peer.address) && !this.#channels.get(peerKey(peer))) {
      this.drops.drop('data-without-permission');
      return undefined;
    }
    return { peer, data };
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
        this.#onPermissionInstalled(now, p.permission!);
        return;
      case 'channel':
        this.#onChannelBound(now, p.channel!);
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

  #onPermissionInstalled(now: number, entry: PermissionEntry): void {
    if (this.#permissions.get(entry.address) !== entry) return; // deleted meanwhile
    const first = entry.state === 'pending';
    this.#installPermission(now, entry);
    if (first) {
      this.#log.debug(`permission installed for ${entry.address}`);
      this.#events.push({ type: 'permission', address: entry.address });
    } else if (this.#log.traceEnabled) this.#log.trace(`permission refreshed for ${entry.address}`);
  }

  #installPermission(now: number, entry: PermissionEntry): void {
    entry.state = 'installed';
    entry.refreshing = false;
    entry.used = false;
    entry.expiresAt = now + PERMISSION_LIFETIME_MS;
    entry.refreshAt = now + PERMISSION_REFRESH_MS;
    this.#tableDeadline = undefined;
    this.#flushQueue(entry);
  }

  #onChannelBound(now: number, entry: ChannelEntry): void {
    if (this.#channels.get(entry.key) !== entry) return;
    const first = entry.state === 'pending';
    entry.state = 'bound';
    entry.refreshing = false;
    entry.used = false;
    entry.expiresAt = now + CHANNEL_LIFETIME_MS;
    entry.refreshAt = now + CHANNEL_REFRESH_MS;
    this.#tableDeadline = undefined;
    // RFC 8656 §12.2: a successful ChannelBind also installs or refreshes the permission for the peer's IP.
    let perm = this.#permissions.get(entry.peer.address);
    if (!perm) {
      try {
        perm = this.#permissions.add(entry.peer);
      } catch {
        perm = undefined; // the channel works without a tracked permission; ChannelBind refreshes keep it
      }
    }
    if (perm) this.#installPermission(now, perm);
    if (first) {
      this.#log.debug(`channel 0x${entry.channel.toString(16)} bound to ${formatAddress(entry.peer)}`);
      this.#events.push({ type: 'channel', peer: entry.peer, channel: entry.channel });
    } else if (this.#log.traceEnabled) this.#log.trace(`channel 0x${entry.channel.toString(16)} refreshed`);
  }

  #flushQueue(entry: PermissionEntry): void {
    const queue = entry.queue;
    if (queue.length === 0) return;
    entry.queue = [];
    for (const q of queue) {
      const ch = this.#channels.get(peerKey(q.peer));
      const bytes =
        ch?.state === 'bound'
          ? encodeChannelData(ch.channel, q.data, this.#stream)
          : this.#requests.sendIndication(q.peer, q.data);
      this.#requests.queueTransmit(bytes);
    }
  }

  #onRequestTimeout(now: number, p: PendingRequest): void {
    this.#onRequestFailed(now, p, new TurnError('ERR_TURN_TIMEOUT', `TURN ${describe(p)} timed out`));
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
      case 'permission': {
        const entry = p.permission!;
        if (this.#permissions.get(entry.address) !== entry) return;
        if (entry.state === 'pending' || error.code !== 'ERR_TURN_TIMEOUT') {
          this.#permissions.delete(entry.address);
          this.#tableDeadline = undefined;
          if (entry.queue.length > 0) this.drops.drop('permission-failed', entry.queue.length);
          this.#log.debug(`permission for ${entry.address} failed: ${error.message}`);
          if (entry.state === 'pending') this.#events.push({ type: 'permission', address: entry.address, error });
        } else {
          entry.refreshing = false;
          entry.refreshAt = now + REFRESH_RETRY_DELAY_MS;
          this.#tableDeadline = undefined;
        }
        return;
      }
      case 'channel': {
        const entry = p.channel!;
        if (this.#channels.get(entry.key) !== entry) return;
        if (entry.state === 'pending' || error.code !== 'ERR_TURN_TIMEOUT') {
          this.#channels.delete(entry);
          this.#tableDeadline = undefined;
          this.#log.debug(`channel 0x${entry.channel.toString(16)} failed: ${error.message}`);
          if (entry.state === 'pending') {
            this.#events.push({ type: 'channel', peer: entry.peer, channel: entry.channel, error });
          }
        } else {
          entry.refreshing = false;
          entry.refreshAt = now + REFRESH_RETRY_DELAY_MS;
          this.#tableDeadline = undefined;
        }
        return;
      }
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
    if ((this.#tableDeadline ?? -Infinity) > now) return;
    for (const entry of [...this.#permissions.values()]) {
      if (entry.state !== 'installed') continue;
      if (now >= entry.expiresAt) {
        this.#permissions.delete(entry.address);
        if (this.#log.traceEnabled) this.#log.trace(`permission for ${entry.address} expired`);
      } else if (!entry.refreshing && now >= entry.refreshAt) {
        // Only permissions something was sent through are kept; idle ones lapse at expiry.
        if (entry.used) {
          entry.refreshing = true;
          this.#issue(now, { kind: 'permission', permission: entry });
        } else entry.refreshAt = Infinity;
      }
    }
    for (const entry of [...this.#channels.values()]) {
      if (entry.state !== 'bound') continue;
      if (now >= entry.expiresAt) {
        this.#channels.delete(entry);
        if (this.#log.traceEnabled) this.#log.trace(`channel 0x${entry.channel.toString(16)} expired`);
      } else if (!entry.refreshing && now >= entry.refreshAt) {
        if (entry.used) {
          entry.refreshing = true;
          this.#issue(now, { kind: 'channel', channel: entry });
        } else entry.refreshAt = Infinity;
      }
    }
    this.#tableDeadline = undefined;
  }

  #nextTableDeadline(): number {
    if (this.#tableDeadline === undefined) {
      let t = Infinity;
      for (const e of this.#permissions.values()) {
        if (e.state === 'installed') t = Math.min(t, e.expiresAt, e.refreshing ? Infinity : e.refreshAt);
      }
      for (const e of this.#channels.values()) {
        if (e.state === 'bound') t = Math.min(t, e.expiresAt, e.refreshing ? Infinity : e.refreshAt);
      }
      this.#tableDeadline = t;
    }
    return this.#tableDeadline;
  }

  #clearTables(): void {
    this.#permissions.clear();
    this.#channels.clear();
    this.#sendCounts.clear();
    this.#tableDeadline = Infinity;
  }

  #fail(error: TurnError): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    this.#log.debug(`failed: ${error.message}`);
    this.#state = 'failed';
    this.#requests.clear();
    this.#clearTables();
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

function describe(p: PendingRequest): string {
  switch (p.kind) {
    case 'allocate':
      return 'Allocate';
    case 'refresh':
      return `Refresh (lifetime ${p.lifetimeSec ?? 'default'})`;
    case 'permission':
      return `CreatePermission for ${p.permission?.address ?? '?'}`;
    case 'channel':
      return `ChannelBind for ${p.channel ? formatAddress(p.channel.peer) : '?'}`;
  }
}

function stunCodeOf(e: TurnError): { stunCode?: number } {
  return e.stunCode === undefined ? {} : { stunCode: e.stunCode };
}

function toTurnError(err: unknown): TurnError {
  if (err instanceof TurnError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TurnError('ERR_TURN_LIMIT', message, { cause: err });
}

/** Maps an error response to the typed error of the operation it answered. */
function errorFor(p: PendingRequest, code: number, reason: string, msg: StunMessage): TurnError {
  const what = `${describe(p)}: ${code} ${reason}`.trim();
  if (code === StunErrorCode.Unauthorized) {
    return new TurnError('ERR_TURN_AUTH', `TURN authentication failed (wrong username or password?): ${what}`, {
      stunCode: code,
    });
  }
  if (code === StunErrorCode.TryAlternate && p.kind === 'allocate') {
    const alternate = TurnRequests.alternateServer(msg);
    if (alternate) {
      return new TurnError('ERR_TURN_REDIRECT', `redirected to ${formatAddress(alternate)}`, {
        stunCode: code,
        alternateServer: alternate,
      });
    }
  }
  switch (p.kind) {
    case 'allocate':
      return new TurnError('ERR_TURN_ALLOCATION', `TURN ${what}`, { stunCode: code });
    case 'refresh':
      return new TurnError('ERR_TURN_ALLOCATION_LOST', `TURN ${what}`, { stunCode: code });
    case 'permission':
      return new TurnError('ERR_TURN_PERMISSION', `TURN ${what}`, { stunCode: code });
    case 'channel':
      return new TurnError('ERR_TURN_CHANNEL', `TURN ${what}`, { stunCode: code });
  }
}
