import type { TransportAddress } from '../transport/net.js';
import { CHANNEL_MAX, CHANNEL_MIN } from './constants.js';
import { TurnError } from './errors.js';

/**
 * The client's view of the permissions (RFC 8656 §9) and channel bindings
 * (RFC 8656 §12) of one allocation, bounded in size.
 */

/** A datagram waiting for its permission to be installed. */
export interface QueuedDatagram {
  readonly data: Buffer;
  readonly peer: TransportAddress;
}

interface Refreshable {
  /** 'pending' until the first success response; then 'installed'/'bound'. */
  expiresAt: number;
  refreshAt: number;
  /** A refresh request is in flight. */
  refreshing: boolean;
  /** Something was sent through it since it was last (re)installed: only used entries are refreshed. */
  used: boolean;
}

export interface PermissionEntry extends Refreshable {
  /** Peer IP address (RFC 8656 §9: permissions are per IP, ports are ignored). */
  readonly address: string;
  /** The peer the permission was first requested for (its port goes into XOR-PEER-ADDRESS). */
  readonly peer: TransportAddress;
  state: 'pending' | 'installed';
  queue: QueuedDatagram[];
}

export interface ChannelEntry extends Refreshable {
  readonly channel: number;
  readonly peer: TransportAddress;
  readonly key: string;
  state: 'pending' | 'bound';
}

/** Map key of a peer transport address. */
export function peerKey(peer: TransportAddress): string {
  return `${peer.address}|${peer.port}`;
}

/** Permissions by peer IP, at most `max` of them. */
export class PermissionTable {
  readonly #byAddress = new Map<string, PermissionEntry>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#byAddress.size;
  }

  get(address: string): PermissionEntry | undefined {
    return this.#byAddress.get(address);
  }

  /** Adds a pending permission; throws `ERR_TURN_LIMIT` when the table is full. */
  add(peer: TransportAddress): PermissionEntry {
    if (this.#byAddress.size >= this.max) {
      throw new TurnError('ERR_TURN_LIMIT', `too many TURN permissions (max ${this.max})`);
    }
    const entry: PermissionEntry = {
      address: peer.address,
      peer,
      state: 'pending',
      queue: [],
      expiresAt: Infinity,
      refreshAt: Infinity,
      refreshing: false,
      used: true,
    };
    this.#byAddress.set(peer.address, entry);
    return entry;
  }

  delete(address: string): void {
    this.#byAddress.delete(address);
  }

  values(): IterableIterator<PermissionEntry> {
    return this.#byAddress.values();
  }

  clear(): void {
    this.#byAddress.clear();
  }
}

/**
 * Channel bindings by peer transport address and by number, at most `max`.
 * RFC 8656 §12: a channel number is never rebound to another peer during the
 * allocation's life (nor within 5 minutes of expiring), so numbers are handed
 * out once, in order, and never reused.
 */
export class ChannelTable {
  readonly #byKey = new Map<string, ChannelEntry>();
  readonly #byNumber = new Map<number, ChannelEntry>();
  #next = CHANNEL_MIN;

  constructor(readonly max: number) {}

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): ChannelEntry | undefined {
    return this.#byKey.get(key);
  }

  byNumber(channel: number): ChannelEntry | undefined {
    return this.#byNumber.get(channel);
  }

  /** Adds a pending binding with the next free number; throws `ERR_TURN_CHANNEL`/`ERR_TURN_LIMIT`. */
  add(peer: TransportAddress, key: string): ChannelEntry {
    if (this.#byKey.size >= this.max) {
      throw new TurnError('ERR_TURN_LIMIT', `too many TURN channels (max ${this.max})`);
    }
    if (this.#next > CHANNEL_MAX) {
      throw new TurnError('ERR_TURN_CHANNEL', 'no TURN channel number left (RFC 8656 §12: 0x4000-0x4FFF)');
    }
    const entry: ChannelEntry = {
      channel: this.#next++,
      peer,
      key,
      state: 'pending',
      expiresAt: Infinity,
      refreshAt: Infinity,
      refreshing: false,
      used: true,
    };
    this.#byKey.set(key, entry);
    this.#byNumber.set(entry.channel, entry);
    return entry;
  }

  delete(entry: ChannelEntry): void {
    this.#byKey.delete(entry.key);
    this.#byNumber.delete(entry.channel);
  }

  values(): IterableIterator<ChannelEntry> {
    return this.#byKey.values();
  }

  clear(): void {
    this.#byKey.clear();
    this.#byNumber.clear();
  }
}
