import { describe, expect, it } from 'vitest';
import type { SctpSendOptions } from '../../../src/sctp/association-core.js';
import { checkMessage, makeMessage, Pair, sizeOf } from './harness.js';

/**
 * Two association cores on virtual time over a seeded lossy link, for every combination of
 * ordered/unordered × reliable/partially reliable (maxRetransmits, lifetime), with I-DATA and
 * with plain DATA. Seeds are fixed; a failure names its combination.
 */
const LOSSY = { delayMs: 10, bandwidthBps: 20e6, loss: 0.1, reorder: 0.05, reorderDelayMs: 20, duplicate: 0.02 };

type Mode = { name: string; unordered: boolean; pr: SctpSendOptions; partial: boolean };
const MODES: Mode[] = [];
for (const unordered of [false, true]) {
  const o = unordered ? 'unordered' : 'ordered';
  MODES.push({ name: `${o} reliable`, unordered, pr: {}, partial: false });
  MODES.push({ name: `${o} maxRetransmits=0`, unordered, pr: { maxRetransmits: 0 }, partial: true });
  MODES.push({ name: `${o} lifetime=300ms`, unordered, pr: { maxPacketLifeTimeMs: 300 }, partial: true });
}

interface Outcome {
  got: number[];
  bad: number;
  pair: Pair;
}

/** Sends `n` messages of sizeOf(i, maxSize) on stream 1, keeping ≤ `window` bytes buffered; runs until all are accounted for. */
function transfer(pair: Pair, mode: Mode, n: number, maxSize: number, window = 200_000, limitMs = 600_000): Outcome {
  const got: number[] = [];
  let bad = 0;
  let sent = 0;
  pair.onB = (e) => {
    if (e.type !== 'message') return;
    const i = checkMessage(e.data, (k) => sizeOf(k, maxSize));
    if (i < 0 || e.streamId !== 1 || e.ppid !== 53) bad++;
    else got.push(i);
  };
  const a = pair.a;
  pair.run(
    pair.now + limitMs,
    () =>
      got.length === n ||
      (mode.partial && sent === n && a.bufferedAmount(1) === 0 && a.stats.flightSize === 0 && got.length + a.stats.abandonedMessages >= n),
    () => {
      while (sent < n && a.bufferedAmount(1) < window) {
        a.send(1, 53, makeMessage(sent, sizeOf(sent, maxSize)), { unordered: mode.unordered, ...mode.pr });
        sent++;
      }
    },
  );
  return { got, bad, pair };
}

function expectDelivery(o: Outcome, mode: Mode, n: number): void {
  expect(o.bad).toBe(0);
  expect(new Set(o.got).size).toBe(o.got.length); // no duplicates
  if (!mode.unordered) for (let i = 1; i < o.got.length; i++) expect(o.got[i]!).toBeGreaterThan(o.got[i - 1]!);
  if (!mode.partial) {
    expect(o.got.length).toBe(n);
    expect(o.pair.a.stats.abandonedMessages).toBe(0);
  } else {
    // Every message is delivered or was given up by the sender; none silently lost.
    expect(o.got.length + o.pair.a.stats.abandonedMessages).toBeGreaterThanOrEqual(n);
  }
}

describe.each([true, false])('SCTP delivery (I-DATA %s)', (interleaving) => {
  describe.each(MODES)('$name', (mode) => {
    it('10% loss with reordering and duplication: 1,000 messages of 4 B..5 KB', () => {
      const pair = new Pair(11, LOSSY, { interleaving });
      pair.connect();
      const o = transfer(pair, mode, 1000, 5000);
      expectDelivery(o, mode, 1000);
      if (mode.pr.maxRetransmits === 0) expect(o.pair.a.stats.abandonedMessages).toBeGreaterThan(0);
      expect(pair.b.stats.duplicateTsns).toBeGreaterThan(0);
    });

    it('10,000 small messages over 10% loss with reordering and duplication', () => {
      const pair = new Pair(12, LOSSY, { interleaving });
      pair.connect();
      const o = transfer(pair, mode, 10_000, 120, 50_000);
      expectDelivery(o, mode, 10_000);
    });

    // With plain DATA only two modes: the fragment path is shared, and each run costs ~1 s.
    const big = interleaving || mode.name === 'ordered reliable' || mode.name === 'unordered maxRetransmits=0';
    it.runIf(big)('a 16 MiB message over 1% loss with reordering', () => {
      const size = 16 * 1024 * 1024;
      const opts = { interleaving, maxMessageSize: size, sendHighWaterMark: 2 * size };
      const pair = new Pair(13, { delayMs: 10, bandwidthBps: 200e6, loss: 0.01, reorder: 0.01, duplicate: 0.01 }, opts);
      pair.connect();
      // Partial reliability generous enough for a 14,000-fragment message to survive 1% loss.
      const pr = mode.pr.maxRetransmits !== undefined ? { maxRetransmits: 6 } : mode.pr.maxPacketLifeTimeMs ? { maxPacketLifeTimeMs: 60_000 } : {};
      const got: Uint8Array[] = [];
      pair.onB = (e) => {
        if (e.type === 'message') got.push(e.data);
      };
      const msg = makeMessage(7, size);
      pair.a.send(2, 53, msg, { unordered: mode.unordered, ...pr });
      pair.a.send(2, 51, makeMessage(8, 100), { unordered: mode.unordered, ...pr });
      pair.run(pair.now + 120_000, () => got.length === 2);
      expect(got.length).toBe(2);
      const big = got.find((m) => m.length === size)!;
      expect(checkMessage(big)).toBe(7);
      if (!mode.unordered) expect(got[0]!.length).toBe(size);
    });
  });
});
