/**
 * Wire interop with an independent SCTP implementation in process: werift's SCTP (TypeScript,
 * DATA + CRC32c, no I-DATA, no zero checksum) against our core driven by SctpTransport on the
 * system clock, over an in-memory link. Both sides connect; messages of mixed sizes go both
 * ways, ordered and unordered; the stream is reset; the association closes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { SctpTransport } from '../../../src/sctp/sctp-transport.js';
import { checkMessage, makeMessage } from './harness.js';

interface WeriftSctp {
  start(port?: number): Promise<void>;
  send(streamId: number, ppid: number, data: Buffer, opts?: { ordered?: boolean }): Promise<void>;
  onReceive: { subscribe(fn: (streamId: number, ppid: number, data: Buffer) => void): unknown };
  stop(): Promise<void>;
  associationState: number;
}
type WeriftTransport = { onData?: (b: Buffer) => void; send(b: Buffer): Promise<void>; close(): void };

function loadWerift(): { server(t: WeriftTransport, port?: number): WeriftSctp } | undefined {
  try {
    const require = createRequire(import.meta.url);
    return require(join(dirname(require.resolve('werift')), '../../sctp/src/index.js')).SCTP;
  } catch {
    return undefined;
  }
}

const SCTP = loadWerift();

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return pred();
}

describe.runIf(SCTP)('SCTP interop with werift', () => {
  it('connects, exchanges 200 messages both ways, and closes', async () => {
    const wt: WeriftTransport = {
      send: async (b) => {
        setImmediate(() => ours.receive(new Uint8Array(b)));
      },
      close: () => {},
    };
    const received: number[] = [];
    let closed = '';
    const ours: SctpTransport = new SctpTransport(
      { send: (d) => setImmediate(() => wt.onData?.(Buffer.from(d))) },
      {
        rng: new SeededRng(5),
        onMessage: (_s, _p, d) => received.push(checkMessage(d)),
        onClosed: (r) => {
          closed = r;
        },
      },
    );
    const theirs = SCTP!.server(wt, 5000);
    const theirsGot: number[] = [];
    theirs.onReceive.subscribe((_s, _p, d) => theirsGot.push(checkMessage(new Uint8Array(d))));
    void theirs.start(5000);
    ours.connect();
    expect(await until(() => ours.state === 'established', 5000)).toBe(true);
    expect(ours.core.interleaving).toBe(false);
    expect(ours.core.zeroChecksumInUse).toBe(false);
    const size = (i: number): number => 4 + ((i * 7919) % 30000);
    for (let i = 0; i < 100; i++) ours.send(1, 53, makeMessage(i, size(i)), i % 2 ? { unordered: true } : undefined);
    for (let i = 0; i < 100; i++) await theirs.send(2, 53, Buffer.from(makeMessage(1000 + i, size(i))));
    expect(await until(() => theirsGot.length === 100 && received.length === 100, 10000)).toBe(true);
    expect([...theirsGot].sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    expect(received).toEqual([...Array(100).keys()].map((i) => 1000 + i));
    ours.resetStreams([1]);
    expect(await until(() => ours.core.bufferedAmount(1) === 0 && ours.stats.flightSize === 0, 2000)).toBe(true);
    ours.close();
    expect(closed).toBe('local');
    await theirs.stop().catch(() => {});
  }, 30000);
});
