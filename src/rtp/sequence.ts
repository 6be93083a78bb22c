/**
 * Wrap-around arithmetic for RTP sequence numbers (16 bits) and timestamps
 * (32 bits), RFC 3550 §A.1 style: a value is "newer" when it is less than
 * half the number space ahead.
 */

const SEQ_MOD = 0x10000;
const SEQ_HALF = 0x8000;
const TS_MOD = 0x100000000;
const TS_HALF = 0x80000000;

/** Signed distance a - b between two sequence numbers, in [-2^15, 2^15). */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= SEQ_HALF ? d - SEQ_MOD : d;
}

/**
 * True when sequence number `a` is newer than `b`. At exactly half the space
 * apart the larger value counts as newer, so the relation stays antisymmetric.
 */
export function isNewerSeq(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  if (d === SEQ_HALF) return a > b;
  return d !== 0 && d < SEQ_HALF;
}

/** `seq + n` modulo 2^16. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Signed distance a - b between two 32-bit timestamps, in [-2^31, 2^31). */
export function timestampDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

/** True when timestamp `a` is newer than `b` (same tie rule as isNewerSeq). */
export function isNewerTimestamp(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  if (d === TS_HALF) return a >>> 0 > b >>> 0;
  return d !== 0 && d < TS_HALF;
}

/**
 * Extends wrapping counters to monotonic integers (the "unwrap to 64 bits"
 * of libwebrtc's SeqNumUnwrapper). Values stay exact up to 2^53, i.e.
 * 2^37 wraps of a 16-bit counter. The first value unwraps to itself; later
 * values land within half the space of the previous one, so reordered input
 * can unwrap to a smaller (or negative) number.
 */
class Unwrapper {
  readonly #mod: number;
  readonly #half: number;
  #last: number | undefined;

  constructor(bits: 16 | 32) {
    this.#mod = bits === 16 ? SEQ_MOD : TS_MOD;
    this.#half = bits === 16 ? SEQ_HALF : TS_HALF;
  }

  unwrap(value: number): number {
    const last = this.#last;
    if (last === undefined) {
      this.#last = value;
      return value;
    }
    const mod = this.#mod;
    const lastMod = ((last % mod) + mod) % mod;
    let d = value - lastMod;
    if (d >= this.#half) d -= mod;
    else if (d < -this.#half) d += mod;
    const out = last + d;
    this.#last = out;
    return out;
  }

  /** The last unwrapped value, if any. */
  get last(): number | undefined {
    return this.#last;
  }

  reset(): void {
    this.#last = undefined;
  }
}

/** Unwraps 16-bit RTP sequence numbers. */
export class SeqUnwrapper extends Unwrapper {
  constructor() {
    super(16);
  }
}

/** Unwraps 32-bit RTP timestamps. */
export class TimestampUnwrapper extends Unwrapper {
  constructor() {
    super(32);
  }
}
