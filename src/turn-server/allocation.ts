/**
 * One TURN allocation's state (RFC 8656 §2.2): its 5-tuple, relayed
 * address, owner, lifetime, permissions (§9) and channel bindings (§12), and
 * its bandwidth buckets. Plain data with small helpers; the core owns the
 * protocol decisions.
 */
import type { StunIntegrityKey } from '../stun/integrity-key.js';
import type { TransportAddress } from '../transport/net.js';

export type TurnClientProtocol = 'udp' | 'tcp' | 'tls';

/**
 * A client's 5-tuple as the driver hands it to the core. `link` is the
 * driver's own handle (the listening socket or the stream) and is passed
 * back in {@link TurnServerIo.sendToClient}.
 */
export interface TurnClientTuple {
  /** Unique per 5-tuple (the core's allocation index key). */
  readonly key: string;
  readonly protocol: TurnClientProtocol;
  readonly remote: TransportAddress;
  readonly local: TransportAddress;
  readonly link: unknown;
}

/** A channel bound to a peer (RFC 8656 §12). */
export interface TurnChannel {
  readonly number: number;
  readonly peer: TransportAddress;
  expiresAt: number;
  readonly permission: TurnPermission;
}

/** A permission for one peer IP (RFC 8656 §9), with the channels of that IP by peer port. */
export interface TurnPermission {
  readonly ip: string;
  expiresAt: number;
  /** Channels to this IP, by peer port (at most maxChannels in all). */
  readonly channelsByPort: Map<number, TurnChannel>;
}

/** A token bucket in bytes (per-allocation bandwidth limit). */
export class ByteBucket {
  tokens: number;
  at: number;

  constructor(
    readonly ratePerMs: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes `n` bytes if available. */
  take(n: number, now: number): boolean {
    let t = this.tokens + (now - this.at) * this.ratePerMs;
    if (t > this.burst) t = this.burst;
    this.at = now;
    if (t < n) {
      this.tokens = t;
      return false;
    }
    this.tokens = t - n;
    return true;
  }
}

export class TurnAllocation<R = unknown> {
  readonly id: number;
  readonly tuple: TurnClientTuple;
  readonly username: string;
  readonly key: StunIntegrityKey;
  readonly family: 4 | 6;
  /** Driver's relay socket handle, set when the relay is open. */
  relay: R | undefined;
  /** The relayed transport address announced to the client. */
  relayed: TransportAddress | undefined;
  expiresAt: number;
  /** Transaction ID and encoded success response of the Allocate (RFC 8656 §7.2 retransmissions). */
  allocateTid: Buffer;
  allocateResponse: Buffer | undefined;
  /** The Allocate asked for FINGERPRINT (echoed in the response). */
  readonly fingerprint: boolean;
  readonly permissions = new Map<string, TurnPermission>();
  readonly channels = new Map<number, TurnChannel>();
  readonly toPeer: ByteBucket | undefined;
  readonly toClient: ByteBucket | undefined;
  bytesToPeer = 0;
  bytesToClient = 0;
  packetsToPeer = 0;
  packetsToClient = 0;
  closed = false;

  constructor(init: {
    id: number;
    tuple: TurnClientTuple;
    username: string;
    key: StunIntegrityKey;
    family: 4 | 6;
    expiresAt: number;
    allocateTid: Buffer;
    fingerprint: boolean;
    bandwidthBytesPerSec: number;
    now: number;
  }) {
    this.id = init.id;
    this.tuple = init.tuple;
    this.username = init.username;
    this.key = init.key;
    this.family = init.family;
    this.expiresAt = init.expiresAt;
    this.allocateTid = Buffer.from(init.allocateTid);
    this.fingerprint = init.fingerprint;
    if (init.bandwidthBytesPerSec > 0) {
      // One second of burst, at least one maximal datagram.
      const burst = Math.max(init.bandwidthBytesPerSec, 65_535);
      this.toPeer = new ByteBucket(init.bandwidthBytesPerSec / 1000, burst, init.now);
      this.toClient = new ByteBucket(init.bandwidthBytesPerSec / 1000, burst, init.now);
    }
  }

  /** A live permission for `ip` at `now`. */
  permissionFor(ip: string, now: number): TurnPermission | undefined {
    const p = this.permissions.get(ip);
    return p !== undefined && p.expiresAt > now ? p : undefined;
  }

  /** Removes expired permissions and channels; returns the earliest remaining expiry. */
  expire(now: number): number {
    let next = this.expiresAt;
    for (const [n, ch] of this.channels) {
      if (ch.expiresAt <= now) {
        this.channels.delete(n);
        ch.permission.channelsByPort.delete(ch.peer.port);
      } else if (ch.expiresAt < next) {
        next = ch.expiresAt;
      }
    }
    for (const [ip, p] of this.permissions) {
      // A permission with live channels stays in the table (expired: data is refused) until its channels go.
      if (p.expiresAt <= now && p.channelsByPort.size === 0) this.permissions.delete(ip);
      else if (p.expiresAt > now && p.expiresAt < next) next = p.expiresAt;
    }
    return next;
  }
}
