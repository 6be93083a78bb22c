import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { VirtualNetwork, type LinkImpairment } from '../../../src/vnet/index.js';
import { collect } from './vnet-helpers.js';

/** A sender behind an impaired router uplink, a receiver on the WAN. */
async function path(impairment: LinkImpairment, seed = 1) {
  const clock = new FakeClock();
  const net = new VirtualNetwork({ clock, rng: new SeededRng(seed) });
  const router = net.addRouter({
    lanCidr: '192.168.0.0/24',
    publicAddress: '203.0.113.1',
    nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
    impairment,
  });
  const tx = await net.addHost({ router, address: '192.168.0.2' }).bindUdp({ address: '192.168.0.2', port: 5000 });
  const rx = await net.addHost({ router: net.wan, address: '198.51.100.1' }).bindUdp({ address: '198.51.100.1', port: 6000 });
  const got = collect(rx);
  const arrivals: number[] = [];
  rx.onMessage((data, from) => {
    got.push({ data, from });
    arrivals.push(clock.now());
  });
  return { clock, net, router, tx, rx, got, arrivals };
}

async function sendNumbered(t: Awaited<ReturnType<typeof path>>, n: number, gapMs = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    t.tx.send(b, t.rx.localAddress);
    await t.clock.advance(gapMs);
  }
}

const order = (got: Array<{ data: Buffer }>): number[] => got.map((g) => g.data.readUInt32BE(0));

describe('vnet impairments', () => {
  it('loses a statistically plausible share, exactly the same for the same seed', async () => {
    const run = async (seed: number): Promise<number> => {
      const t = await path({ lossRate: 0.2 }, seed);
      await sendNumbered(t, 2000, 0.5);
      await t.clock.advance(10);
      expect(t.net.stats.droppedByReason['loss'] ?? 0).toBe(2000 - t.got.length);
      t.net.close();
      return t.got.length;
    };
    const a = await run(7);
    expect(await run(7)).toBe(a); // deterministic
    // 2000 trials at p = 0.8: mean 1600, sd ~17.9; 5 sd either side
    expect(a).toBeGreaterThan(1600 - 90);
    expect(a).toBeLessThan(1600 + 90);
    expect(a).toBe(1587); // the exact count for seed 7
  });

  it('delays by the latency and keeps order under jitter', async () => {
    const t = await path({ latencyMs: 40, jitterMs: 30 });
    const sentAt: number[] = [];
    for (let i = 0; i < 50; i++) {
      sentAt.push(t.clock.now());
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      t.tx.send(b, t.rx.localAddress);
      await t.clock.advance(2);
    }
    await t.clock.advance(200);
    expect(order(t.got)).toEqual([...Array(50).keys()]);
    for (let i = 0; i < 50; i++) {
      const d = t.arrivals[i]! - sentAt[i]!;
      expect(d).toBeGreaterThanOrEqual(40);
      if (i === 0) expect(d).toBeLessThan(70);
    }
    t.net.close();
  });

  it('latency without jitter is exact and applied per uplink crossed', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const nat = { mapping: 'endpoint-independent', filtering: 'endpoint-independent' } as const;
    const r1 = net.addRouter({ lanCidr: '10.0.1.0/24', publicAddress: '203.0.113.1', nat, impairment: { latencyMs: 25 } });
    const r2 = net.addRouter({ lanCidr: '10.0.2.0/24', publicAddress: '203.0.113.2', nat, impairment: { latencyMs: 15 } });
    const a = await net.addHost({ router: r1, address: '10.0.1.2' }).bindUdp({ address: '10.0.1.2', port: 1000 });
    const b = await net.addHost({ router: r2, address: '10.0.2.2' }).bindUdp({ address: '10.0.2.2', port: 2000 });
    // punch b's NAT (EIM/EIF) first so a can reach it
    const server = await net.addHost({ router: net.wan, address: '198.51.100.1' }).bindUdp({ address: '198.51.100.1', port: 1 });
    const seen = collect(server);
    b.send(Buffer.from('punch'), server.localAddress);
    await clock.advance(100);
    const bPublic = seen[0]!.from;
    let arrivedAt = -1;
    b.onMessage(() => {
      arrivedAt = clock.now();
    });
    const start = clock.now();
    a.send(Buffer.from('x'), bPublic);
    await clock.advance(100);
    expect(arrivedAt - start).toBe(40);
    net.close();
  });

  it('reorders and duplicates with the configured rates, deterministically', async () => {
    const t = await path({ latencyMs: 5, reorderRate: 0.1, reorderDelayMs: 10, duplicateRate: 0.05 }, 3);
    await sendNumbered(t, 500, 1);
    await t.clock.advance(100);
    const seq = order(t.got);
    const stats = t.net.stats;
    expect(seq.length).toBe(500 + stats.duplicated);
    expect(stats.reordered).toBeGreaterThan(25);
    expect(stats.reordered).toBeLessThan(80);
    expect(stats.duplicated).toBeGreaterThan(10);
    expect(stats.duplicated).toBeLessThan(45);
    let inversions = 0;
    for (let i = 1; i < seq.length; i++) if (seq[i]! < seq[i - 1]!) inversions++;
    expect(inversions).toBeGreaterThan(0);
    expect(new Set(seq).size).toBe(500);
    t.net.close();
  });

  it('drops datagrams over the MTU', async () => {
    const t = await path({ mtu: 1280 });
    t.tx.send(Buffer.alloc(1252), t.rx.localAddress); // 1252 + 28 = 1280
    t.tx.send(Buffer.alloc(1253), t.rx.localAddress);
    await t.clock.advance(1);
    expect(t.got.map((g) => g.data.length)).toEqual([1252]);
    expect(t.net.stats.droppedByReason['mtu']).toBe(1);
    t.net.close();
  });

  it('serialises at the link rate and tail-drops past the queue limit', async () => {
    // 1 Mbit/s: a 1000-byte payload (1028 bytes on the wire) takes 8.224 ms
    const t = await path({ bandwidthBps: 1_000_000, maxQueueDelayMs: 50 });
    for (let i = 0; i < 20; i++) t.tx.send(Buffer.alloc(1000), t.rx.localAddress);
    await t.clock.advance(500);
    expect(t.arrivals[0]).toBeCloseTo(8.224, 6);
    expect(t.arrivals[1]).toBeCloseTo(16.448, 6);
    // queued up to 50 ms: 7 packets (0..6 wait 0..49.3 ms), the rest are dropped
    expect(t.got.length).toBe(7);
    expect(t.net.stats.droppedByReason['queue-overflow']).toBe(13);
    t.net.close();
  });

  it('impairs a single host link and can be changed at run time', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const a = net.addHost({ router: net.wan, address: '198.51.100.1', impairment: { latencyMs: 30 } });
    const b = net.addHost({ router: net.wan, address: '198.51.100.2' });
    const sa = await a.bindUdp({ address: '198.51.100.1', port: 1 });
    const sb = await b.bindUdp({ address: '198.51.100.2', port: 1 });
    let at = -1;
    sb.onMessage(() => {
      at = clock.now();
    });
    sa.send(Buffer.from('x'), sb.localAddress);
    await clock.advance(100);
    expect(at).toBe(30);
    net.setImpairment(a, { lossRate: 1 });
    sa.send(Buffer.from('x'), sb.localAddress);
    await clock.advance(100);
    expect(at).toBe(30);
    expect(net.stats.droppedByReason['loss']).toBe(1);
    expect(() => net.setImpairment(a, { lossRate: 2 })).toThrow(/lossRate/);
    net.close();
  });
});

describe('vnet close', () => {
  it('cancels every scheduled delivery and leaves no timers on the clock', async () => {
    const t = await path({ latencyMs: 50, jitterMs: 10 });
    for (let i = 0; i < 20; i++) t.tx.send(Buffer.alloc(10), t.rx.localAddress);
    expect(t.clock.pendingTimers).toBeGreaterThan(0);
    expect(t.net.pendingDeliveries).toBeGreaterThan(0);
    t.net.close();
    t.net.close(); // idempotent
    expect(t.clock.pendingTimers).toBe(0);
    expect(t.net.pendingDeliveries).toBe(0);
    await t.clock.advance(1000);
    expect(t.got).toHaveLength(0);
    expect(t.tx.closed).toBe(true);
    expect(t.rx.closed).toBe(true);
    expect(() => t.net.addHost({ router: t.net.wan, address: '198.51.100.5' })).toThrow(/closed/);
  });
});
