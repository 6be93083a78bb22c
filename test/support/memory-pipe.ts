import type { Clock } from '../../src/common/clock.js';
import { SeededRng, type Rng } from '../../src/common/rng.js';
import type { DatagramTransport } from '../../src/transport/datagram-transport.js';

/**
 * Impairments of one direction of a {@link createMemoryPipe} pipe. Every
 * random decision comes from the pipe's seeded Rng, so a run is reproducible
 * from its seed.
 */
export interface PipeImpairment {
  /** Probability in [0, 1] that a datagram is dropped. */
  lossRate?: number;
  /** Probability that a datagram is delivered twice. */
  duplicateRate?: number;
  /** Probability that a datagram gets an extra random delay (up to `reorderDelayMs`), so later ones overtake it. */
  reorderRate?: number;
  /** Maximum extra delay of a reordered or duplicated datagram. Default 20 ms. */
  reorderDelayMs?: number;
  /** One-way latency. Default 1 ms. */
  latencyMs?: number;
  /** Datagrams larger than this are dropped (counted as `oversize`), like a path MTU. */
  mtu?: number;
}

export interface MemoryPipeOptions extends PipeImpairment {
  clock: Clock;
  /** Seed of the impairment decisions (default 1), or an Rng. */
  seed?: number;
  rng?: Rng;
}

export interface PipeStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  oversize: number;
  filtered: number;
}

/** Return false to drop a datagram (e.g. to make one side never answer). */
export type PipeFilter = (data: Buffer) => boolean;

const DEFAULT_LATENCY_MS = 1;
const DEFAULT_REORDER_DELAY_MS = 20;

/**
 * One end of an in-memory datagram pipe. Datagrams are copied on send and
 * delivered on the injected clock (a `FakeClock` in tests), so nothing runs
 * until the test advances time.
 */
export class MemoryDatagramTransport implements DatagramTransport {
  readonly stats: PipeStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, oversize: 0, filtered: 0 };
  #peer: MemoryDatagramTransport | undefined;
  #handler: ((data: Buffer) => void) | undefined;
  #onClose: ((reason?: Error) => void) | undefined;
  #closed = false;
  #impairment: PipeImpairment;
  #filter: PipeFilter | undefined;
  readonly #timers = new Set<ReturnType<Clock['setTimer']>>();

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    impairment: PipeImpairment,
    readonly name: string,
  ) {
    this.#impairment = { ...impairment };
  }

  /** @internal links the two ends. */
  link(peer: MemoryDatagramTransport): void {
    this.#peer = peer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Changes the impairments of datagrams sent from this end. */
  setImpairment(impairment: PipeImpairment): void {
    this.#impairment = { ...impairment };
  }

  /** Filters datagrams sent from this end (return false to drop). */
  setFilter(filter: PipeFilter | undefined): void {
    this.#filter = filter;
  }

  send(data: Uint8Array): void {
    if (this.#closed) return;
    const peer = this.#peer;
    if (!peer) return;
    this.stats.sent++;
    const imp = this.#impairment;
    const copy = Buffer.from(data);
    if (imp.mtu !== undefined && copy.length > imp.mtu) {
      this.stats.oversize++;
      return;
    }
    if (this.#filter && !this.#filter(copy)) {
      this.stats.filtered++;
      return;
    }
    if (imp.lossRate && this.rng.float() < imp.lossRate) {
      this.stats.lost++;
      return;
    }
    const latency = imp.latencyMs ?? DEFAULT_LATENCY_MS;
    const extra = imp.reorderDelayMs ?? DEFAULT_REORDER_DELAY_MS;
    let delay = latency;
    if (imp.reorderRate && this.rng.float() < imp.reorderRate) {
      this.stats.reordered++;
      delay += this.rng.float() * extra;
    }
    this.#schedule(peer, copy, delay);
    if (imp.duplicateRate && this.rng.float() < imp.duplicateRate) {
      this.stats.duplicated++;
      this.#schedule(peer, copy, latency + this.rng.float() * extra);
    }
  }

  #schedule(peer: MemoryDatagramTransport, data: Buffer, delayMs: number): void {
    const handle = this.clock.setTimer(() => {
      this.#timers.delete(handle);
      if (this.#closed) return;
      if (peer.deliver(data)) this.stats.delivered++;
    }, delayMs);
    this.#timers.add(handle);
  }

  /** @internal hands a datagram to this end's handler. */
  deliver(data: Buffer): boolean {
    if (this.#closed || !this.#handler) return false;
    this.#handler(Buffer.from(data));
    return true;
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.#handler = handler;
  }

  onClose(handler: (reason?: Error) => void): void {
    this.#onClose = handler;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) this.clock.clearTimer(t);
    this.#timers.clear();
    this.#handler = undefined;
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.();
  }
}

/**
 * A connected pair of in-memory {@link DatagramTransport}s with seeded loss,
 * reordering, duplication, latency and an MTU, delivered on `clock`. The
 * impairments apply to both directions (change one with `setImpairment`).
 */
export function createMemoryPipe(options: MemoryPipeOptions): [MemoryDatagramTransport, MemoryDatagramTransport] {
  const rng = options.rng ?? new SeededRng(options.seed ?? 1);
  const { clock, seed: _seed, rng: _rng, ...impairment } = options;
  const a = new MemoryDatagramTransport(clock, rng, impairment, 'a');
  const b = new MemoryDatagramTransport(clock, rng, impairment, 'b');
  a.link(b);
  b.link(a);
  return [a, b];
}
