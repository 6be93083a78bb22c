/**
 * Fuzzing of the SCTP chunk decoders and of an established association's packet input: whatever
 * the bytes, a decoder returns or throws SctpDecodeError, and `handleInput` never throws, keeps
 * its state and counts what it drops. Mutated real packets (bit flips, truncation, extension)
 * reach deeper than random bytes; checksums are zero (RFC 9653) so mutations are not all caught
 * by the CRC.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/common/rng.js';
import { SctpAssociationCore } from '../../src/sctp/association-core.js';
import { decodeForwardTsn, decodeInit, decodeReconfig, SackView } from '../../src/sctp/chunks.js';
import { SctpDecodeError } from '../../src/sctp/errors.js';
import { makeMessage, Pair } from '../sim/sctp/harness.js';

const RUNS = Number(process.env['TERN_FUZZ_RUNS'] ?? 400);

const DECODERS: ReadonlyArray<readonly [string, (b: Uint8Array) => unknown]> = [
  ['INIT', (b) => decodeInit(b, 0, b.length)],
  ['SACK', (b) => new SackView().decode(b, 0, b.length)],
  ['FORWARD-TSN', (b) => decodeForwardTsn(b, 0, b.length, false)],
  ['I-FORWARD-TSN', (b) => decodeForwardTsn(b, 0, b.length, true)],
  ['RE-CONFIG', (b) => decodeReconfig(b, 0, b.length)],
];

describe('SCTP decoders throw only SctpDecodeError', () => {
  it.each(DECODERS)('%s on random bytes', (_n, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(SctpDecodeError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** Real packets of an established pair exchanging data, plus the pair itself, per seed. */
function capture(interleaving: boolean): { packets: Uint8Array[]; fresh: () => SctpAssociationCore } {
  const packets: Uint8Array[] = [];
  const pair = new Pair(31, {
    ab: {
      delayMs: 5,
      loss: 0.1,
      filter: (d) => {
        packets.push(d.slice());
        return false;
      },
    },
    ba: {
      delayMs: 5,
      filter: (d) => {
        packets.push(d.slice());
        return false;
      },
    },
  }, { interleaving });
  pair.connect();
  for (let i = 0; i < 30; i++) pair.a.send(i % 3, 53, makeMessage(i, 100 + i * 97), i % 2 ? { unordered: true, maxRetransmits: 0 } : undefined);
  pair.a.resetStreams([2]);
  pair.run(pair.now + 5000);
  pair.b.shutdown(pair.now);
  pair.run(pair.now + 5000);
  // A receiver in the same position as `pair.b` right after the handshake: same seed, same packets.
  const fresh = (): SctpAssociationCore => {
    const p = new Pair(31, { delayMs: 5 }, { interleaving });
    p.connect();
    return p.b;
  };
  return { packets, fresh };
}

describe.each([true, false])('SCTP association input never throws (I-DATA %s)', (interleaving) => {
  const { packets, fresh } = capture(interleaving);

  it('random bytes', () => {
    const core = fresh();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (b) => {
        core.handleInput(b, 1000);
        while (core.pollTransmit());
        while (core.pollEvent());
      }),
      { numRuns: RUNS },
    );
    expect(core.state).toBe('established');
  });

  it('mutated real packets', () => {
    fc.assert(
      fc.property(
        fc.nat(packets.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.integer({ min: -40, max: 40 }),
        (i, flips, resize) => {
          const core = fresh();
          const src = packets[i]!;
          let b = src.slice();
          for (const [pos, v] of flips) b[12 + (pos % Math.max(1, b.length - 12))] = v;
          b.fill(0, 8, 12);
          if (resize < 0) b = b.subarray(0, Math.max(0, b.length + resize));
          else if (resize > 0) {
            const g = new Uint8Array(b.length + resize);
            g.set(b);
            b = g;
          }
          for (const p of packets.slice(0, 40)) core.handleInput(p, 1000);
          core.handleInput(b, 1001);
          core.handleTimeout(5000);
          for (let n = 0; core.pollTransmit() && n < 10000; n++);
          for (let n = 0; core.pollEvent() && n < 10000; n++);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('reassembly under any fragment order', () => {
  it.each([true, false])('delivers each message exactly once whatever the order and duplication (I-DATA %s)', (interleaving) => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.boolean(),
        (sizes, seed, unordered) => {
          // A real sender fragments (its peer acknowledging in order); every packet it sends is
          // then replayed shuffled and duplicated into an identical receiver (same seed).
          let capturing = false;
          const packets: Uint8Array[] = [];
          const link = {
            delayMs: 1,
            filter: (d: Uint8Array): boolean => {
              if (capturing) packets.push(d.slice());
              return false;
            },
          };
          const opts = { interleaving, mtu: 300 };
          const sender = new Pair(seed, { ab: link, ba: { delayMs: 1 } }, opts);
          sender.connect();
          capturing = true;
          sizes.forEach((s, i) => sender.a.send(4, 53, makeMessage(i, Math.max(4, s)), { unordered }));
          sender.run(sender.now + 10000, () => sender.a.stats.flightSize === 0 && sender.a.bufferedAmount(4) === 0);
          const pair = new Pair(seed, { delayMs: 1 }, opts);
          pair.connect();
          const rng = new SeededRng(seed);
          const order = packets.flatMap((p) => (rng.float() < 0.3 ? [p, p] : [p]));
          for (let k = order.length - 1; k > 0; k--) {
            const j = Math.floor(rng.float() * (k + 1));
            [order[k], order[j]] = [order[j]!, order[k]!];
          }
          const got: number[] = [];
          for (const p of order) {
            pair.b.handleInput(p, pair.now);
            for (let e = pair.b.pollEvent(); e; e = pair.b.pollEvent()) {
              if (e.type === 'message') got.push(((e.data[0]! << 24) | (e.data[1]! << 16) | (e.data[2]! << 8) | e.data[3]!) >>> 0);
            }
          }
          expect([...got].sort((x, y) => x - y)).toEqual(sizes.map((_, i) => i));
          if (!unordered) expect(got).toEqual(sizes.map((_, i) => i));
        },
      ),
      { numRuns: Math.min(RUNS, 100) },
    );
  });
});
