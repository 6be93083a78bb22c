import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/common/fake-clock.js';
import { CryptoRng, SeededRng, randomIceString } from '../../src/common/rng.js';
import { TernError } from '../../src/common/errors.js';
import { DropCounter } from '../../src/common/drop-counter.js';

describe('rng', () => {
  it('seeded rng is deterministic', () => {
    const a = new SeededRng(42);
    const b = new SeededRng(42);
    expect(a.bytes(16)).toEqual(b.bytes(16));
    expect(a.uint32()).toBe(b.uint32());
  });
  it('crypto rng gives distinct ice strings of the requested length', () => {
    const rng = new CryptoRng();
    const s = new Set(Array.from({ length: 100 }, () => randomIceString(rng, 24)));
    expect(s.size).toBe(100);
    for (const v of s) expect(v).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });
  it('float stays in [0, 1)', () => {
    const rng = new SeededRng(1);
    for (let i = 0; i < 1000; i++) {
      const f = rng.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });
});

describe('FakeClock', () => {
  it('fires timers in deadline order and skips cancelled ones', async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b'), 20);
    const c = clock.setTimer(() => fired.push('c'), 15);
    clock.setTimer(() => fired.push('a'), 10);
    clock.clearTimer(c);
    await clock.advance(25);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(25);
  });
  it('runs promise jobs between timers', async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(() => {
      void Promise.resolve().then(() => clock.setTimer(() => seen.push(clock.now()), 5));
    }, 10);
    await clock.advance(20);
    expect(seen).toEqual([15]);
  });
});

describe('errors and drops', () => {
  it('TernError carries code and cause', () => {
    const e = new TernError('ERR_X', 'boom', { cause: 1 });
    expect(e.code).toBe('ERR_X');
    expect(e.cause).toBe(1);
    expect(e.name).toBe('TernError');
  });
  it('DropCounter counts by reason', () => {
    const d = new DropCounter();
    d.drop('a');
    d.drop('a');
    d.drop('b');
    expect(d.total).toBe(3);
    expect(d.toJSON()).toEqual({ a: 2, b: 1 });
  });
});

describe('DeadlineTimer', () => {
  it('arms once per deadline, re-arms on change, and disarms', async () => {
    const { DeadlineTimer } = await import('../../src/common/deadline-timer.js');
    const clock = new FakeClock();
    const fired: number[] = [];
    const t = new DeadlineTimer(clock, (now) => fired.push(now));
    t.set(100);
    t.set(100);
    expect(clock.pendingTimers).toBe(1);
    t.set(50);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(60);
    expect(fired).toEqual([50]);
    t.set(undefined);
    t.set(Infinity);
    expect(clock.pendingTimers).toBe(0);
    t.set(80);
    t.clear();
    await clock.advance(100);
    expect(fired).toEqual([50]);
  });
});

describe('ownedCopy', () => {
  it('copies bytes into memory of their own, not a view of the source or a pool slab', async () => {
    const { ownedCopy } = await import('../../src/common/owned-bytes.js');
    const slab = Buffer.from('0123456789abcdef0123456789abcdef');
    const view = slab.subarray(4, 20);
    const copy = ownedCopy(view);
    expect(copy.equals(view)).toBe(true);
    expect(copy.buffer).not.toBe(slab.buffer);
    expect(copy.byteOffset).toBe(0);
    expect(copy.buffer.byteLength).toBe(16);
    view[0] = 0;
    expect(copy[0]).toBe('4'.charCodeAt(0));
  });
});

describe('allocPacket', () => {
  it('cuts disjoint, 8-byte aligned buffers from shared slabs, and gives large ones their own memory', async () => {
    const { allocPacket } = await import('../../src/common/packet-slab.js');
    const bufs = Array.from({ length: 200 }, (_, i) => {
      const b = allocPacket(1200 + (i % 17));
      b.fill(i & 0xff);
      return b;
    });
    for (const [i, b] of bufs.entries()) {
      expect(b.length).toBe(1200 + (i % 17));
      expect(b.byteOffset % 8).toBe(0);
      expect(b.every((x) => x === (i & 0xff))).toBe(true); // nothing cut later overlapped it
    }
    expect(new Set(bufs.map((b) => b.buffer)).size).toBeGreaterThan(1);
    expect(new Set(bufs.map((b) => b.buffer)).size).toBeLessThan(20);
    const big = allocPacket(10_000);
    expect(big.length).toBe(10_000);
    expect(big.byteOffset).toBe(0);
    expect(allocPacket(0).length).toBe(0);
  });
});

describe('SystemClock', () => {
  it('runs a timer due now on the next loop turn, and clears it like any other', async () => {
    const { SystemClock } = await import('../../src/common/clock.js');
    const clock = new SystemClock();
    const order: string[] = [];
    clock.setTimer(() => order.push('later'), 1);
    clock.setTimer(() => order.push('now'), 0);
    const cleared = clock.setTimer(() => order.push('cleared'), -5);
    clock.clearTimer(cleared);
    const clearedLater = clock.setTimer(() => order.push('cleared-later'), 2);
    clock.clearTimer(clearedLater);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['now', 'later']);
  });
});

describe('LazyState and LazyEvents', () => {
  it('LazyState behaves like a BehaviorSubject once asked for, and listeners follow changes without one', async () => {
    const { LazyState } = await import('../../src/common/lazy-subjects.js');
    const s = new LazyState('new');
    const heard: string[] = [];
    const off = s.listen((v) => heard.push(v));
    expect(s.set('new')).toBe(false);
    expect(s.set('checking')).toBe(true);
    const seen: string[] = [];
    let completed = false;
    s.asObservable().subscribe({ next: (v) => seen.push(v), complete: () => (completed = true) });
    s.set('connected');
    off();
    s.set('closed');
    s.complete();
    expect(s.set('new')).toBe(false);
    expect(heard).toEqual(['checking', 'connected']);
    expect(seen).toEqual(['checking', 'connected', 'closed']);
    expect(completed).toBe(true);
    // A stream first asked for after completion completes at once, as a completed subject does.
    let late = false;
    s.asObservable().subscribe({ complete: () => (late = true) });
    expect(late).toBe(true);
  });

  it('LazyEvents drops events nobody asked for and delivers the rest', async () => {
    const { LazyEvents } = await import('../../src/common/lazy-subjects.js');
    const e = new LazyEvents<number>();
    e.next(1);
    expect(e.observed).toBe(false);
    const seen: number[] = [];
    e.asObservable().subscribe((v) => seen.push(v));
    expect(e.observed).toBe(true);
    e.next(2);
    e.complete();
    e.next(3);
    expect(seen).toEqual([2]);
    expect(e.observed).toBe(false);
  });
});
