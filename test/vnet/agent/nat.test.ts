import { afterEach, describe, expect, it } from 'vitest';
import type { IceConnection } from '../../../src/agent/index.js';
import { EIM_ADF, EIM_PRC, SYMMETRIC, connect, exchange, makeWorld, type World } from './vnet-world.js';

let world: World | undefined;
afterEach(() => {
  world?.close();
  world = undefined;
});

function conn(x: IceConnection | Error): IceConnection {
  if (x instanceof Error) throw x;
  return x;
}

describe('IceAgent over vnet: NAT traversal', () => {
  it('direct: host pair, data both ways', async () => {
    world = makeWorld();
    const { ca, cb } = await connect(world);
    const got = await exchange(world, conn(ca), conn(cb));
    expect(got).toEqual({ atA: 10, atB: 10 });
    expect(world.a.getSelectedPair()!.local.type).toBe('host');
    expect(world.a.getSelectedPair()!.remote.type).toBe('host');
  });

  it('both behind endpoint-independent NATs with a STUN server: a srflx/prflx pair is selected', async () => {
    world = makeWorld({ nat: EIM_PRC }, { nat: EIM_PRC });
    const { ca, cb } = await connect(world);
    expect(world.a.getLocalCandidates().some((c) => c.type === 'srflx')).toBe(true);
    const sel = world.a.getSelectedPair()!;
    expect(['srflx', 'prflx']).toContain(sel.remote.type);
    expect(sel.remote.address).toBe('203.0.113.2');
    expect(await exchange(world, conn(ca), conn(cb))).toEqual({ atA: 10, atB: 10 });
  });

  it('one side behind a symmetric NAT: the peer-reflexive candidate saves it', async () => {
    world = makeWorld({ nat: SYMMETRIC }, { nat: EIM_ADF });
    const { ca, cb } = await connect(world);
    const atB = world.b.getSelectedPair()!;
    expect(atB.remote.type).toBe('prflx');
    expect(await exchange(world, conn(ca), conn(cb))).toEqual({ atA: 10, atB: 10 });
  });

  it('both behind symmetric NATs without TURN: failed after failedTimeoutMs', async () => {
    world = makeWorld({ nat: SYMMETRIC, config: { failedTimeoutMs: 25_000 } }, { nat: SYMMETRIC, config: { failedTimeoutMs: 25_000 } });
    const started = world.clock.now();
    let failedAt: number | undefined;
    world.a.state$.subscribe((s) => {
      if (s === 'failed') failedAt = world!.clock.now();
    });
    const { ca, cb } = await connect(world, { maxMs: 40_000 });
    expect(ca).toBeInstanceOf(Error);
    expect(cb).toBeInstanceOf(Error);
    expect((ca as Error & { code: string }).code).toBe('ERR_ICE_FAILED');
    expect(failedAt! - started).toBeGreaterThanOrEqual(25_000);
    expect(failedAt! - started).toBeLessThan(25_000 + 200);
  });

  it('10% loss on both uplinks: connects and carries data', async () => {
    world = makeWorld({ nat: EIM_PRC, impairment: { lossRate: 0.1 } }, { nat: EIM_PRC, impairment: { lossRate: 0.1 } }, 7);
    const { ca, cb } = await connect(world);
    const got = await exchange(world, conn(ca), conn(cb), 50);
    expect(got.atA).toBeGreaterThan(25);
    expect(got.atB).toBeGreaterThan(25);
  });
});
