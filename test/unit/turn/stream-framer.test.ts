import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StunClass, StunMethod } from '../../../src/stun/constants.js';
import { StunMessage } from '../../../src/stun/message.js';
import { decodeChannelData, encodeChannelData, looksLikeChannelData } from '../../../src/turn/channel-data.js';
import { MAX_STREAM_FRAME_BYTES } from '../../../src/turn/constants.js';
import { StreamFramer } from '../../../src/turn/stream-framer.js';

function stun(n: number): Buffer {
  return new StunMessage(StunMethod.Data, StunClass.Indication, Buffer.alloc(12, n))
    .setData(Buffer.alloc(n % 9, n))
    .encode();
}

describe('ChannelData (RFC 8656 §12.4)', () => {
  it('round-trips with and without padding', () => {
    const padded = encodeChannelData(0x4001, Buffer.from('abcde'), true);
    expect(padded.length).toBe(12);
    expect(padded.subarray(0, 4)).toEqual(Buffer.from([0x40, 0x01, 0x00, 0x05]));
    expect(padded.subarray(9)).toEqual(Buffer.alloc(3));
    expect(decodeChannelData(padded)).toEqual({ channel: 0x4001, data: Buffer.from('abcde') });
    const bare = encodeChannelData(0x4fff, Buffer.from('abcd'), false);
    expect(bare.length).toBe(8);
    expect(decodeChannelData(bare)?.data).toEqual(Buffer.from('abcd'));
    expect(looksLikeChannelData(bare)).toBe(true);
  });

  it('rejects reserved channel numbers and short messages', () => {
    expect(decodeChannelData(Buffer.from([0x50, 0, 0, 0]))).toBeUndefined(); // 0x5000 reserved
    expect(decodeChannelData(Buffer.from([0x40, 0, 0, 5, 1, 2]))).toBeUndefined(); // length beyond input
    expect(decodeChannelData(Buffer.from([0x40, 0]))).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = decodeChannelData(bytes);
        if (r) expect(r.channel).toBeGreaterThanOrEqual(0x4000);
      }),
      { numRuns: 500 },
    );
  });
});

describe('StreamFramer (TURN over TCP/TLS)', () => {
  it('reassembles STUN and padded ChannelData split at any points', () => {
    const frameArb = fc.oneof(
      fc.nat({ max: 40 }).map((n) => ({ wire: stun(n), frame: stun(n) })),
      fc.tuple(fc.integer({ min: 0x4000, max: 0x4fff }), fc.uint8Array({ maxLength: 30 })).map(([ch, d]) => ({
        wire: encodeChannelData(ch, d, true),
        frame: encodeChannelData(ch, d, false),
      })),
    );
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), fc.array(fc.nat({ max: 50 }), { maxLength: 20 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => f.wire));
        const framer = new StreamFramer();
        const out: Buffer[] = [];
        let pos = 0;
        for (const c of cuts) {
          const end = Math.min(stream.length, pos + c);
          out.push(...framer.push(stream.subarray(pos, end)).map((b) => Buffer.from(b)));
          pos = end;
        }
        out.push(...framer.push(stream.subarray(pos)).map((b) => Buffer.from(b)));
        expect(out).toEqual(frames.map((f) => f.frame));
        expect(framer.bufferedBytes).toBe(0);
        expect(framer.failed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('delivers a frame dribbled one byte at a time', () => {
    const msg = stun(30);
    const framer = new StreamFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < msg.length; i++) out.push(...framer.push(msg.subarray(i, i + 1)));
    expect(out).toEqual([msg]);
  });

  it('fails (and stays failed) on a byte that starts neither STUN nor ChannelData', () => {
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from([0x80, 0, 0, 0]))).toEqual([]);
    expect(framer.failed).toBe(true);
    expect(framer.push(stun(1))).toEqual([]);
  });

  it('fails on a STUN length that is not a multiple of 4', () => {
    const framer = new StreamFramer();
    framer.push(Buffer.from([0x00, 0x01, 0x00, 0x05]));
    expect(framer.failed).toBe(true);
  });

  it('keeps buffering bounded and never throws on garbage', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 30 }), (chunks) => {
        const framer = new StreamFramer();
        for (const c of chunks) {
          framer.push(Buffer.from(c));
          expect(framer.bufferedBytes).toBeLessThanOrEqual(MAX_STREAM_FRAME_BYTES);
        }
      }),
      { numRuns: 300 },
    );
  });
});
