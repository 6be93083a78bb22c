import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../../src/candidate/index.js';
import { EARLY_DATA_MAX, IceConnectionImpl } from '../../../src/agent/ice-connection.js';

function connection(): IceConnectionImpl {
  return new IceConnectionImpl({
    sendData: () => undefined,
    selectedLocal: () => ({}) as Candidate,
    selectedRemote: () => ({}) as Candidate,
    closeAgent: () => undefined,
  });
}

const d = (n: number): Buffer => Buffer.from([0x80, n]);

describe('IceConnection early data', () => {
  it('holds datagrams that arrive before a handler and hands them over in order, after the caller’s setup', async () => {
    const c = connection();
    c.deliver(d(1));
    c.deliver(d(2));
    const got: number[] = [];
    c.onMessage((x) => got.push(x[1]!));
    expect(got).toEqual([]); // not inside onMessage(): the caller may still be setting up
    c.deliver(d(3)); // arrives while the held ones wait: stays behind them
    await Promise.resolve();
    expect(got).toEqual([1, 2, 3]);
    c.deliver(d(4));
    expect(got).toEqual([1, 2, 3, 4]);
    expect(c.packetsReceived).toBe(4);
  });

  it('holds at most EARLY_DATA_MAX datagrams and counts the rest', async () => {
    const c = connection();
    for (let i = 0; i < EARLY_DATA_MAX + 5; i++) c.deliver(d(i));
    expect(c.earlyDropped).toBe(5);
    const got: number[] = [];
    c.onMessage((x) => got.push(x[1]!));
    await Promise.resolve();
    expect(got).toHaveLength(EARLY_DATA_MAX);
  });

  it('drops what it holds when closed', async () => {
    const c = connection();
    c.deliver(d(1));
    const got: number[] = [];
    c.onMessage((x) => got.push(x[1]!));
    c.close();
    await Promise.resolve();
    expect(got).toEqual([]);
  });
});
