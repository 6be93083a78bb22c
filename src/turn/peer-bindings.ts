import type { DropCounter } from '../common/drop-counter.js';
import type { ScopedLogger } from '../common/log.js';
import type { StunMessage } from '../stun/message.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import { decodeChannelData, encodeChannelData } from './channel-data.js';
import {
  CHANNEL_LIFETIME_MS,
  CHANNEL_REFRESH_MS,
  PERMISSION_LIFETIME_MS,
  PERMISSION_REFRESH_MS,
  REFRESH_RETRY_DELAY_MS,
} from './constants.js';
import type { TurnError } from './errors.js';
import { normalizePeer } from './peer-address.js';
import { ChannelTable, PermissionTable, peerKey, type ChannelEntry, type PermissionEntry } from './peer-tables.js';
import type { RequestSpec } from './turn-requests.js';

/** Control events about permissions and channels (a subset of the client's events). */
export type PeerBindingEvent =
  | { type: 'permission'; address: string; error?: TurnError }
  | { type: 'channel'; peer: TransportAddress; channel: number; error?: TurnError };

/** What {@link PeerBindings} needs from the client core. */
export interface PeerBindingsHost {
  issue(now: number, spec: RequestSpec): void;
  sendIndication(peer: TransportAddress, data: Uint8Array): Buffer;
  queueTransmit(bytes: Buffer): void;
  emit(event: PeerBindingEvent): void;
  readonly drops: DropCounter;
  readonly log: ScopedLogger;
}

export interface PeerBindingsConfig {
  maxPermissions: number;
  maxChannels: number;
  maxQueuedPerPeer: number;
  /** 0 disables automatic channel binding. */
  autoChannelBindAfter: number;
  /** TCP/TLS: ChannelData is padded to four bytes (RFC 8656 §12.5). */
  stream: boolean;
}

/**
 * The permissions (RFC 8656 §9) and channel bindings (RFC 8656 §12) of one
 * allocation: choosing Send indication or ChannelData for outbound data,
 * holding data while a permission is created, matching inbound data to
 * peers, and refreshing what is in use.
 */
export class PeerBindings {
  readonly #host: PeerBindingsHost;
  readonly #c: PeerBindingsConfig;
  readonly #permissions: PermissionTable;
  readonly #channels: ChannelTable;
  readonly #sendCounts = new Map<string, number>();
  /** Earliest refresh or expiry; undefined when it must be recomputed. */
  #deadline: number | undefined = Infinity;

  constructor(host: PeerBindingsHost, config: PeerBindingsConfig) {
    this.#host = host;
    this.#c = config;
    this.#permissions = new PermissionTable(config.maxPermissions);
    this.#channels = new ChannelTable(config.maxChannels);
  }

  get permissionCount(): number {
    return this.#permissions.size;
  }
  get channelCount(): number {
    return this.#channels.size;
  }
  /** True when the deadline changed since {@link nextDeadline} was last asked. */
  get dirty(): boolean {
    return this.#deadline === undefined;
  }

  hasPermission(address: string): boolean {
    return this.#permissions.get(normalizePeer({ address, port: 0 }).address)?.state === 'installed';
  }

  boundChannel(peer: TransportAddress): number | undefined {
    const ch = this.#channels.get(peerKey(normalizePeer(peer)));
    return ch?.state === 'bound' ? ch.channel : undefined;
  }

  createPermission(now: number, peer: TransportAddress): 'installed' | 'pending' {
    const p = normalizePeer(peer);
    const existing = this.#permissions.get(p.address);
    if (existing) {
      existing.used = true;
      return existing.state;
    }
    this.#startPermission(now, p);
    return 'pending';
  }

  bindChannel(now: number, peer: TransportAddress): { channel: number; state: 'bound' | 'pending' } {
    const p = normalizePeer(peer);
    const key = peerKey(p);
    const existing = this.#channels.get(key);
    if (existing) {
      existing.used = true;
      return { channel: existing.channel, state: existing.state };
    }
    const entry = this.#channels.add(p, key);
    this.#deadline = undefined;
    this.#host.log.debug(`binding channel 0x${entry.channel.toString(16)} to ${formatAddress(p)}`);
    this.#host.issue(now, { kind: 'channel', channel: entry });
    return { channel: entry.channel, state: 'pending' };
  }

  /** Bytes to write now for `data` to `to`, or undefined when queued behind a permission or dropped. */
  send(now: number, data: Uint8Array, to: TransportAddress): Buffer | undefined {
    const peer = normalizePeer(to);
    const key = peerKey(peer);
    const ch = this.#channels.get(key);
    if (ch !== undefined && ch.state === 'bound') {
      ch.used = true;
      return encodeChannelData(ch.channel, data, this.#c.stream);
    }
    let perm = this.#permissions.get(peer.address);
    if (perm?.state === 'installed') {
      perm.used = true;
      if (ch === undefined && this.#c.autoChannelBindAfter > 0) this.#countForAutoBind(now, peer, key);
      return this.#host.sendIndication(peer, data);
    }
    if (!perm) {
      try {
        perm = this.#startPermission(now, peer);
      } catch (err) {
        this.#host.drops.drop('permission-limit', err);
        return undefined;
      }
    }
    // RFC 8656 §9: the server drops data to peers without a permission, so hold it until installed.
    if (perm.queue.length >= this.#c.maxQueuedPerPeer) {
      perm.queue.shift();
      this.#host.drops.drop('permission-queue-full');
    }
    perm.queue.push({ data: Buffer.from(data), peer });
    return undefined;
  }

  /** RFC 8656 §12.6: the peer of an inbound ChannelData message, or undefined (dropped). */
  channelData(data: Buffer): { peer: TransportAddress; data: Buffer } | undefined {
    const cd = decodeChannelData(data);
    if (!cd) {
      this.#host.drops.drop('bad-channel-data');
      return undefined;
    }
    // A pending binding counts: the server may use the channel as soon as it has bound it,
    // before its success response arrives.
    const ch = this.#channels.byNumber(cd.channel);
    if (!ch) {
      this.#host.drops.drop('unknown-channel');
      return undefined;
    }
    return { peer: ch.peer, data: cd.data };
  }

  /**
   * RFC 8656 §10.4: a Data indication without XOR-PEER-ADDRESS or DATA, or from
   * a peer the client holds no permission for, is discarded.
   */
  dataIndication(msg: StunMessage): { peer: TransportAddress; data: Buffer } | undefined {
    const peer = msg.getXorPeerAddresses()[0];
    const data = msg.getData();
    if (!peer || !data) {
      this.#host.drops.drop('bad-data-indication');
      return undefined;
    }
    if (!this.#permissions.get(peer.address) && !this.#channels.get(peerKey(peer))) {
      this.#host.drops.drop('data-without-permission');
      return undefined;
    }
    return { peer, data };
  }

  onPermissionInstalled(now: number, entry: PermissionEntry): void {
    if (this.#permissions.get(entry.address) !== entry) return; // deleted meanwhile
    const first = entry.state === 'pending';
    this.#installPermission(now, entry);
    if (first) {
      this.#host.log.debug(`permission installed for ${entry.address}`);
      this.#host.emit({ type: 'permission', address: entry.address });
    } else if (this.#host.log.traceEnabled) this.#host.log.trace(`permission refreshed for ${entry.address}`);
  }

  onChannelBound(now: number, entry: ChannelEntry): void {
    if (this.#channels.get(entry.key) !== entry) return;
    const first = entry.state === 'pending';
    entry.state = 'bound';
    entry.refreshing = false;
    entry.used = false;
    entry.expiresAt = now + CHANNEL_LIFETIME_MS;
    entry.refreshAt = now + CHANNEL_REFRESH_MS;
    this.#deadline = undefined;
    // RFC 8656 §12.2: a successful ChannelBind also installs or refreshes the permission for the peer's IP.
    let perm = this.#permissions.get(entry.peer.address);
    if (!perm) {
      try {
        perm = this.#permissions.add(entry.peer);
      } catch {
        perm = undefined; // the channel works without a tracked permission; its refreshes keep it
      }
    }
    if (perm) this.#installPermission(now, perm);
    if (first) {
      this.#host.log.debug(`channel 0x${entry.channel.toString(16)} bound to ${formatAddress(entry.peer)}`);
      this.#host.emit({ type: 'channel', peer: entry.peer, channel: entry.channel });
    } else if (this.#host.log.traceEnabled) this.#host.log.trace(`channel 0x${entry.channel.toString(16)} refreshed`);
  }

  /** A CreatePermission failed: a first request fails for good; a timed-out refresh is retried. */
  onPermissionFailed(now: number, entry: PermissionEntry, error: TurnError): void {
    if (this.#permissions.get(entry.address) !== entry) return;
    if (entry.state === 'pending' || error.code !== 'ERR_TURN_TIMEOUT') {
      this.#permissions.delete(entry.address);
      this.#deadline = undefined;
      if (entry.queue.length > 0) this.#host.drops.drop('permission-failed', entry.queue.length);
      this.#host.log.debug(`permission for ${entry.address} failed: ${error.message}`);
      if (entry.state === 'pending') this.#host.emit({ type: 'permission', address: entry.address, error });
    } else {
      entry.refreshing = false;
      entry.refreshAt = now + REFRESH_RETRY_DELAY_MS;
      this.#deadline = undefined;
    }
  }

  /** A ChannelBind failed: a first request fails for good; a timed-out refresh is retried. */
  onChannelFailed(now: number, entry: ChannelEntry, error: TurnError): void {
    if (this.#channels.get(entry.key) !== entry) return;
    if (entry.state === 'pending' || error.code !== 'ERR_TURN_TIMEOUT') {
      this.#channels.delete(entry);
      this.#deadline = undefined;
      this.#host.log.debug(`channel 0x${entry.channel.toString(16)} failed: ${error.message}`);
      if (entry.state === 'pending') this.#host.emit({ type: 'channel', peer: entry.peer, channel: entry.channel, error });
    } else {
      entry.refreshing = false;
      entry.refreshAt = now + REFRESH_RETRY_DELAY_MS;
      this.#deadline = undefined;
    }
  }

  /**
   * Refreshes and expiries (RFC 8656 §9, §12). Only entries something was
   * sent through since their last (re)installation are refreshed; idle ones
   * lapse at expiry, which keeps the tables small when ICE checks many peers.
   */
  maintain(now: number): void {
    if ((this.#deadline ?? -Infinity) > now) return;
    for (const entry of [...this.#permissions.values()]) {
      if (entry.state !== 'installed') continue;
      if (now >= entry.expiresAt) {
        this.#permissions.delete(entry.address);
        if (this.#host.log.traceEnabled) this.#host.log.trace(`permission for ${entry.address} expired`);
      } else if (!entry.refreshing && now >= entry.refreshAt) {
        if (entry.used) {
          entry.refreshing = true;
          this.#host.issue(now, { kind: 'permission', permission: entry });
        } else entry.refreshAt = Infinity;
      }
    }
    for (const entry of [...this.#channels.values()]) {
      if (entry.state !== 'bound') continue;
      if (now >= entry.expiresAt) {
        this.#channels.delete(entry);
        if (this.#host.log.traceEnabled) this.#host.log.trace(`channel 0x${entry.channel.toString(16)} expired`);
      } else if (!entry.refreshing && now >= entry.refreshAt) {
        if (entry.used) {
          entry.refreshing = true;
          this.#host.issue(now, { kind: 'channel', channel: entry });
        } else entry.refreshAt = Infinity;
      }
    }
    this.#deadline = undefined;
  }

  /** Earliest time {@link maintain} has work (Infinity when none). */
  nextDeadline(): number {
    if (this.#deadline === undefined) {
      let t = Infinity;
      for (const e of this.#permissions.values()) {
        if (e.state === 'installed') t = Math.min(t, e.expiresAt, e.refreshing ? Infinity : e.refreshAt);
      }
      for (const e of this.#channels.values()) {
        if (e.state === 'bound') t = Math.min(t, e.expiresAt, e.refreshing ? Infinity : e.refreshAt);
      }
      this.#deadline = t;
    }
    return this.#deadline;
  }

  clear(): void {
    this.#permissions.clear();
    this.#channels.clear();
    this.#sendCounts.clear();
    this.#deadline = Infinity;
  }

  #startPermission(now: number, peer: TransportAddress): PermissionEntry {
    const entry = this.#permissions.add(peer);
    this.#deadline = undefined;
    if (this.#host.log.debugEnabled) this.#host.log.debug(`creating permission for ${peer.address}`);
    this.#host.issue(now, { kind: 'permission', permission: entry });
    return entry;
  }

  #installPermission(now: number, entry: PermissionEntry): void {
    entry.state = 'installed';
    entry.refreshing = false;
    entry.used = false;
    entry.expiresAt = now + PERMISSION_LIFETIME_MS;
    entry.refreshAt = now + PERMISSION_REFRESH_MS;
    this.#deadline = undefined;
    const queue = entry.queue;
    if (queue.length === 0) return;
    entry.queue = [];
    for (const q of queue) {
      const ch = this.#channels.get(peerKey(q.peer));
      this.#host.queueTransmit(
        ch?.state === 'bound'
          ? encodeChannelData(ch.channel, q.data, this.#c.stream)
          : this.#host.sendIndication(q.peer, q.data),
      );
    }
  }

  #countForAutoBind(now: number, peer: TransportAddress, key: string): void {
    const n = (this.#sendCounts.get(key) ?? 0) + 1;
    if (n < this.#c.autoChannelBindAfter) {
      // Bounded: forget the counts when too many peers are being counted.
      if (this.#sendCounts.size >= 4 * this.#permissions.max) this.#sendCounts.clear();
      this.#sendCounts.set(key, n);
      return;
    }
    this.#sendCounts.delete(key);
    try {
      this.bindChannel(now, peer);
    } catch (err) {
      this.#host.drops.drop('auto-channel-bind', err);
    }
  }
}
