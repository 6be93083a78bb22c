import type { Rng } from '../common/rng.js';
import { InvalidArgumentError } from '../common/errors.js';
import { clonePacket, headerBytes, type VirtualPacket } from './packet.js';

/**
 * Impairments of one link (a router's uplink, or a host's link to its router),
 * applied independently in each direction and drawn from the link's own seeded
 * Rng, so a given seed always loses, delays and reorders the same packets.
 */
export interface LinkImpairment {
  /** Probability (0..1) that a datagram is lost. TCP segments are retransmitted instead (after an RTO). */
  lossRate?: number;
  /** One-way delay in ms. */
  latencyMs?: number;
  /** Extra one-way delay, uniform in [0, jitterMs). Packets stay in order unless `reorderRate` says otherwise. */
  jitterMs?: number;
  /** Probability (0..1) that a datagram is delivered twice. */
  duplicateRate?: number;
  /** Probability (0..1) that a datagram is held back by `reorderDelayMs` and overtaken by later ones. */
  reorderRate?: number;
  /** How long a reordered datagram is held back (default {@link DEFAULT_REORDER_DELAY_MS}). */
  reorderDelayMs?: number;
  /** Largest IP packet (headers included); larger datagrams are dropped (no fragmentation). */
  mtu?: number;
  /** Link rate in bits per second; packets queue behind each other. */
  bandwidthBps?: number;
  /** Longest queueing delay before tail drop, when `bandwidthBps` is set (default {@link DEFAULT_MAX_QUEUE_DELAY_MS}). */
  maxQueueDelayMs?: number;
}

export const DEFAULT_REORDER_DELAY_MS = 20;
export const DEFAULT_MAX_QUEUE_DELAY_MS = 500;
/** Linux's minimum TCP retransmission timeout (RFC 6298 allows a lower minimum than 1 s). */
export const TCP_RTO_MS = 200;
/** Retransmissions before a TCP connection is aborted (Linux tcp_retries2 is larger; bounded for tests). */
export const TCP_MAX_RETRANSMITS = 6;

export type LinkDirection = 'up' | 'down';

/** What a link needs from the network: scheduling and accounting. */
export interface LinkContext {
  now(): number;
  /** Runs `fn` after `delayMs` on the network's clock; the returned function cancels it. */
  schedule(delayMs: number, fn: () => void): () => void;
  drop(reason: string, p: VirtualPacket): void;
  count(what: 'duplicated' | 'reordered' | 'retransmitted'): void;
}

interface DirectionState {
  /** Latest scheduled arrival; in-order packets never arrive before it. */
  lastArrivalMs: number;
  /** When the transmitter is next free (bandwidth). */
  busyUntilMs: number;
}

export function validateImpairment(i: LinkImpairment): void {
  const rate = (v: number | undefined, n: string): void => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new InvalidArgumentError(`${n} must be in 0..1, got ${v}`);
  };
  const nonNeg = (v: number | undefined, n: string): void => {
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new InvalidArgumentError(`${n} must be >= 0, got ${v}`);
  };
  rate(i.lossRate, 'lossRate');
  rate(i.duplicateRate, 'duplicateRate');
  rate(i.reorderRate, 'reorderRate');
  nonNeg(i.latencyMs, 'latencyMs');
  nonNeg(i.jitterMs, 'jitterMs');
  nonNeg(i.reorderDelayMs, 'reorderDelayMs');
  nonNeg(i.maxQueueDelayMs, 'maxQueueDelayMs');
  if (i.mtu !== undefined && !(i.mtu >= 68)) throw new InvalidArgumentError(`mtu must be >= 68, got ${i.mtu}`);
  if (i.bandwidthBps !== undefined && !(i.bandwidthBps > 0)) throw new InvalidArgumentError('bandwidthBps must be > 0');
}

/** A bidirectional link with deterministic impairments. */
export class VirtualLink {
  #impairment: LinkImpairment = {};
  #active = false;
  readonly #rng: Rng;
  readonly #ctx: LinkContext;
  readonly #dir: Record<LinkDirection, DirectionState> = {
    up: { lastArrivalMs: 0, busyUntilMs: 0 },
    down: { lastArrivalMs: 0, busyUntilMs: 0 },
  };

  constructor(ctx: LinkContext, rng: Rng, impairment?: LinkImpairment) {
    this.#ctx = ctx;
    this.#rng = rng;
    if (impairment) this.impairment = impairment;
  }

  get impairment(): LinkImpairment {
    return { ...this.#impairment };
  }

  set impairment(i: LinkImpairment) {
    validateImpairment(i);
    this.#impairment = { ...i };
    this.#active = Object.values(i).some((v) => v !== undefined && v !== 0);
  }

  /** Sends `p` across the link; `next` runs when it arrives at the far end. */
  transmit(p: VirtualPacket, direction: LinkDirection, next: (p: VirtualPacket) => void): void {
    if (!this.#active) {
      next(p);
      return;
    }
    const imp = this.#impairment;
    const ctx = this.#ctx;
    const now = ctx.now();
    const size = p.data.length + headerBytes(p);
    if (imp.mtu !== undefined && size > imp.mtu) {
      ctx.drop('mtu', p);
      return;
    }
    const state = this.#dir[direction];
    let extraMs = 0;
    if (imp.lossRate) {
      if (p.protocol === 'udp') {
        if (this.#rng.float() < imp.lossRate) {
          ctx.drop('loss', p);
          return;
        }
      } else {
        // TCP hides loss: each lost transmission costs a (doubling) retransmission timeout.
        let attempt = 0;
        while (this.#rng.float() < imp.lossRate) {
          if (attempt === TCP_MAX_RETRANSMITS) {
            ctx.drop('tcp-retransmit-limit', p);
            p.tcp?.origin?.abort('retransmission limit reached');
            return;
          }
          extraMs += TCP_RTO_MS * 2 ** attempt;
          attempt++;
          ctx.count('retransmitted');
        }
      }
    }
    let delayMs = (imp.latencyMs ?? 0) + extraMs;
    if (imp.jitterMs) delayMs += this.#rng.float() * imp.jitterMs;
    if (imp.bandwidthBps) {
      const start = Math.max(now, state.busyUntilMs);
      const queueMs = start - now;
      if (queueMs > (imp.maxQueueDelayMs ?? DEFAULT_MAX_QUEUE_DELAY_MS)) {
        ctx.drop('queue-overflow', p);
        return;
      }
      const txMs = (size * 8 * 1000) / imp.bandwidthBps;
      state.busyUntilMs = start + txMs;
      delayMs += queueMs + txMs;
    }
    let arrival = now + delayMs;
    // TCP segments are reordered by the receiver's reassembly anyway; only datagrams are held back.
    if (imp.reorderRate && p.protocol === 'udp' && this.#rng.float() < imp.reorderRate) {
      arrival += imp.reorderDelayMs ?? DEFAULT_REORDER_DELAY_MS;
      ctx.count('reordered');
    } else if (extraMs === 0) {
      arrival = Math.max(arrival, state.lastArrivalMs);
      state.lastArrivalMs = arrival;
    }
    const duplicate = !!imp.duplicateRate && p.protocol === 'udp' && this.#rng.float() < imp.duplicateRate;
    const copy = duplicate ? clonePacket(p) : undefined;
    ctx.schedule(arrival - now, () => {
      p.async = true;
      next(p);
    });
    if (copy) {
      ctx.count('duplicated');
      ctx.schedule(arrival - now, () => {
        copy.async = true;
        next(copy);
      });
    }
  }
}
