import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { DeliveryQueue } from '../../../src/vnet/delivery-queue.js';

describe('DeliveryQueue', () => {
  it('runs entries in (time, insertion) order behind a single clock timer', async () => {
    const clock = new FakeClock();
    const q = new DeliveryQueue(clock, () => undefined);
    const order: string[] = [];
    for (const [name, delay] of [['c', 30], ['a', 10], ['b', 10], ['d', 20]] as const) q.schedule(delay, () => order.push(name));
    expect(clock.pendingTimers).toBe(1);
    expect(q.size).toBe(4);
    await clock.advance(15);
    expect(order).toEqual(['a', 'b']);
    await clock.advance(20);
    expect(order).toEqual(['a', 'b', 'd', 'c']);
    expect(q.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cancels, rearms for an earlier entry, and defers zero-delay entries added while firing', async () => {
    const clock = new FakeClock();
    const q = new DeliveryQueue(clock, () => undefined);
    const order: string[] = [];
    const cancel = q.schedule(50, () => order.push('cancelled'));
    q.schedule(5, () => {
      order.push('first');
      q.schedule(0, () => order.push('follow-up'));
      void Promise.resolve().then(() => order.push('microtask'));
    });
    q.schedule(5, () => order.push('second'));
    cancel();
    cancel();
    expect(q.size).toBe(2);
    await clock.advance(100);
    expect(order).toEqual(['first', 'second', 'microtask', 'follow-up']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps going when an entry throws, and close() clears everything', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const q = new DeliveryQueue(clock, (e) => errors.push(e));
    const ran: number[] = [];
    q.schedule(1, () => {
      throw new Error('boom');
    });
    q.schedule(1, () => ran.push(1));
    q.schedule(10, () => ran.push(2));
    await clock.advance(2);
    expect(errors).toHaveLength(1);
    expect(ran).toEqual([1]);
    q.close();
    expect(clock.pendingTimers).toBe(0);
    expect(q.size).toBe(0);
    q.schedule(1, () => ran.push(3));
    await clock.advance(20);
    expect(ran).toEqual([1]);
  });
});
