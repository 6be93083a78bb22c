import type { SeededRng } from '../../../src/common/rng.js';
import type { SctpAssociationCore, SctpEvent } from '../../../src/sctp/association-core.js';

/** One direction of a simulated path: propagation delay, bottleneck bandwidth with a drop-tail queue, random loss, reordering, duplication. */
export interface LinkOptions {
  delayMs: number;
  /** Bottleneck rate in bits per second; Infinity = no serialization delay. */
  bandwidthBps?: number;
  /** Bytes the bottleneck queue holds before dropping (default: one BDP, at least 64 KiB). */
  queueBytes?: number;
  loss?: number;
  /** Share of packets delayed by an extra `reorderDelayMs` (so later packets overtake them). */
  reorder?: number;
  reorderDelayMs?: number;
  duplicate?: number;
  /** Drops the packets for which it returns true (scripted loss). */
  filter?: (data: Uint8Array, now: number) => boolean;
}

export class Link {
  readonly #o: Required<Omit<LinkOptions, 'filter'>>;
  readonly #filter: LinkOptions['filter'];
  readonly #rng: SeededRng;
  #busyUntil = 0;
  /** Pending deliveries, kept sorted by time (stable). */
  #q: { at: number; data: Uint8Array }[] = [];
  #qh = 0;
  sent = 0;
  lost = 0;
  queueDrops = 0;
  /** Bytes delivered (for throughput shares). */
  delivered = 0;

  constructor(o: LinkOptions, rng: SeededRng) {
    const bw = o.bandwidthBps ?? Infinity;
    this.#o = {
      delayMs: o.delayMs,
      bandwidthBps: bw,
      queueBytes: o.queueBytes ?? (bw === Infinity ? Infinity : Math.max(65536, (bw / 8) * (2 * o.delayMs) / 1000)),
      loss: o.loss ?? 0,
      reorder: o.reorder ?? 0,
      reorderDelayMs: o.reorderDelayMs ?? 5,
      duplicate: o.duplicate ?? 0,
    };
    this.#rng = rng;
    this.#filter = o.filter;
  }

  send(data: Uint8Array, now: number): void {
    this.sent++;
    const o = this.#o;
    if (this.#filter?.(data, now)) {
      this.lost++;
      return;
    }
    let at = now;
    if (o.bandwidthBps !== Infinity) {
      const start = Math.max(now, this.#busyUntil);
      if (((start - now) * o.bandwidthBps) / 8000 > o.queueBytes) {
        this.queueDrops++;
        return;
      }
      this.#busyUntil = start + (data.length * 8 * 1000) / o.bandwidthBps;
      at = this.#busyUntil;
    }
    if (this.#rng.float() < o.loss) {
      this.lost++;
      return;
    }
    at += o.delayMs;
    if (o.reorder > 0 && this.#rng.float() < o.reorder) at += o.reorderDelayMs * this.#rng.float();
    this.#push(at, data);
    if (o.duplicate > 0 && this.#rng.float() < o.duplicate) this.#push(at + 1, data.slice());
  }

  #push(at: number, data: Uint8Array): void {
    const q = this.#q;
    let i = q.length;
    while (i > this.#qh && q[i - 1]!.at > at) i--;
    if (i === q.length) q.push({ at, data });
    else q.splice(i, 0, { at, data });
  }

  get next(): number | undefined {
    return this.#qh < this.#q.length ? this.#q[this.#qh]!.at : undefined;
  }

  /** The next packet due at or before `now`. */
  pop(now: number): Uint8Array | undefined {
    if (this.#qh >= this.#q.length || this.#q[this.#qh]!.at > now) return undefined;
    const p = this.#q[this.#qh++]!;
    if (this.#qh > 4096) {
      this.#q = this.#q.slice(this.#qh);
      this.#qh = 0;
    }
    this.delivered += p.data.length;
    return p.data;
  }
}

export interface Endpoint {
  core: SctpAssociationCore;
  onEvent?: (e: SctpEvent, now: number) => void;
}

/**
 * Steps two cores on virtual time over two links until `until` (ms) or `done()` holds.
 * `onStep(now)` runs after every step (the application's turn). Returns the final time.
 */
export function runPair(
  a: Endpoint,
  b: Endpoint,
  ab: Link,
  ba: Link,
  opts: { start?: number; until: number; done?: () => boolean; onStep?: (now: number) => void; maxSteps?: number },
): number {
  let now = opts.start ?? 0;
  const maxSteps = opts.maxSteps ?? 20_000_000;
  const drain = (e: Endpoint, link: Link): void => {
    for (let i = 0; i < 100000; i++) {
      let progressed = false;
      for (let p = e.core.pollTransmit(); p !== undefined; p = e.core.pollTransmit()) {
        link.send(p, now);
        progressed = true;
      }
      for (let ev = e.core.pollEvent(); ev !== undefined; ev = e.core.pollEvent()) {
        e.onEvent?.(ev, now);
        progressed = true;
      }
      if (!progressed) return;
    }
  };
  for (let step = 0; step < maxSteps; step++) {
    opts.onStep?.(now);
    drain(a, ab);
    drain(b, ba);
    if (opts.done?.()) return now;
    let next = Infinity;
    for (const t of [a.core.pollTimeout(), b.core.pollTimeout(), ab.next, ba.next]) if (t !== undefined && t < next) next = t;
    if (next === Infinity || next > opts.until) return now;
    if (next > now) now = next;
    for (let p = ab.pop(now); p !== undefined; p = ab.pop(now)) {
      b.core.handleInput(p, now);
      drain(b, ba);
    }
    for (let p = ba.pop(now); p !== undefined; p = ba.pop(now)) {
      a.core.handleInput(p, now);
      drain(a, ab);
    }
    const ta = a.core.pollTimeout();
    if (ta !== undefined && ta <= now) a.core.handleTimeout(now);
    const tb = b.core.pollTimeout();
    if (tb !== undefined && tb <= now) b.core.handleTimeout(now);
  }
  throw new Error('simulation step limit reached');
}
