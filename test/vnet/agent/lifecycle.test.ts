import { afterEach, describe, expect, it } from 'vitest';
import type { IceConnection, IceConnectionState } from '../../../src/agent/index.js';
import { EIM_PRC, connect, exchange, makeWorld, trickle, type World } from './vnet-world.js';

let world: World | undefined;
afterEach(() => {
  world?.close();
  world = undefined;
});

function conn(x: IceConnection | Error): IceConnection {
  if (x instanceof Error) throw x;
  return x;
}

function states(w: World, which: 'a' | 'b'): IceConnectionState[] {
  const out: IceConnectionState[] = [];
  (which === 'a' ? w.a : w.b).state$.subscribe((s) => out.push(s));
  return out;
}

describe('IceAgent over vnet: roles, liveness, restart, lite', () => {
  it('role conflict: both dial, one yields, both connect', async () => {
    world = makeWorld({ config: { tieBreaker: 5n } }, { config: { tieBreaker: 9n } });
    const { ca, cb } = await connect(world, { aRole: 'controlling', bRole: 'controlling' });
    conn(ca);
    conn(cb);
    expect(world.a.role).toBe('controlled');
    expect(world.b.role).toBe('controlling');
  });

  it('trickle: candidates only after both sides started checking', async () => {
    world = makeWorld({ nat: EIM_PRC }, { nat: EIM_PRC });
    const w = world;
    const pa = w.a.dial(w.b.localCredentials.ufrag, w.b.localCredentials.pwd);
    const pb = w.b.accept(w.a.localCredentials.ufrag, w.a.localCredentials.pwd);
    await w.clock.advance(3000);
    for (const c of w.a.getLocalCandidates()) w.b.addRemoteCandidate(c);
    for (const c of w.b.getLocalCandidates()) w.a.addRemoteCandidate(c);
    w.a.addRemoteCandidate(null);
    w.b.addRemoteCandidate(null);
    let done = 0;
    void pa.then(() => done++);
    void pb.then(() => done++);
    expect(await w.clock.runUntil(() => done === 2, 10_000, 20)).toBe(true);
  });

  it('peer goes silent: disconnected, then back to connected when it returns', async () => {
    world = makeWorld({ nat: EIM_PRC }, { nat: EIM_PRC });
    const w = world;
    const { ca, cb } = await connect(w);
    conn(ca);
    conn(cb);
    const seen = states(w, 'a');
    w.vnet.setImpairment(w.routerB!, { lossRate: 1 });
    await w.clock.advance(8000);
    expect(w.a.state).toBe('disconnected');
    w.vnet.setImpairment(w.routerB!, {});
    await w.clock.advance(8000);
    expect(w.a.state).toBe('connected');
    expect(seen).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('peer goes silent for good: disconnected, then failed; consent expired', async () => {
    world = makeWorld({ nat: EIM_PRC, config: { disconnectedTimeoutMs: 5000, failedTimeoutMs: 25_000 } }, { nat: EIM_PRC });
    const w = world;
    const { ca } = await connect(w);
    const c = conn(ca);
    const seen = states(w, 'a');
    const cut = w.clock.now();
    w.vnet.setImpairment(w.routerB!, { lossRate: 1 });
    let failedAt = 0;
    w.a.state$.subscribe((s) => {
      if (s === 'failed') failedAt = w.clock.now();
    });
    await w.clock.advance(40_000);
    expect(seen).toEqual(['connected', 'disconnected', 'failed']);
    // Consent (30 s after the last response) and the silence limit (5 + 25 s) agree.
    expect(failedAt - cut).toBeGreaterThan(24_000);
    expect(failedAt - cut).toBeLessThanOrEqual(30_100);
    // RFC 7675 §5.1: no application data once consent is lost (a restart can revive the agent).
    const sent = w.a.getStats().packetsSent;
    c.send(Buffer.from([0x80, 1]));
    expect(w.a.getStats().packetsSent).toBe(sent);
  });

  it('ICE restart: data keeps flowing, then a new pair is selected', async () => {
    world = makeWorld({ nat: EIM_PRC }, { nat: EIM_PRC });
    const w = world;
    const { ca, cb } = await connect(w);
    const c1 = conn(ca);
    const c2 = conn(cb);
    let selections = 0;
    w.a.selectedPair$.subscribe(() => selections++);
    await Promise.all([w.a.restart(), w.b.restart()]);
    expect(await exchange(w, c1, c2)).toEqual({ atA: 10, atB: 10 });
    w.a.setRemoteCredentials(w.b.localCredentials.ufrag, w.b.localCredentials.pwd);
    w.b.setRemoteCredentials(w.a.localCredentials.ufrag, w.a.localCredentials.pwd);
    for (const c of w.a.getLocalCandidates()) w.b.addRemoteCandidate(c);
    for (const c of w.b.getLocalCandidates()) w.a.addRemoteCandidate(c);
    expect(await w.clock.runUntil(() => selections === 1, 10_000, 20)).toBe(true);
    expect(w.a.state).toBe('connected');
    expect(await exchange(w, c1, c2)).toEqual({ atA: 10, atB: 10 });
    await w.clock.advance(60_000);
    expect(w.a.state).toBe('connected');
    expect(w.b.state).toBe('connected');
  });

  it('full agent against an ICE-lite peer: stays connected for minutes without flapping', async () => {
    world = makeWorld({ config: { remoteLite: true } }, { config: { lite: true } });
    const w = world;
    const { ca, cb } = await connect(w);
    conn(ca);
    conn(cb);
    const seenA = states(w, 'a');
    const seenB = states(w, 'b');
    await w.clock.advance(180_000);
    expect(seenA).toEqual(['connected']);
    expect(seenB).toEqual(['connected']);
    expect(w.b.getStats().pairs.every((p) => p.requestsSent === 0)).toBe(true);
  });

  it('gathering states, srflx candidate and end-of-candidates', async () => {
    world = makeWorld({ nat: EIM_PRC }, {});
    const w = world;
    const gs: string[] = [];
    w.a.gatheringState$.subscribe((s) => gs.push(s));
    const cands: (string | null)[] = [];
    w.a.candidate$.subscribe((c) => cands.push(c === null ? null : c.type));
    trickle(w.a, w.b);
    let done = false;
    void w.a.gather().then(() => (done = true));
    expect(await w.clock.runUntil(() => done, 10_000, 10)).toBe(true);
    expect(gs).toEqual(['new', 'gathering', 'complete']);
    expect(cands).toEqual(['host', 'srflx', null]);
  });

  it('ICE restart asks the STUN server again: the srflx candidate comes anew, after the carried-over host one', async () => {
    world = makeWorld({ nat: EIM_PRC }, {});
    const w = world;
    let gathered = false;
    void w.a.gather().then(() => (gathered = true));
    expect(await w.clock.runUntil(() => gathered, 10_000, 10)).toBe(true);
    expect(w.a.getLocalCandidates().map((c) => c.type)).toEqual(['host', 'srflx']);
    const cands: (string | null)[] = [];
    w.a.candidate$.subscribe((c) => cands.push(c === null ? null : c.type));
    const gs: string[] = [];
    w.a.gatheringState$.subscribe((s) => gs.push(s));
    await w.a.restart();
    // restart() does not wait for the server; the old srflx is not repeated.
    expect(cands).toEqual(['host']);
    expect(w.a.getLocalCandidates().map((c) => c.type)).toEqual(['host']);
    let regathered = false;
    void w.a.gather().then(() => (regathered = true));
    expect(await w.clock.runUntil(() => regathered, 10_000, 10)).toBe(true);
    expect(cands).toEqual(['host', 'srflx', null]);
    expect(w.a.getLocalCandidates().map((c) => c.type)).toEqual(['host', 'srflx']);
    expect(gs).toEqual(['complete', 'gathering', 'complete']);
  });
});
