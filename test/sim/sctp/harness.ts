import { SeededRng } from '../../../src/common/rng.js';
import { SctpAssociationCore, type SctpAssociationOptions, type SctpEvent } from '../../../src/sctp/association-core.js';
import { Link, runPair, type LinkOptions } from './link.js';

export type CoreOpts = Omit<SctpAssociationOptions, 'rng'>;

/** Two cores on a simulated path, both calling connect (as WebRTC peers do). */
export class Pair {
  readonly a: SctpAssociationCore;
  readonly b: SctpAssociationCore;
  readonly ab: Link;
  readonly ba: Link;
  now = 0;
  readonly aEvents: SctpEvent[] = [];
  readonly bEvents: SctpEvent[] = [];
  onA?: (e: SctpEvent, now: number) => void;
  onB?: (e: SctpEvent, now: number) => void;

  constructor(seed: number, link: LinkOptions | { ab: LinkOptions; ba: LinkOptions }, opts: CoreOpts = {}, optsB: CoreOpts = opts) {
    const rng = new SeededRng(seed);
    this.a = new SctpAssociationCore({ ...opts, rng: new SeededRng(seed * 7 + 1) });
    this.b = new SctpAssociationCore({ ...optsB, rng: new SeededRng(seed * 7 + 2) });
    const l = 'ab' in link ? link : { ab: link, ba: link };
    this.ab = new Link(l.ab, rng);
    this.ba = new Link(l.ba, rng);
  }

  run(until: number, done?: () => boolean, onStep?: (now: number) => void): number {
    this.now = runPair(
      {
        core: this.a,
        onEvent: (e, now) => {
          if (e.type !== 'message') this.aEvents.push(e);
          this.onA?.(e, now);
        },
      },
      {
        core: this.b,
        onEvent: (e, now) => {
          if (e.type !== 'message') this.bEvents.push(e);
          this.onB?.(e, now);
        },
      },
      this.ab,
      this.ba,
      { start: this.now, until, ...(done ? { done } : {}), ...(onStep ? { onStep } : {}) },
    );
    return this.now;
  }

  /** Connects (both sides send INIT) and runs until both are established. */
  connect(limitMs = 30000, bothInit = true): void {
    this.a.connect(this.now);
    if (bothInit) this.b.connect(this.now);
    this.run(this.now + limitMs, () => this.a.state === 'established' && this.b.state === 'established');
    if (this.a.state !== 'established' || this.b.state !== 'established') {
      throw new Error(`not established: ${this.a.state}/${this.b.state}`);
    }
  }
}

/** A message whose bytes encode its index and size, checkable on arrival. */
export function makeMessage(index: number, size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = (index * 31 + i * 7) & 0xff;
  if (size >= 4) {
    m[0] = index >>> 24;
    m[1] = index >>> 16;
    m[2] = index >>> 8;
    m[3] = index;
  }
  return m;
}

/** The index of a message made by {@link makeMessage}, or -1 if its contents are wrong. */
export function checkMessage(m: Uint8Array, expectedSize?: (index: number) => number): number {
  if (m.length < 4) return -1;
  const index = ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
  if (expectedSize && expectedSize(index) !== m.length) return -1;
  for (let i = 4; i < m.length; i++) if (m[i] !== ((index * 31 + i * 7) & 0xff)) return -1;
  return index;
}

/** Deterministic message sizes 4..maxSize, mostly small. */
export function sizeOf(index: number, maxSize: number): number {
  const r = (Math.imul(index + 1, 2654435761) >>> 0) / 2 ** 32;
  return 4 + Math.floor(r * r * r * (maxSize - 4));
}
