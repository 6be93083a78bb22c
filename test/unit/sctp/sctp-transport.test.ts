import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { SctpTransport, type SctpTransportOptions } from '../../../src/sctp/sctp-transport.js';

/** Two transports joined by a 5 ms link on one fake clock. */
function pair(clock: FakeClock, extra: Partial<SctpTransportOptions> = {}) {
  const log = { a: [] as string[], b: [] as string[] };
  const ends: { a?: SctpTransport; b?: SctpTransport } = {};
  const link = (to: 'a' | 'b') => ({
    send: (d: Uint8Array) => {
      const copy = d.slice();
      clock.setTimer(() => ends[to]?.receive(copy), 5);
    },
  });
  const cb = (side: 'a' | 'b'): Partial<SctpTransportOptions> => ({
    onConnected: (i) => log[side].push(`connected ${i.outboundStreams}`),
    onMessage: (s, ppid, d) => log[side].push(`message ${s} ${ppid} ${new TextDecoder().decode(d)}`),
    onStreamReset: (ids) => log[side].push(`reset ${ids.join(',')}`),
    onOutgoingResetDone: (ids) => log[side].push(`reset-done ${ids.join(',')}`),
    onBufferedAmountLow: (s) => log[side].push(`low ${s}`),
    onClosed: (r) => log[side].push(`closed ${r}`),
  });
  ends.a = new SctpTransport(link('b'), { rng: new SeededRng(1), clock, ...cb('a'), ...extra });
  ends.b = new SctpTransport(link('a'), { rng: new SeededRng(2), clock, ...cb('b') });
  return { a: ends.a, b: ends.b, log };
}

describe('SctpTransport', () => {
  /** Packets `a` sends synchronously during a loop of 40 sends of 16 KiB, once its window has grown. */
  async function burstOfSendLoop(maxPacketsPerTurn?: number): Promise<number> {
    const clock = new FakeClock();
    let sent = 0;
    const received: number[] = [];
    const ends: { a?: SctpTransport; b?: SctpTransport } = {};
    const link = (to: 'a' | 'b') => ({
      send: (d: Uint8Array) => {
        if (to === 'b') sent++;
        const copy = d.slice();
        clock.setTimer(() => ends[to]?.receive(copy), 1);
      },
    });
    ends.a = new SctpTransport(link('b'), { rng: new SeededRng(1), clock, ...(maxPacketsPerTurn ? { maxPacketsPerTurn } : {}) });
    ends.b = new SctpTransport(link('a'), { rng: new SeededRng(2), clock, onMessage: (_s, _p, d) => received.push(d.length) });
    const { a, b } = ends as { a: SctpTransport; b: SctpTransport };
    a.connect();
    b.connect();
    await clock.runUntil(() => a.state === 'established' && b.state === 'established', 5000);
    for (let i = 0; i < 40; i++) a.send(1, 53, new Uint8Array(16 * 1024));
    await clock.runUntil(() => received.length === 40, 10_000);
    expect(a.stats.cwnd).toBeGreaterThan(10 * 1200);
    sent = 0;
    for (let i = 0; i < 40; i++) a.send(1, 53, new Uint8Array(16 * 1024));
    const burst = sent;
    await clock.runUntil(() => received.length === 80, 10_000);
    expect(received).toEqual(new Array(80).fill(16 * 1024));
    a.close();
    b.close();
    return burst;
  }

  it('a loop of sends releases one burst budget (Max.Burst plus what the last SACK freed), not Max.Burst per call', async () => {
    // The window allows more than 10 packets; Max.Burst per call would release all of them.
    expect(await burstOfSendLoop()).toBeLessThanOrEqual(8);
  });

  it('sends at most maxPacketsPerTurn packets in one synchronous turn and the rest on later turns', async () => {
    expect(await burstOfSendLoop(2)).toBeLessThanOrEqual(2);
    const clock = new FakeClock();
    expect(() => new SctpTransport({ send: () => undefined }, { rng: new SeededRng(3), clock, maxPacketsPerTurn: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SCTP_CONFIG' }),
    );
  });

  it('connects, carries messages both ways, resets a stream and closes, releasing its timer', async () => {
    const clock = new FakeClock();
    const { a, b, log } = pair(clock);
    a.connect();
    b.connect();
    await clock.runUntil(() => a.state === 'established' && b.state === 'established', 5000);
    a.send(1, 51, new TextEncoder().encode('hello'));
    b.send(2, 51, new TextEncoder().encode('world'));
    await clock.advance(100);
    expect(log.b).toContain('message 1 51 hello');
    expect(log.a).toContain('message 2 51 world');
    a.resetStreams([1]);
    await clock.advance(100);
    expect(log.a).toContain('reset-done 1');
    expect(log.b).toContain('reset 1');
    a.close('bye');
    expect(a.closed).toBe(true);
    expect(log.a.at(-1)).toBe('closed local');
    await clock.advance(100);
    expect(log.b.at(-1)).toBe('closed abort');
    expect(b.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(() => a.send(1, 51, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ERR_SCTP_CLOSED' }));
    a.close(); // idempotent
  });

  it('shuts down gracefully and a throwing callback does not break the association', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { a, b, log } = pair(clock, {
      onMessage: () => {
        calls++;
        throw new Error('application bug');
      },
    });
    a.connect();
    await clock.runUntil(() => b.state === 'established', 5000);
    b.send(0, 53, new Uint8Array(10));
    b.send(0, 53, new Uint8Array(10));
    await clock.advance(100);
    expect(calls).toBe(2);
    a.shutdown();
    await clock.runUntil(() => a.closed && b.closed, 5000);
    expect(log.a.at(-1)).toBe('closed shutdown');
    expect(log.b.at(-1)).toBe('closed shutdown');
    expect(clock.pendingTimers).toBe(0);
  });
});
