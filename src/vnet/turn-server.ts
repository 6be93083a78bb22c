import { DropCounter } from '../common/drop-counter.js';
import { getLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { StunAttr, StunClass, StunErrorCode, StunMethod, TRANSPORT_UDP } from '../stun/constants.js';
import { longTermKey, newTransactionId } from '../stun/credentials.js';
import { buildErrorResponse, buildSuccessResponse } from '../stun/error-response.js';
import { StunIntegrityKey } from '../stun/integrity-key.js';
import { StunMessage, isStunMessage } from '../stun/message.js';
import { familyOf, formatAddress, type TcpConnection, type TransportAddress } from '../transport/net.js';
import type { VirtualHost } from './host.js';
import { TurnAllocation } from './turn-allocation.js';

const log = getLogger('turn').child('vnet-server');

/** RFC 8656 §7.2: default allocation lifetime 600 s, and the server's maximum (RFC 8656 recommends 3600 s). */
export const TURN_DEFAULT_LIFETIME_SEC = 600;
export const TURN_MAX_LIFETIME_SEC = 3600;
/** How long a nonce stays valid before requests get 438 Stale Nonce (RFC 8489 §9.2). */
export const TURN_NONCE_LIFETIME_MS = 3_600_000;
export const DEFAULT_MAX_TURN_ALLOCATIONS = 1000;
/** RFC 8656 §12: channel numbers 0x4000 through 0x4FFF. */
const CHANNEL_MIN = 0x4000;
const CHANNEL_MAX = 0x4fff;
const MAX_TCP_BUFFER_BYTES = 131072;

export interface VirtualTurnServerConfig {
  port: number;
  realm: string;
  /** username -> password (long-term credentials, RFC 8489 §9.2). */
  credentials: Readonly<Record<string, string>>;
  tcp: boolean;
  maxAllocations: number;
  nonceLifetimeMs: number;
}

interface Origin {
  readonly fiveTuple: string;
  readonly client: TransportAddress;
  readonly transport: 'udp' | 'tcp';
  readonly send: (data: Buffer) => void;
}

export interface VirtualTurnServerStats {
  allocations: number;
  requests: number;
  relayedToPeers: number;
  relayedToClients: number;
  dropped: Record<string, number>;
}

/**
 * A TURN server (RFC 8656) on a virtual host: long-term credentials with
 * nonces, Allocate / Refresh / CreatePermission / ChannelBind, Send and Data
 * indications, ChannelData, over UDP and TCP to the client; UDP relays. Lets
 * relay candidates and the TURN client be tested on the virtual network.
 */
export class VirtualTurnServer {
  readonly host: VirtualHost;
  readonly address: TransportAddress;
  readonly realm: string;
  readonly #config: VirtualTurnServerConfig;
  readonly #now: () => number;
  readonly #rng: Rng;
  readonly #allocations = new Map<string, TurnAllocation>();
  readonly #keys = new Map<string, StunIntegrityKey>();
  readonly #drops = new DropCounter(log);
  readonly #closers: Array<{ close(): void }> = [];
  readonly #conns = new Set<TcpConnection>();
  #nonce = '';
  #nonceIssuedAt = -Infinity;
  #nextSweepAt = 0;
  #requests = 0;
  #toPeers = 0;
  #toClients = 0;
  #closed = false;

  /** @internal Created by {@link VirtualNetwork.addTurnServer}. */
  constructor(host: VirtualHost, config: VirtualTurnServerConfig, now: () => number, rng: Rng) {
    this.host = host;
    this.#config = config;
    this.#now = now;
    this.#rng = rng;
    this.realm = config.realm;
    const address = host.addresses[0]!;
    this.address = { address, port: config.port };
    for (const ip of host.addresses) {
      const udp = host.bindUdpNow({ address: ip, port: config.port });
      this.#closers.push(udp);
      udp.onMessage((data, from) => {
        const server = udp.localAddress;
        this.#onInput(data, {
          fiveTuple: `udp|${formatAddress(from)}|${formatAddress(server)}`,
          client: from,
          transport: 'udp',
          send: (b) => udp.send(b, from),
        });
      });
      if (config.tcp) {
        const listener = host.listenTcpNow({ address: ip, port: config.port });
        this.#closers.push(listener);
        listener.onConnection((conn) => this.#onTcp(conn));
      }
    }
  }

  /** Counters; `allocations` counts live ones. */
  get stats(): VirtualTurnServerStats {
    if (!this.#closed) this.#sweep(true);
    return {
      allocations: this.#allocations.size,
      requests: this.#requests,
      relayedToPeers: this.#toPeers,
      relayedToClients: this.#toClients,
      dropped: this.#drops.toJSON(),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const a of this.#allocations.values()) a.relay.close();
    this.#allocations.clear();
    for (const c of this.#closers) c.close();
    for (const c of [...this.#conns]) c.close();
    this.#conns.clear();
  }

  #onTcp(conn: TcpConnection): void {
    this.#conns.add(conn);
    const origin: Origin = {
      fiveTuple: `tcp|${formatAddress(conn.remoteAddress)}|${formatAddress(conn.localAddress)}`,
      client: conn.remoteAddress,
      transport: 'tcp',
      send: (b) => conn.write(b),
    };
    let buf: Buffer = Buffer.alloc(0);
    conn.onClose(() => {
      this.#conns.delete(conn);
      this.#remove(origin.fiveTuple);
    });
    conn.onData((chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const kind = buf[0]! >> 6;
        // RFC 8656 §12.5: over TCP, ChannelData is padded to a multiple of 4 bytes.
        const total = kind === 0 ? 20 + buf.readUInt16BE(2) : kind === 1 ? 4 + ((buf.readUInt16BE(2) + 3) & ~3) : -1;
        if (total < 0) {
          this.#drops.drop('tcp-framing');
          conn.close();
          return;
        }
        if (buf.length < total) break;
        this.#onInput(buf.subarray(0, total), origin);
        buf = buf.subarray(total);
      }
      if (buf.length > MAX_TCP_BUFFER_BYTES) {
        this.#drops.drop('tcp-buffer-overflow');
        conn.close();
      }
    });
  }

  /** Network input: the one inbound try/catch; nothing a client sends can throw past it. */
  #onInput(data: Buffer, origin: Origin): void {
    try {
      this.#handleInput(data, origin);
    } catch (err) {
      this.#drops.drop('error', err);
    }
  }

  #handleInput(data: Buffer, origin: Origin): void {
    if (this.#closed) return;
    this.#sweep();
    if (data.length >= 4 && data[0]! >> 6 === 1) return this.#onChannelData(data, origin);
    if (!isStunMessage(data)) return this.#drops.drop('not-stun');
    let msg: StunMessage;
    try {
      msg = StunMessage.decode(data);
    } catch (err) {
      return this.#drops.drop('decode', err);
    }
    if (msg.messageClass === StunClass.Indication) {
      if (msg.method === StunMethod.Send) this.#onSend(msg, origin);
      else this.#drops.drop('unexpected-indication');
      return;
    }
    if (msg.messageClass !== StunClass.Request) return this.#drops.drop('not-request');
    this.#requests++;
    const fingerprint = msg.hasAttr(StunAttr.Fingerprint);
    const reply = (res: StunMessage, key?: StunIntegrityKey): void =>
      origin.send(res.encode({ ...(key ? { integrityKey: key.key } : {}), fingerprint }));
    if (msg.method === StunMethod.Binding) return reply(buildSuccessResponse(msg).setXorMappedAddress(origin.client));
    const known = [StunMethod.Allocate, StunMethod.Refresh, StunMethod.CreatePermission, StunMethod.ChannelBind] as number[];
    if (!known.includes(msg.method)) return reply(buildErrorResponse(msg, StunErrorCode.BadRequest, 'Bad Request'));
    const auth = this.#authenticate(msg);
    if (auth instanceof StunMessage) return reply(auth);
    const res = this.#dispatch(msg, origin, auth);
    if (log.traceEnabled) log.trace(`${formatAddress(origin.client)} method 0x${msg.method.toString(16)} -> class ${res.messageClass}`);
    reply(res, auth.key);
  }

  #currentNonce(): string {
    const now = this.#now();
    if (now - this.#nonceIssuedAt >= this.#config.nonceLifetimeMs) {
      this.#nonce = this.#rng.bytes(12).toString('hex');
      this.#nonceIssuedAt = now;
    }
    return this.#nonce;
  }

  /** RFC 8489 §9.2.4: the long-term credential checks, in order. */
  #authenticate(req: StunMessage): { username: string; key: StunIntegrityKey } | StunMessage {
    const challenge = { realm: this.realm, nonce: this.#currentNonce() };
    if (!req.hasAttr(StunAttr.MessageIntegrity)) return buildErrorResponse(req, StunErrorCode.Unauthorized, 'Unauthorized', challenge);
    const username = req.getUsername();
    const realm = req.getRealm();
    const nonce = req.getNonce();
    if (username === undefined || realm === undefined || nonce === undefined) {
      return buildErrorResponse(req, StunErrorCode.BadRequest, 'Bad Request');
    }
    if (nonce !== challenge.nonce) return buildErrorResponse(req, StunErrorCode.StaleNonce, 'Stale Nonce', challenge);
    const password = Object.hasOwn(this.#config.credentials, username) ? this.#config.credentials[username] : undefined;
    if (password === undefined || realm !== this.realm) return buildErrorResponse(req, StunErrorCode.Unauthorized, 'Unauthorized', challenge);
    let key = this.#keys.get(username);
    if (!key) {
      key = new StunIntegrityKey(longTermKey(username, this.realm, password));
      this.#keys.set(username, key);
    }
    if (!req.verifyIntegrity(key)) return buildErrorResponse(req, StunErrorCode.Unauthorized, 'Unauthorized', challenge);
    return { username, key };
  }

  #dispatch(req: StunMessage, origin: Origin, auth: { username: string; key: StunIntegrityKey }): StunMessage {
    const now = this.#now();
    const alloc = this.#allocations.get(origin.fiveTuple);
    if (req.method === StunMethod.Allocate) return this.#allocate(req, origin, auth, alloc, now);
    // RFC 8656 §7.3, §9, §11: other requests need an allocation on this 5-tuple, made with the same credentials.
    if (!alloc) return buildErrorResponse(req, StunErrorCode.AllocationMismatch, 'Allocation Mismatch');
    if (alloc.username !== auth.username) return buildErrorResponse(req, StunErrorCode.WrongCredentials, 'Wrong Credentials');
    const relayFamily = alloc.relay.family;
    switch (req.method) {
      case StunMethod.Refresh: {
        const requested = req.getLifetime() ?? TURN_DEFAULT_LIFETIME_SEC;
        if (requested === 0) {
          this.#remove(origin.fiveTuple);
          return buildSuccessResponse(req).setLifetime(0);
        }
        const sec = Math.min(Math.max(requested, TURN_DEFAULT_LIFETIME_SEC), TURN_MAX_LIFETIME_SEC);
        alloc.expiresAt = now + sec * 1000;
        return buildSuccessResponse(req).setLifetime(sec);
      }
      case StunMethod.CreatePermission: {
        const peers = req.getXorPeerAddresses();
        if (peers.length === 0) return buildErrorResponse(req, StunErrorCode.BadRequest, 'Bad Request');
        if (peers.some((p) => familyOf(p.address) !== relayFamily)) {
          return buildErrorResponse(req, StunErrorCode.PeerAddressFamilyMismatch, 'Peer Address Family Mismatch');
        }
        for (const p of peers) {
          if (!alloc.permit(p.address, now)) return buildErrorResponse(req, StunErrorCode.InsufficientCapacity, 'Insufficient Capacity');
        }
        return buildSuccessResponse(req);
      }
      default: {
        // ChannelBind, RFC 8656 §11.2
        const channel = req.getChannelNumber();
        const peer = req.getXorPeerAddresses()[0];
        if (channel === undefined || channel < CHANNEL_MIN || channel > CHANNEL_MAX || !peer) {
          return buildErrorResponse(req, StunErrorCode.BadRequest, 'Bad Request');
        }
        if (familyOf(peer.address) !== relayFamily) {
          return buildErrorResponse(req, StunErrorCode.PeerAddressFamilyMismatch, 'Peer Address Family Mismatch');
        }
        if (!alloc.bindChannel(channel, peer, now)) return buildErrorResponse(req, StunErrorCode.BadRequest, 'Bad Request');
        alloc.permit(peer.address, now);
        return buildSuccessResponse(req);
      }
    }
  }

  /** RFC 8656 §7.2: receiving an Allocate request. */
  #allocate(
    req: StunMessage,
    origin: Origin,
    auth: { username: string; key: StunIntegrityKey },
    existing: TurnAllocation | undefined,
    now: number,
  ): StunMessage {
    if (existing) {
      // A retransmitted Allocate gets the original answer; anything else is a mismatch.
      if (!existing.allocateTransactionId.equals(req.transactionId)) {
        return buildErrorResponse(req, StunErrorCode.AllocationMismatch, 'Allocation Mismatch');
      }
      return this.#allocateSuccess(req, existing, now);
    }
    const transport = req.getRequestedTransport();
    if (transport === undefined) return buildErrorResponse(req, StunErrorCode.BadRequest, 'Bad Request');
    if (transport !== TRANSPORT_UDP) return buildErrorResponse(req, StunErrorCode.UnsupportedTransportProtocol, 'Unsupported Transport Protocol');
    const family = req.getRequestedAddressFamily() ?? 4;
    const relayIp = this.host.addresses.find((a) => familyOf(a) === family);
    if (relayIp === undefined) return buildErrorResponse(req, StunErrorCode.AddressFamilyNotSupported, 'Address Family not Supported');
    if (this.#allocations.size >= this.#config.maxAllocations) {
      return buildErrorResponse(req, StunErrorCode.AllocationQuotaReached, 'Allocation Quota Reached');
    }
    const relay = this.host.bindUdpNow({ address: relayIp, port: 0 });
    const sec = Math.min(Math.max(req.getLifetime() ?? TURN_DEFAULT_LIFETIME_SEC, TURN_DEFAULT_LIFETIME_SEC), TURN_MAX_LIFETIME_SEC);
    const alloc = new TurnAllocation({
      fiveTuple: origin.fiveTuple,
      client: { ...origin.client },
      username: auth.username,
      key: auth.key,
      relay,
      send: origin.send,
      allocateTransactionId: Buffer.from(req.transactionId),
      expiresAt: now + sec * 1000,
    });
    relay.onMessage((data, from) => this.#fromPeer(alloc, data, from, origin.transport));
    this.#allocations.set(origin.fiveTuple, alloc);
    if (log.debugEnabled) {
      log.debug(`allocation for ${auth.username} at ${formatAddress(origin.client)}: relay ${formatAddress(relay.localAddress)}`);
    }
    return this.#allocateSuccess(req, alloc, now);
  }

  #allocateSuccess(req: StunMessage, alloc: TurnAllocation, now: number): StunMessage {
    return buildSuccessResponse(req)
      .setXorRelayedAddress(alloc.relay.localAddress)
      .setLifetime(Math.max(0, Math.round((alloc.expiresAt - now) / 1000)))
      .setXorMappedAddress(alloc.client);
  }

  /** RFC 8656 §10.2: a Send indication; silently discarded without a permission. */
  #onSend(msg: StunMessage, origin: Origin): void {
    const alloc = this.#allocations.get(origin.fiveTuple);
    const peer = msg.getXorPeerAddresses()[0];
    const data = msg.getData();
    if (!alloc || !peer || !data) return this.#drops.drop('send-indication-invalid');
    if (!alloc.permitted(peer.address, this.#now())) return this.#drops.drop('no-permission');
    this.#toPeers++;
    alloc.relay.send(data, peer);
  }

  /** RFC 8656 §12.4: ChannelData from the client. */
  #onChannelData(data: Buffer, origin: Origin): void {
    const alloc = this.#allocations.get(origin.fiveTuple);
    const channel = data.readUInt16BE(0);
    const length = data.readUInt16BE(2);
    if (!alloc || data.length < 4 + length) return this.#drops.drop('channel-data-invalid');
    const now = this.#now();
    const peer = alloc.channelPeer(channel, now);
    if (!peer || !alloc.permitted(peer.address, now)) return this.#drops.drop('channel-unbound');
    this.#toPeers++;
    alloc.relay.send(data.subarray(4, 4 + length), peer);
  }

  /** RFC 8656 §11.3 / §12.5: data from a peer goes to the client over a channel or as a Data indication. */
  #fromPeer(alloc: TurnAllocation, data: Buffer, from: TransportAddress, transport: 'udp' | 'tcp'): void {
    const now = this.#now();
    if (this.#allocations.get(alloc.fiveTuple) !== alloc || alloc.expiresAt <= now) return this.#drops.drop('no-allocation');
    if (!alloc.permitted(from.address, now)) return this.#drops.drop('no-permission');
    this.#toClients++;
    const channel = alloc.channelFor(from, now);
    if (channel !== undefined) {
      const padded = transport === 'tcp' ? (data.length + 3) & ~3 : data.length;
      const out = Buffer.alloc(4 + padded);
      out.writeUInt16BE(channel, 0);
      out.writeUInt16BE(data.length, 2);
      data.copy(out, 4);
      alloc.send(out);
      return;
    }
    const ind = new StunMessage(StunMethod.Data, StunClass.Indication, newTransactionId(this.#rng));
    ind.addXorPeerAddress(from).setData(data);
    alloc.send(ind.encode());
  }

  #remove(fiveTuple: string): void {
    const a = this.#allocations.get(fiveTuple);
    if (!a) return;
    this.#allocations.delete(fiveTuple);
    a.relay.close();
  }

  /** Expires allocations lazily (no timers: nothing is left on the clock). */
  #sweep(force = false): void {
    const now = this.#now();
    if (!force && now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + 1000;
    for (const [k, a] of this.#allocations) if (a.expiresAt <= now) this.#remove(k);
  }
}
