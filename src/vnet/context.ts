import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import type { LinkContext } from './link.js';
import type { VirtualPacket } from './packet.js';

/** What routers, hosts and sockets need from their {@link VirtualNetwork} (internal). */
export interface VnetContext extends LinkContext {
  readonly log: ScopedLogger;
  readonly closed: boolean;
  /** A new Rng for one link, derived from the network's seed in creation order. */
  forkRng(): Rng;
  delivered(p: VirtualPacket): void;
  sent(p: VirtualPacket): void;
  /** Runs `fn` now when the packet already left the sender's stack, else on a zero-delay timer. */
  handOver(p: VirtualPacket, fn: () => void): void;
}

/** Something attached to a router's LAN that receives packets addressed to it. */
export interface LanEndpoint {
  receiveFromRouter(p: VirtualPacket): void;
}

/** Packets routed through more routers than this are dropped (a routing loop). */
export const MAX_HOPS = 64;
