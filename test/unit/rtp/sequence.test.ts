import { describe, expect, it } from 'vitest';
import { isNewerSeq, isNewerTimestamp, seqAdd, seqDiff, SeqUnwrapper, timestampDiff, TimestampUnwrapper } from '../../../src/rtp/sequence.js';

describe('sequence arithmetic', () => {
  it('compares and subtracts across the wrap', () => {
    expect(isNewerSeq(1, 65535)).toBe(true);
    expect(isNewerSeq(65535, 1)).toBe(false);
    expect(isNewerSeq(5, 5)).toBe(false);
    expect(isNewerSeq(0x8000, 0)).toBe(true);
    expect(isNewerSeq(0, 0x8000)).toBe(false);
    expect(seqDiff(2, 65534)).toBe(4);
    expect(seqDiff(65534, 2)).toBe(-4);
    expect(seqAdd(65535, 2)).toBe(1);
    expect(timestampDiff(10, 0xfffffff0)).toBe(26);
    expect(isNewerTimestamp(10, 0xfffffff0)).toBe(true);
    expect(isNewerTimestamp(0xfffffff0, 10)).toBe(false);
  });

  it('unwraps to monotonic values, tolerating reordering', () => {
    const u = new SeqUnwrapper();
    const input = [65530, 65535, 2, 1, 30000, 60000, 3];
    expect(input.map((s) => u.unwrap(s))).toEqual([65530, 65535, 65538, 65537, 95536, 125536, 131075]);
    const t = new TimestampUnwrapper();
    expect([0xfffffff0, 16, 0xfffffff8].map((x) => t.unwrap(x))).toEqual([0xfffffff0, 0x100000010, 0xfffffff8]);
  });
});
