import type { StunIntegrityKey } from '../stun/integrity-key.js';
import type { TransportAddress } from '../transport/net.js';
import type { VirtualUdpSocket } from './udp-socket.js';

/** RFC 8656 §9: permissions last 300 s. */
export const TURN_PERMISSION_LIFETIME_MS = 300_000;
/** RFC 8656 §12: channel bindings last 600 s. */
export const TURN_CHANNEL_LIFETIME_MS = 600_000;
/** Bound on permissions per allocation (peer input). */
export const MAX_TURN_PERMISSIONS = 256;

interface ChannelBinding {
  readonly peer: TransportAddress;
  expiresAt: number;
}

/** One TURN allocation (RFC 8656 §2.2): relayed socket, permissions, channels. */
export class TurnAllocation {
  readonly fiveTuple: string;
  readonly client: TransportAddress;
  readonly username: string;
  readonly key: StunIntegrityKey;
  readonly relay: VirtualUdpSocket;
  readonly send: (data: Buffer) => void;
  /** Transaction ID of the Allocate that made it (a retransmission gets the same answer). */
  readonly allocateTransactionId: Buffer;
  expiresAt: number;
  readonly #permissions = new Map<string, number>();
  readonly #channels = new Map<number, ChannelBinding>();
  readonly #peerChannel = new Map<string, number>();

  constructor(init: {
    fiveTuple: string;
    client: TransportAddress;
    username: string;
    key: StunIntegrityKey;
    relay: VirtualUdpSocket;
    send: (data: Buffer) => void;
    allocateTransactionId: Buffer;
    expiresAt: number;
  }) {
    this.fiveTuple = init.fiveTuple;
    this.client = init.client;
    this.username = init.username;
    this.key = init.key;
    this.relay = init.relay;
    this.send = init.send;
    this.allocateTransactionId = init.allocateTransactionId;
    this.expiresAt = init.expiresAt;
  }

  /** RFC 8656 §9: installs or refreshes a permission for the peer's IP; false when the table is full. */
  permit(peerIp: string, now: number): boolean {
    if (!this.#permissions.has(peerIp) && this.#permissions.size >= MAX_TURN_PERMISSIONS) {
      for (const [ip, exp] of this.#permissions) if (exp <= now) this.#permissions.delete(ip);
      if (this.#permissions.size >= MAX_TURN_PERMISSIONS) return false;
    }
    this.#permissions.set(peerIp, now + TURN_PERMISSION_LIFETIME_MS);
    return true;
  }

  /** RFC 8656 §9: only the IP address is compared, never the port. */
  permitted(peerIp: string, now: number): boolean {
    const exp = this.#permissions.get(peerIp);
    return exp !== undefined && exp > now;
  }

  /**
   * RFC 8656 §12.2: binds (or refreshes) `channel` to `peer`; false when the
   * channel is bound to another peer or the peer to another channel.
   */
  bindChannel(channel: number, peer: TransportAddress, now: number): boolean {
    const peerKey = `${peer.address}|${peer.port}`;
    const existing = this.#channels.get(channel);
    const live = existing !== undefined && existing.expiresAt > now;
    if (live && `${existing.peer.address}|${existing.peer.port}` !== peerKey) return false;
    const other = this.#peerChannel.get(peerKey);
    if (other !== undefined && other !== channel && (this.#channels.get(other)?.expiresAt ?? 0) > now) return false;
    if (existing && !live) this.#peerChannel.delete(`${existing.peer.address}|${existing.peer.port}`);
    if (other !== undefined && other !== channel) this.#channels.delete(other);
    this.#channels.set(channel, { peer: { ...peer }, expiresAt: now + TURN_CHANNEL_LIFETIME_MS });
    this.#peerChannel.set(peerKey, channel);
    return true;
  }

  channelPeer(channel: number, now: number): TransportAddress | undefined {
    const b = this.#channels.get(channel);
    return b && b.expiresAt > now ? b.peer : undefined;
  }

  channelFor(peer: TransportAddress, now: number): number | undefined {
    const ch = this.#peerChannel.get(`${peer.address}|${peer.port}`);
    if (ch === undefined) return undefined;
    return (this.#channels.get(ch)?.expiresAt ?? 0) > now ? ch : undefined;
  }
}
