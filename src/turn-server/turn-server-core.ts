import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { StunAttr, StunClass, StunErrorCode, StunMethod, TRANSPORT_UDP } from '../stun/constants.js';
import { buildErrorResponse, buildSuccessResponse } from '../stun/error-response.js';
import type { StunIntegrityKey } from '../stun/integrity-key.js';
import { StunMessage, isStunMessage } from '../stun/message.js';
import { familyOf, formatAddress, type TransportAddress } from '../transport/net.js';
import { CHANNEL_MIN } from '../turn/constants.js';
import { AddressPolicy } from './address-policy.js';
import { TurnAllocation, type TurnChannel, type TurnClientTuple, type TurnPermission } from './allocation.js';
import { AuthFailureLimiter, CredentialStore, NonceIssuer } from './auth.js';
import {
  DEFAULT_AUTH_FAILURE_BURST,
  DEFAULT_AUTH_FAILURES_PER_SEC,
  DEFAULT_AUTH_LIMITER_SOURCES,
  DEFAULT_TURN_BANDWIDTH_BYTES_PER_SEC,
  DEFAULT_TURN_LIFETIME_SEC,
  DEFAULT_TURN_MAX_ALLOCATIONS,
  DEFAULT_TURN_MAX_ALLOCATIONS_PER_USER,
  DEFAULT_TURN_MAX_CHANNELS,
  DEFAULT_TURN_MAX_LIFETIME_SEC,
  DEFAULT_TURN_MAX_PERMISSIONS,
  DEFAULT_TURN_NONCE_LIFETIME_MS,
  MAX_PEERS_PER_CREATE_PERMISSION,
  TURN_CHANNEL_LIFETIME_MS,
  TURN_PERMISSION_LIFETIME_MS,
  TURN_SWEEP_INTERVAL_MS,
  type TurnServerCoreConfig,
} from './turn-server-config.js';
import { TurnServerCounters, type TurnServerStats } from './turn-server-stats.js';

/**
 * What the core asks of its driver. Calls are synchronous and never throw
 * back into the core (the driver contains socket errors). A sink instead of
 * an output queue: the relay path forwards one datagram per input, and a
 * queued output object per datagram would be the main cost of relaying.
 */
export interface TurnServerIo<R> {
  /** Sends bytes to a client over its 5-tuple (a datagram, or a framed stream message). */
  sendToClient(tuple: TurnClientTuple, data: Uint8Array): void;
  /** Sends a datagram from an allocation's relay socket to a peer. */
  sendToPeer(relay: R, data: Uint8Array, peer: TransportAddress): void;
  /** Opens a relay socket; answer with {@link TurnServerCore.relayOpened} or {@link TurnServerCore.relayFailed}. */
  openRelay(allocation: TurnAllocation<R>, options: { family: 4 | 6; evenPort: boolean }): void;
  closeRelay(relay: R): void;
}

/** A UDP listening socket as the core sees it. */
export interface TurnUdpListener {
  readonly id: number;
  readonly local: TransportAddress;
  readonly link: unknown;
}

/** RFC 5766 §11: the highest channel number of the older range. */
const LEGACY_CHANNEL_MAX = 0x7ffe;

const TURN_METHODS = new Set<number>([StunMethod.Allocate, StunMethod.Refresh, StunMethod.CreatePermission, StunMethod.ChannelBind]);

/**
 * A TURN server (RFC 8656) as a sans-IO core: fed client input (per 5-tuple),
 * relay input (per allocation) and time; answers through {@link TurnServerIo}.
 * Time is wall-clock milliseconds (`Clock.wallMs`), because TURN REST API
 * credentials carry Unix expiry times.
 *
 * Nothing is stored for a client before a request carries a valid
 * MESSAGE-INTEGRITY: 401 challenges carry a stateless nonce (auth.ts), and
 * failed authentications only touch a bounded per-IP limiter.
 */
export class TurnServerCore<R = unknown> {
  readonly realm: string;
  readonly drops: DropCounter;
  readonly counters = new TurnServerCounters();
  readonly #log: ScopedLogger;
  readonly #io: TurnServerIo<R>;
  readonly #creds: CredentialStore;
  readonly #nonces: NonceIssuer;
  readonly #limiter: AuthFailureLimiter;
  readonly #policy: AddressPolicy;
  readonly #byTuple = new Map<string, TurnAllocation<R>>();
  readonly #perUser = new Map<string, number>();
  readonly #software: string | undefined;
  readonly #defaultLifetimeSec: number;
  readonly #maxLifetimeSec: number;
  readonly #maxAllocations: number;
  readonly #maxPerUser: number;
  readonly #maxPermissions: number;
  readonly #maxChannels: number;
  readonly #bandwidth: number;
  readonly #families: ReadonlyArray<4 | 6>;
  readonly #externalIps: { readonly 4?: string; readonly 6?: string };
  #nextId = 1;
  #indicationSeq = 0;
  #nextSweepAt = 0;
  #closed = false;

  constructor(config: TurnServerCoreConfig, io: TurnServerIo<R>, log: ScopedLogger = getLogger('turn')) {
    this.realm = config.realm;
    this.#io = io;
    this.#log = log;
    this.drops = new DropCounter(log);
    this.#creds = new CredentialStore({
      realm: config.realm,
      ...(config.users ? { users: config.users } : {}),
      ...(config.sharedSecrets ? { sharedSecrets: config.sharedSecrets } : {}),
      ...(config.lookup ? { lookup: config.lookup } : {}),
    });
    this.#nonces = new NonceIssuer(config.nonceSecret, config.nonceLifetimeMs ?? DEFAULT_TURN_NONCE_LIFETIME_MS);
    this.#limiter = new AuthFailureLimiter(
      config.authFailureBurst ?? DEFAULT_AUTH_FAILURE_BURST,
      config.authFailuresPerSec ?? DEFAULT_AUTH_FAILURES_PER_SEC,
      config.authLimiterSources ?? DEFAULT_AUTH_LIMITER_SOURCES,
    );
    this.#policy = new AddressPolicy({
      ...(config.deniedPeers ? { denied: config.deniedPeers } : {}),
      ...(config.allowedPeers ? { allowed: config.allowedPeers } : {}),
      ...(config.ownAddresses ? { own: config.ownAddresses } : {}),
    });
    this.#software = config.software === false ? undefined : (config.software ?? 'tern-rtc');
    this.#defaultLifetimeSec = config.defaultLifetimeSec ?? DEFAULT_TURN_LIFETIME_SEC;
    this.#maxLifetimeSec = Math.max(this.#defaultLifetimeSec, config.maxLifetimeSec ?? DEFAULT_TURN_MAX_LIFETIME_SEC);
    this.#maxAllocations = config.maxAllocations ?? DEFAULT_TURN_MAX_ALLOCATIONS;
    this.#maxPerUser = config.maxAllocationsPerUser ?? DEFAULT_TURN_MAX_ALLOCATIONS_PER_USER;
    this.#maxPermissions = config.maxPermissionsPerAllocation ?? DEFAULT_TURN_MAX_PERMISSIONS;
    this.#maxChannels = config.maxChannelsPerAllocation ?? DEFAULT_TURN_MAX_CHANNELS;
    this.#bandwidth = config.bandwidthBytesPerSec ?? DEFAULT_TURN_BANDWIDTH_BYTES_PER_SEC;
    this.#families = config.relayFamilies ?? [4];
    this.#externalIps = config.externalIps ?? {};
  }

  /** Live allocations (including those whose relay socket is opening). */
  get allocationCount(): number {
    return this.#byTuple.size;
  }

  /** Sources tracked by the failed-authentication limiter. */
  get limitedSources(): number {
    return this.#limiter.size;
  }

  get stats(): TurnServerStats {
    return this.counters.snapshot(this.#byTuple.size, this.drops.toJSON());
  }

  allocations(): IterableIterator<TurnAllocation<R>> {
    return this.#byTuple.values();
  }

  /** The allocation of a 5-tuple key, if any (the first-message dispatcher asks). */
  allocationOf(key: string): TurnAllocation<R> | undefined {
    return this.#byTuple.get(key);
  }

  /** The 5-tuple key the core uses for a UDP client of `listener`. */
  static udpKey(listener: TurnUdpListener, from: TransportAddress): string {
    return `u${listener.id}|${from.address}|${from.port}`;
  }

  // ---- client input -------------------------------------------------------------

  /** A datagram from a client on a UDP listener. */
  handleUdp(listener: TurnUdpListener, data: Buffer, from: TransportAddress, now: number): void {
    const key = `u${listener.id}|${from.address}|${from.port}`;
    if (data.length >= 4 && (data[0]! & 0xc0) === 0x40) {
      const alloc = this.#byTuple.get(key);
      if (alloc === undefined) return this.drops.drop('channel-data-no-allocation');
      this.#channelDataFromClient(alloc, data, now);
      return;
    }
    const existing = this.#byTuple.get(key);
    const tuple = existing?.tuple ?? { key, protocol: 'udp' as const, remote: { address: from.address, port: from.port }, local: listener.local, link: listener.link };
    this.#handleStun(tuple, existing, data, now);
  }

  /** One framed message (STUN or ChannelData, padding removed) from a TCP/TLS client. */
  handleStreamFrame(tuple: TurnClientTuple, frame: Buffer, now: number): void {
    const alloc = this.#byTuple.get(tuple.key);
    if (frame.length >= 4 && (frame[0]! & 0xc0) === 0x40) {
      if (alloc === undefined) return this.drops.drop('channel-data-no-allocation');
      this.#channelDataFromClient(alloc, frame, now);
      return;
    }
    this.#handleStun(tuple, alloc, frame, now);
  }

  /** RFC 8656 §3.1: closing the TCP/TLS connection ends its allocation. */
  streamClosed(tuple: TurnClientTuple): void {
    const alloc = this.#byTuple.get(tuple.key);
    if (alloc) this.#remove(alloc, 'connection closed');
  }

  #handleStun(tuple: TurnClientTuple, alloc: TurnAllocation<R> | undefined, data: Buffer, now: number): void {
    if (!isStunMessage(data)) return this.drops.drop('not-stun');
    let msg: StunMessage;
    try {
      msg = StunMessage.decode(data);
    } catch (err) {
      return this.drops.drop('stun-decode', err);
    }
    if (msg.messageClass === StunClass.Indication) {
      if (msg.method !== StunMethod.Send) return this.drops.drop('unexpected-indication');
      if (alloc === undefined) return this.drops.drop('send-no-allocation');
      return this.#sendIndication(alloc, msg, now);
    }
    if (msg.messageClass !== StunClass.Request) return this.drops.drop('not-request');
    this.counters.requests++;
    if (msg.method === StunMethod.Binding) {
      // RFC 8489 §7.3.1: a TURN server is a STUN server too (clients learn their server-reflexive address).
      const res = buildSuccessResponse(msg).setXorMappedAddress(tuple.remote);
      return this.#reply(tuple, msg, res, undefined);
    }
    if (!TURN_METHODS.has(msg.method)) {
      return this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.BadRequest, 'Bad Request'), undefined);
    }
    // RFC 8656 §7.2: a retransmitted Allocate gets the original response again, without re-authentication.
    if (alloc && msg.method === StunMethod.Allocate && alloc.allocateTid.equals(msg.transactionId)) {
      if (alloc.allocateResponse) this.#send(tuple, alloc.allocateResponse);
      return;
    }
    const auth = this.#authenticate(tuple, msg, alloc, now);
    if (auth === undefined) return;
    const unknown = msg.unknownComprehensionRequired();
    if (unknown.length > 0) {
      return this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.UnknownAttribute, 'Unknown Attribute', { unknownAttributes: unknown }), undefined);
    }
    switch (msg.method) {
      case StunMethod.Allocate:
        return this.#allocate(tuple, alloc, msg, auth, now);
      case StunMethod.Refresh:
        return this.#refresh(tuple, alloc, msg, auth.key, now);
      case StunMethod.CreatePermission:
        return this.#createPermission(tuple, alloc, msg, auth.key, now);
      default:
        return this.#channelBind(tuple, alloc, msg, auth.key, now);
    }
  }

  /**
   * RFC 8489 §9.2.4: the long-term credential checks. Returns the user and key,
   * or undefined after answering (401/438/400/441) or dropping (rate limit).
   */
  #authenticate(tuple: TurnClientTuple, msg: StunMessage, alloc: TurnAllocation<R> | undefined, now: number): { username: string; key: StunIntegrityKey } | undefined {
    const client = formatAddress(tuple.remote);
    if (!msg.hasAttr(StunAttr.MessageIntegrity)) {
      this.counters.challenges++;
      this.#challenge(tuple, msg, StunErrorCode.Unauthorized, client, now);
      return undefined;
    }
    const username = msg.getUsername();
    const realm = msg.getRealm();
    const nonce = msg.getNonce();
    if (username === undefined || realm === undefined || nonce === undefined) {
      this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.BadRequest, 'Bad Request'), undefined);
      return undefined;
    }
    const ip = tuple.remote.address;
    if (!this.#limiter.allowed(ip, now)) {
      this.drops.drop('auth-rate-limited', client);
      return undefined;
    }
    const verdict = this.#nonces.check(nonce, client, now);
    if (verdict !== 'valid') {
      this.#challenge(tuple, msg, StunErrorCode.StaleNonce, client, now);
      return undefined;
    }
    if (realm !== this.realm) {
      this.#authFailed(tuple, msg, client, now, 'auth-wrong-realm');
      return undefined;
    }
    let key = alloc && alloc.username === username ? alloc.key : this.#creds.keyFor(username, now);
    if (key !== undefined && !msg.verifyIntegrity(key)) {
      key = this.#creds.alternateKeys(username, now).find((k) => msg.verifyIntegrity(k));
    }
    if (key === undefined) {
      this.#authFailed(tuple, msg, client, now, 'auth-failed');
      return undefined;
    }
    // RFC 8656 §5: requests on an allocation must come from its user.
    if (alloc && alloc.username !== username) {
      this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.WrongCredentials, 'Wrong Credentials'), key);
      return undefined;
    }
    return { username, key };
  }

  #authFailed(tuple: TurnClientTuple, msg: StunMessage, client: string, now: number, reason: string): void {
    this.counters.authFailures++;
    this.#limiter.failed(tuple.remote.address, now);
    if (this.#log.debugEnabled) this.#log.debug(`${reason} from ${client} user ${msg.getUsername() ?? '-'}`);
    this.#challenge(tuple, msg, StunErrorCode.Unauthorized, client, now);
  }

  #challenge(tuple: TurnClientTuple, msg: StunMessage, code: number, client: string, now: number): void {
    const res = buildErrorResponse(msg, code, code === StunErrorCode.StaleNonce ? 'Stale Nonce' : 'Unauthorized', {
      realm: this.realm,
      nonce: this.#nonces.issue(client, now),
    });
    this.#reply(tuple, msg, res, undefined);
  }

  // ---- methods ------------------------------------------------------------------

  #allocate(tuple: TurnClientTuple, existing: TurnAllocation<R> | undefined, msg: StunMessage, auth: { username: string; key: StunIntegrityKey }, now: number): void {
    const err = (code: number, reason: string): void => this.#reply(tuple, msg, buildErrorResponse(msg, code, reason), auth.key);
    // RFC 8656 §7.2 step 2: one allocation per 5-tuple.
    if (existing) return err(StunErrorCode.AllocationMismatch, 'Allocation Mismatch');
    const transport = msg.getRequestedTransport();
    if (transport === undefined) return err(StunErrorCode.BadRequest, 'Bad Request');
    // RFC 6062 TCP allocations are not offered.
    if (transport !== TRANSPORT_UDP) return err(StunErrorCode.UnsupportedTransportProtocol, 'Unsupported Transport Protocol');
    // RFC 8656 §7.2 step 4: without a way to set the DF bit, DONT-FRAGMENT is an unknown attribute.
    if (msg.hasDontFragment()) {
      return this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.UnknownAttribute, 'Unknown Attribute', { unknownAttributes: [StunAttr.DontFragment] }), auth.key);
    }
    // No reservations are kept, so no token can be honoured (RFC 8656 §7.2 step 5).
    if (msg.getReservationToken() !== undefined) return err(StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
    const askedFamily = msg.hasAttr(StunAttr.RequestedAddressFamily) ? msg.getRequestedAddressFamily() : 4;
    if (askedFamily === undefined || !this.#families.includes(askedFamily)) {
      return err(StunErrorCode.AddressFamilyNotSupported, 'Address Family not Supported');
    }
    const users = this.#perUser.get(auth.username) ?? 0;
    if (users >= this.#maxPerUser) {
      this.counters.quotaRefusals++;
      return err(StunErrorCode.AllocationQuotaReached, 'Allocation Quota Reached');
    }
    if (this.#byTuple.size >= this.#maxAllocations) {
      this.counters.quotaRefusals++;
      return err(StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
    }
    const alloc = new TurnAllocation<R>({
      id: this.#nextId++,
      tuple,
      username: auth.username,
      key: auth.key,
      family: askedFamily,
      expiresAt: now + this.#lifetime(msg.getLifetime(), true) * 1000,
      allocateTid: msg.transactionId,
      fingerprint: msg.hasAttr(StunAttr.Fingerprint),
      bandwidthBytesPerSec: this.#bandwidth,
      now,
    });
    this.#byTuple.set(tuple.key, alloc);
    this.#perUser.set(auth.username, users + 1);
    if (alloc.expiresAt < this.#nextSweepAt || this.#nextSweepAt === 0) this.#nextSweepAt = alloc.expiresAt;
    this.#io.openRelay(alloc, { family: askedFamily, evenPort: msg.getEvenPort() !== undefined });
  }

  /** The driver opened the relay socket of `alloc` at `local`: the Allocate succeeds. */
  relayOpened(alloc: TurnAllocation<R>, relay: R, local: TransportAddress, now: number): void {
    if (alloc.closed || this.#closed) {
      this.#io.closeRelay(relay);
      return;
    }
    alloc.relay = relay;
    const external = this.#externalIps[alloc.family];
    alloc.relayed = { address: external ?? local.address, port: local.port };
    const res = new StunMessage(StunMethod.Allocate, StunClass.SuccessResponse, alloc.allocateTid);
    res.setXorRelayedAddress(alloc.relayed);
    res.setLifetime(Math.max(0, Math.round((alloc.expiresAt - now) / 1000)));
    res.setXorMappedAddress(alloc.tuple.remote);
    if (this.#software) res.setSoftware(this.#software);
    alloc.allocateResponse = res.encode({ integrityKey: alloc.key, fingerprint: alloc.fingerprint });
    this.counters.allocationsCreated++;
    if (this.#log.debugEnabled) this.#log.debug(`allocation ${alloc.id} ${alloc.username} ${formatAddress(alloc.tuple.remote)} -> relay ${formatAddress(alloc.relayed)}`);
    this.#send(alloc.tuple, alloc.allocateResponse);
  }

  /** The relay socket could not be opened (port range exhausted): 508. */
  relayFailed(alloc: TurnAllocation<R>): void {
    if (alloc.closed) return;
    const req = new StunMessage(StunMethod.Allocate, StunClass.Request, alloc.allocateTid);
    const res = buildErrorResponse(req, StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
    this.#remove(alloc, 'relay socket failed');
    this.#send(alloc.tuple, res.encode({ integrityKey: alloc.key, fingerprint: alloc.fingerprint }));
  }

  /** RFC 8656 §7.2: lifetime granted for a requested LIFETIME. */
  #lifetime(requested: number | undefined, allocate: boolean): number {
    if (requested === undefined) return this.#defaultLifetimeSec;
    const v = Math.min(requested, this.#maxLifetimeSec);
    return allocate ? Math.max(v, this.#defaultLifetimeSec) : v;
  }

  #refresh(tuple: TurnClientTuple, alloc: TurnAllocation<R> | undefined, msg: StunMessage, key: StunIntegrityKey, now: number): void {
    if (!alloc || alloc.relay === undefined) {
      return this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.AllocationMismatch, 'Allocation Mismatch'), key);
    }
    const asked = msg.getRequestedAddressFamily();
    if (asked !== undefined && asked !== alloc.family) {
      return this.#reply(tuple, msg, buildErrorResponse(msg, StunErrorCode.PeerAddressFamilyMismatch, 'Peer Address Family Mismatch'), key);
    }
    const lifetime = this.#lifetime(msg.getLifetime(), false);
    const res = buildSuccessResponse(msg).setLifetime(lifetime);
    if (lifetime === 0) {
      this.#remove(alloc, 'refreshed to 0');
    } else {
      alloc.expiresAt = now + lifetime * 1000;
    }
    this.#reply(tuple, msg, res, key);
  }

  #createPermission(tuple: TurnClientTuple, alloc: TurnAllocation<R> | undefined, msg: StunMessage, key: StunIntegrityKey, now: number): void {
    const err = (code: number, reason: string): void => this.#reply(tuple, msg, buildErrorResponse(msg, code, reason), key);
    if (!alloc || alloc.relay === undefined) return err(StunErrorCode.AllocationMismatch, 'Allocation Mismatch');
    const peers = msg.getXorPeerAddresses();
    if (peers.length === 0 || peers.length > MAX_PEERS_PER_CREATE_PERMISSION) return err(StunErrorCode.BadRequest, 'Bad Request');
    // RFC 8656 §9.2: all or nothing.
    let added = 0;
    for (const p of peers) {
      if (familyOf(p.address) !== alloc.family) return err(StunErrorCode.PeerAddressFamilyMismatch, 'Peer Address Family Mismatch');
      if (!this.#policy.allows(p.address)) {
        this.counters.deniedPeers++;
        return err(StunErrorCode.Forbidden, 'Forbidden');
      }
      if (!alloc.permissions.has(p.address)) added++;
    }
    if (alloc.permissions.size + added > this.#maxPermissions) return err(StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
    for (const p of peers) this.#permit(alloc, p.address, now);
    this.#reply(tuple, msg, buildSuccessResponse(msg), key);
  }

  #permit(alloc: TurnAllocation<R>, ip: string, now: number): TurnPermission {
    let perm = alloc.permissions.get(ip);
    if (!perm) {
      perm = { ip, expiresAt: 0, channelsByPort: new Map() };
      alloc.permissions.set(ip, perm);
    }
    perm.expiresAt = now + TURN_PERMISSION_LIFETIME_MS;
    if (perm.expiresAt < this.#nextSweepAt) this.#nextSweepAt = perm.expiresAt;
    return perm;
  }

  #channelBind(tuple: TurnClientTuple, alloc: TurnAllocation<R> | undefined, msg: StunMessage, key: StunIntegrityKey, now: number): void {
    const err = (code: number, reason: string): void => this.#reply(tuple, msg, buildErrorResponse(msg, code, reason), key);
    if (!alloc || alloc.relay === undefined) return err(StunErrorCode.AllocationMismatch, 'Allocation Mismatch');
    const number = msg.getChannelNumber();
    const peer = msg.getXorPeerAddress();
    // RFC 8656 §12.1: 0x4000 through 0x4FFF, and a peer address, or 400. RFC 5766 §11 allowed up
    // to 0x7FFE and older clients (coturn's own among them) still pick from there: accepted too.
    if (number === undefined || number < CHANNEL_MIN || number > LEGACY_CHANNEL_MAX || peer === undefined) {
      if (this.#log.debugEnabled) this.#log.debug(`ChannelBind without a valid channel (${number}) or peer (${peer ? formatAddress(peer) : '-'})`);
      return err(StunErrorCode.BadRequest, 'Bad Request');
    }
    if (familyOf(peer.address) !== alloc.family) return err(StunErrorCode.PeerAddressFamilyMismatch, 'Peer Address Family Mismatch');
    if (!this.#policy.allows(peer.address)) {
      this.counters.deniedPeers++;
      return err(StunErrorCode.Forbidden, 'Forbidden');
    }
    const bound = alloc.channels.get(number);
    const byPeer = alloc.permissions.get(peer.address)?.channelsByPort.get(peer.port);
    // RFC 8656 §12.2: a channel is bound to one peer and a peer to one channel.
    if ((bound && (bound.peer.address !== peer.address || bound.peer.port !== peer.port)) || (byPeer && byPeer.number !== number)) {
      if (this.#log.debugEnabled) this.#log.debug(`ChannelBind ${number} to ${formatAddress(peer)} conflicts with a binding`);
      return err(StunErrorCode.BadRequest, 'Bad Request');
    }
    if (!bound && alloc.channels.size >= this.#maxChannels) return err(StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
    if (!alloc.permissions.has(peer.address) && alloc.permissions.size >= this.#maxPermissions) return err(StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
    // RFC 8656 §12.2: binding (or refreshing) a channel installs or refreshes the peer's permission.
    const perm = this.#permit(alloc, peer.address, now);
    const expiresAt = now + TURN_CHANNEL_LIFETIME_MS;
    if (bound) {
      bound.expiresAt = expiresAt;
    } else {
      const ch: TurnChannel = { number, peer: { address: peer.address, port: peer.port }, expiresAt, permission: perm };
      alloc.channels.set(number, ch);
      perm.channelsByPort.set(peer.port, ch);
    }
    this.#reply(tuple, msg, buildSuccessResponse(msg), key);
  }

  // ---- data path ----------------------------------------------------------------

  #sendIndication(alloc: TurnAllocation<R>, msg: StunMessage, now: number): void {
    if (alloc.relay === undefined) return this.drops.drop('send-relay-not-open');
    if (alloc.expiresAt <= now) return this.drops.drop('send-allocation-expired');
    const peer = msg.getXorPeerAddress();
    const data = msg.getData();
    // RFC 8656 §11.2: without both attributes the indication is discarded.
    if (peer === undefined || data === undefined) return this.drops.drop('send-malformed');
    if (alloc.permissionFor(peer.address, now) === undefined) return this.drops.drop('send-no-permission');
    if (alloc.toPeer !== undefined && !alloc.toPeer.take(data.length, now)) return this.drops.drop('bandwidth-to-peer');
    alloc.bytesToPeer += data.length;
    alloc.packetsToPeer++;
    this.counters.packetsToPeers++;
    this.counters.bytesToPeers += data.length;
    this.#io.sendToPeer(alloc.relay, data, peer);
  }

  #channelDataFromClient(alloc: TurnAllocation<R>, data: Buffer, now: number): void {
    const number = (data[0]! << 8) | data[1]!;
    const length = (data[2]! << 8) | data[3]!;
    // RFC 8656 §12.6: a length beyond the message is discarded.
    if (length + 4 > data.length) return this.drops.drop('channel-data-short');
    const ch = alloc.channels.get(number);
    if (ch === undefined) return this.drops.drop('channel-data-unbound');
    if (ch.expiresAt <= now || alloc.expiresAt <= now) return this.drops.drop('channel-data-expired');
    if (ch.permission.expiresAt <= now) return this.drops.drop('channel-data-no-permission');
    if (alloc.toPeer !== undefined && !alloc.toPeer.take(length, now)) return this.drops.drop('bandwidth-to-peer');
    alloc.bytesToPeer += length;
    alloc.packetsToPeer++;
    this.counters.packetsToPeers++;
    this.counters.bytesToPeers += length;
    this.#io.sendToPeer(alloc.relay as R, data.subarray(4, 4 + length), ch.peer);
  }

  /** A datagram from a peer to the relayed address of `alloc` (RFC 8656 §11.3 / §12.5). */
  handleRelay(alloc: TurnAllocation<R>, data: Buffer, from: TransportAddress, now: number): void {
    if (alloc.closed || alloc.expiresAt <= now) return this.drops.drop('relay-allocation-expired');
    const perm = alloc.permissions.get(from.address);
    // RFC 8656 §11.3 / §9: without a permission for the peer's IP the datagram is discarded.
    if (perm === undefined || perm.expiresAt <= now) return this.drops.drop('relay-no-permission');
    const len = data.length;
    if (alloc.toClient !== undefined && !alloc.toClient.take(len, now)) return this.drops.drop('bandwidth-to-client');
    const ch = perm.channelsByPort.get(from.port);
    let out: Buffer;
    if (ch !== undefined && ch.expiresAt > now) {
      // RFC 8656 §12.5: over TCP/TLS ChannelData is padded to a multiple of 4.
      const stream = alloc.tuple.protocol !== 'udp';
      out = Buffer.allocUnsafe(4 + (stream ? (len + 3) & ~3 : len));
      out[0] = ch.number >>> 8;
      out[1] = ch.number & 0xff;
      out[2] = len >>> 8;
      out[3] = len & 0xff;
      data.copy(out, 4);
      if (stream) out.fill(0, 4 + len);
    } else {
      // RFC 8656 §11.3: a Data indication with XOR-PEER-ADDRESS and DATA.
      // Indications are never matched to anything: a counter is as good as random here (RFC 8489 §6).
      const tid = Buffer.allocUnsafe(12);
      tid.writeUInt32BE(0x7475726e, 0);
      tid.writeDoubleBE(++this.#indicationSeq, 4);
      out = new StunMessage(StunMethod.Data, StunClass.Indication, tid).addXorPeerAddress(from).setData(data).encode();
    }
    alloc.bytesToClient += len;
    alloc.packetsToClient++;
    this.counters.packetsToClients++;
    this.counters.bytesToClients += len;
    this.#io.sendToClient(alloc.tuple, out);
  }

  // ---- replies, time, lifecycle -------------------------------------------------

  #reply(tuple: TurnClientTuple, req: StunMessage, res: StunMessage, key: StunIntegrityKey | undefined): void {
    if (this.#software) res.setSoftware(this.#software);
    const fingerprint = req.hasAttr(StunAttr.Fingerprint);
    if (res.messageClass === StunClass.ErrorResponse) this.counters.errorResponses++;
    this.#send(tuple, res.encode(key ? { integrityKey: key, fingerprint } : { fingerprint }));
  }

  #send(tuple: TurnClientTuple, data: Buffer): void {
    if (!this.#closed) this.#io.sendToClient(tuple, data);
  }

  #remove(alloc: TurnAllocation<R>, why: string): void {
    if (alloc.closed) return;
    alloc.closed = true;
    if (this.#byTuple.get(alloc.tuple.key) === alloc) this.#byTuple.delete(alloc.tuple.key);
    const n = (this.#perUser.get(alloc.username) ?? 1) - 1;
    if (n <= 0) this.#perUser.delete(alloc.username);
    else this.#perUser.set(alloc.username, n);
    if (alloc.relay !== undefined) this.#io.closeRelay(alloc.relay);
    this.counters.allocationsEnded++;
    if (this.#log.debugEnabled) this.#log.debug(`allocation ${alloc.id} ${alloc.username} ended (${why})`);
  }

  /** The next time {@link handleTimeout} wants to run (wall ms), or undefined when idle. */
  pollTimeout(): number | undefined {
    if (this.#closed) return undefined;
    if (this.#byTuple.size === 0 && this.#limiter.size === 0) return undefined;
    return this.#nextSweepAt;
  }

  /** Expires allocations, permissions and channels; forgets refilled limiter entries. */
  handleTimeout(now: number): void {
    if (this.#closed) return;
    let next = Infinity;
    for (const alloc of [...this.#byTuple.values()]) {
      if (alloc.expiresAt <= now) {
        this.#remove(alloc, 'expired');
        continue;
      }
      const n = alloc.expire(now);
      if (n < next) next = n;
    }
    this.#limiter.sweep(now);
    if (this.#limiter.size > 0 && now + 60_000 < next) next = now + 60_000;
    // Sweeps are spaced: expiries are checked per packet too, so a late sweep only delays freeing memory.
    this.#nextSweepAt = next === Infinity ? 0 : Math.max(next, now + TURN_SWEEP_INTERVAL_MS);
  }

  /** Ends every allocation (closing its relay). Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const alloc of [...this.#byTuple.values()]) this.#remove(alloc, 'server closed');
    this.#closed = true;
  }
}
