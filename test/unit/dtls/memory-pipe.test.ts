import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { createMemoryPipe } from '../../support/memory-pipe.js';

describe('memory pipe', () => {
  it('delivers copies after the latency, both ways, and nothing after close', async () => {
    const clock = new FakeClock();
    const [a, b] = createMemoryPipe({ clock, latencyMs: 5 });
    const got: string[] = [];
    a.onMessage((d) => got.push(`a:${d.toString()}`));
    b.onMessage((d) => got.push(`b:${d.toString()}`));
    const buf = Buffer.from('x');
    a.send(buf);
    buf[0] = 0x79; // the pipe copied it
    b.send(Buffer.from('z'));
    await clock.advance(4);
    expect(got).toEqual([]);
    await clock.advance(1);
    expect(got.sort()).toEqual(['a:z', 'b:x']);
    let closed = false;
    b.onClose(() => (closed = true));
    a.send(Buffer.from('late'));
    b.close();
    b.close();
    expect(closed).toBe(true);
    await clock.advance(10);
    expect(got.length).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('applies seeded loss, duplication, reordering and the MTU reproducibly', async () => {
    const run = async (seed: number) => {
      const clock = new FakeClock();
      const [a, b] = createMemoryPipe({ clock, seed, lossRate: 0.3, duplicateRate: 0.3, reorderRate: 0.3, mtu: 100 });
      const got: number[] = [];
      b.onMessage((d) => got.push(d.length === 1 ? d[0]! : -1));
      for (let i = 0; i < 200; i++) a.send(Buffer.from([i]));
      a.send(Buffer.alloc(101));
      await clock.advance(100);
      return { got, stats: { ...a.stats } };
    };
    const r1 = await run(5);
    const r2 = await run(5);
    expect(r1).toEqual(r2);
    expect(r1.stats.oversize).toBe(1);
    expect(r1.stats.lost).toBeGreaterThan(30);
    expect(r1.stats.duplicated).toBeGreaterThan(20);
    const sorted = [...r1.got].sort((x, y) => x - y);
    expect(r1.got).not.toEqual(sorted); // reordered
    expect(new Set(r1.got).size).toBeLessThan(r1.got.length); // duplicated
    expect(r1.got).not.toContain(-1);
  });

  it('a filter drops chosen datagrams', async () => {
    const clock = new FakeClock();
    const [a, b] = createMemoryPipe({ clock });
    const got: Buffer[] = [];
    b.onMessage((d) => got.push(d));
    a.setFilter((d) => d[0] !== 0);
    a.send(Buffer.from([0]));
    a.send(Buffer.from([1]));
    await clock.advance(5);
    expect(got).toEqual([Buffer.from([1])]);
    expect(a.stats.filtered).toBe(1);
  });
});
