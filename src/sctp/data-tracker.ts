import { ChunkType } from './constants.js';
import { tsnAdd, tsnDiff, tsnLt } from './tsn.js';
import { w16, w32 } from './wire.js';

/** Furthest ahead of the cumulative TSN a DATA chunk is accepted (also the SACK gap offset range). */
export const MAX_TSN_AHEAD = 65535;
/** Most separate gap ranges kept; a chunk that would open one more is dropped (the peer resends it). */
export const MAX_GAP_RANGES = 4096;
/** Duplicate TSNs reported per SACK (RFC 9260 §3.3.4 allows any; bounded here). */
const MAX_DUPS = 32;

export type TsnVerdict = 'new' | 'duplicate' | 'out-of-window' | 'too-many-gaps';

/**
 * The receiver's view of the peer's TSNs (RFC 9260 §6.2): the cumulative TSN, the ranges received
 * above it (sorted, disjoint, not adjacent), duplicates since the last SACK; writes SACKs.
 */
export class DataTracker {
  cumTsn = 0;
  /** Range starts and ends (absolute TSNs), ascending. */
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  #dups: number[] = [];

  init(peerInitialTsn: number): void {
    this.cumTsn = tsnAdd(peerInitialTsn, -1);
    this.#starts.length = 0;
    this.#ends.length = 0;
    this.#dups = [];
  }

  get hasGaps(): boolean {
    return this.#starts.length > 0;
  }

  get dupCount(): number {
    return this.#dups.length;
  }

  /** Whether `tsn` was already received. */
  has(tsn: number): boolean {
    const d = tsnDiff(tsn, this.cumTsn);
    if (d <= 0) return true;
    const i = this.#find(tsn);
    return i >= 0 && tsnDiff(tsn, this.#starts[i]!) >= 0 && tsnDiff(tsn, this.#ends[i]!) <= 0;
  }

  /** Index of the last range whose start ≤ tsn, or -1. */
  #find(tsn: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (tsnDiff(tsn, this.#starts[mid]!) >= 0) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Records a received TSN. */
  observe(tsn: number): TsnVerdict {
    const d = tsnDiff(tsn, this.cumTsn);
    if (d <= 0) return this.#dup(tsn);
    if (d > MAX_TSN_AHEAD) return 'out-of-window';
    const starts = this.#starts;
    const ends = this.#ends;
    if (d === 1) {
      this.cumTsn = tsn;
      if (starts.length > 0 && starts[0] === tsnAdd(tsn, 1)) {
        this.cumTsn = ends[0]!;
        starts.shift();
        ends.shift();
      }
      return 'new';
    }
    const i = this.#find(tsn);
    if (i >= 0 && tsnDiff(tsn, ends[i]!) <= 0) return this.#dup(tsn);
    const joinsLeft = i >= 0 && ends[i] === tsnAdd(tsn, -1);
    const joinsRight = i + 1 < starts.length && starts[i + 1] === tsnAdd(tsn, 1);
    if (joinsLeft && joinsRight) {
      ends[i] = ends[i + 1]!;
      starts.splice(i + 1, 1);
      ends.splice(i + 1, 1);
    } else if (joinsLeft) ends[i] = tsn;
    else if (joinsRight) starts[i + 1] = tsn;
    else {
      if (starts.length >= MAX_GAP_RANGES) return 'too-many-gaps';
      starts.splice(i + 1, 0, tsn);
      ends.splice(i + 1, 0, tsn);
    }
    return 'new';
  }

  #dup(tsn: number): TsnVerdict {
    if (this.#dups.length < MAX_DUPS) this.#dups.push(tsn);
    return 'duplicate';
  }

  /** FORWARD-TSN (RFC 3758 §3.6): everything up to `newCum` counts as received. */
  forwardTo(newCum: number): boolean {
    if (!tsnLt(this.cumTsn, newCum)) return false;
    const d = tsnDiff(newCum, this.cumTsn);
    if (d > MAX_TSN_AHEAD) return false;
    this.cumTsn = newCum;
    const starts = this.#starts;
    const ends = this.#ends;
    while (starts.length > 0 && tsnDiff(ends[0]!, newCum) <= 0) {
      starts.shift();
      ends.shift();
    }
    if (starts.length > 0 && tsnDiff(starts[0]!, tsnAdd(newCum, 1)) <= 0) {
      this.cumTsn = ends[0]!;
      starts.shift();
      ends.shift();
    }
    return true;
  }

  /** Size of the SACK chunk that {@link writeSack} would write with at most `maxBytes`. */
  sackSize(maxBytes: number): number {
    const room = Math.max(0, Math.floor((maxBytes - 16) / 4));
    const gaps = Math.min(this.#starts.length, room);
    const dups = Math.min(this.#dups.length, room - gaps);
    return 16 + 4 * (gaps + dups);
  }

  /** Writes a SACK chunk at `o` (size from {@link sackSize}); clears the duplicate list. Returns the end offset. */
  writeSack(b: Uint8Array, o: number, aRwnd: number, maxBytes: number): number {
    const room = Math.max(0, Math.floor((maxBytes - 16) / 4));
    let gaps = 0;
    const cum = this.cumTsn;
    const n = Math.min(this.#starts.length, room);
    for (; gaps < n; gaps++) if (tsnDiff(this.#ends[gaps]!, cum) > 0xffff) break;
    const dups = Math.min(this.#dups.length, room - gaps);
    const len = 16 + 4 * (gaps + dups);
    b[o] = ChunkType.Sack;
    b[o + 1] = 0;
    w16(b, o + 2, len);
    w32(b, o + 4, cum);
    w32(b, o + 8, aRwnd);
    w16(b, o + 12, gaps);
    w16(b, o + 14, dups);
    let p = o + 16;
    for (let i = 0; i < gaps; i++, p += 4) {
      w16(b, p, tsnDiff(this.#starts[i]!, cum));
      w16(b, p + 2, tsnDiff(this.#ends[i]!, cum));
    }
    for (let i = 0; i < dups; i++, p += 4) w32(b, p, this.#dups[i]!);
    this.#dups = [];
    return o + len;
  }
}
