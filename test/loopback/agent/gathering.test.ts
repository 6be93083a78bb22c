import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../../src/agent/index.js';
import { LOOPBACK, loopbackConfig } from './loopback-helpers.js';

const agents: IceAgent[] = [];
const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const a of agents.splice(0)) a.close();
  for (const s of sockets.splice(0)) s.close();
});

function agent(cfg: Parameters<typeof loopbackConfig>[0]): IceAgent {
  const a = new IceAgent(loopbackConfig(cfg));
  agents.push(a);
  return a;
}

function bind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ address: LOOPBACK, port, exclusive: true }, () => {
      sockets.push(s);
      resolve(true);
    });
  });
}

/** A small free range: the first run of `n` ports we can hold ourselves, then released. */
async function freeRange(n: number, from: number): Promise<number> {
  for (let start = from; start < from + 2000; start += n) {
    const held: dgram.Socket[] = [];
    let ok = true;
    for (let p = start; p < start + n && ok; p++) {
      ok = await bind(p);
      if (ok) held.push(sockets.pop()!);
    }
    for (const s of held) s.close();
    if (ok) return start;
  }
  throw new Error('no free port range');
}

describe('IceAgent gathering on 127.0.0.1', () => {
  it('loopback is left out unless includeLoopback is set', async () => {
    const a = agent({ includeLoopback: false });
    await a.gather();
    expect(a.getLocalCandidates().filter((c) => c.address === LOOPBACK)).toEqual([]);
    expect(a.gatheringState).toBe('complete');
  });

  it('honours portMin/portMax', async () => {
    const start = await freeRange(4, 42_000);
    for (let i = 0; i < 3; i++) {
      const a = agent({ portMin: start, portMax: start + 3 });
      await a.gather();
      const [c] = a.getLocalCandidates();
      expect(c!.port).toBeGreaterThanOrEqual(start);
      expect(c!.port).toBeLessThanOrEqual(start + 3);
    }
    // Three agents hold three of the four ports: all distinct (walked past the taken ones).
    const ports = agents.map((a) => a.getLocalCandidates()[0]!.port);
    expect(new Set(ports).size).toBe(3);
  });

  it('a clear typed error when the range is exhausted', async () => {
    const start = await freeRange(3, 43_000);
    for (let p = start; p < start + 3; p++) expect(await bind(p)).toBe(true);
    const a = agent({ portMin: start, portMax: start + 2 });
    await expect(a.gather()).rejects.toMatchObject({ code: 'ERR_ICE_PORT_RANGE_EXHAUSTED' });
    const b = agent({ portMin: start, portMax: start + 2 });
    await expect(b.dial('abcd', 'abcdefghijklmnopqrstuvwxyz')).rejects.toMatchObject({ code: 'ERR_ICE_PORT_RANGE_EXHAUSTED' });
  });

  it('nat1To1IPs as host: the host address is replaced, the bound port kept', async () => {
    const a = agent({ nat1To1IPs: ['203.0.113.7'], nat1To1CandidateType: 'host' });
    await a.gather();
    const cs = a.getLocalCandidates();
    expect(cs.map((c) => [c.type, c.address])).toEqual([['host', '203.0.113.7']]);
  });

  it('nat1To1IPs as srflx: a srflx candidate is added next to the host one', async () => {
    const a = agent({ nat1To1IPs: ['203.0.113.7'], nat1To1CandidateType: 'srflx' });
    await a.gather();
    const cs = a.getLocalCandidates();
    expect(cs.map((c) => [c.type, c.address])).toEqual([
      ['host', LOOPBACK],
      ['srflx', '203.0.113.7'],
    ]);
    const [host, srflx] = cs as [typeof cs[0], typeof cs[0]];
    expect(srflx.port).toBe(host.port);
    expect(srflx.relatedAddress).toBe(LOOPBACK);
    expect(srflx.relatedPort).toBe(host.port);
    expect(srflx.priority).toBeLessThan(host.priority);
  });

  it('rewrite rule with an external port different from the bound one (port mapping), replace and append', async () => {
    const r = agent({ addressRewriteRules: [{ external: ['203.0.113.9'], externalPort: 30_000 }] });
    await r.gather();
    expect(r.getLocalCandidates().map((c) => `${c.type} ${c.address}:${c.port}`)).toEqual(['host 203.0.113.9:30000']);

    const ap = agent({ addressRewriteRules: [{ external: ['203.0.113.9'], externalPort: 30_001, mode: 'append' }] });
    await ap.gather();
    const cs = ap.getLocalCandidates();
    expect(cs.length).toBe(2);
    expect(cs[0]!.address).toBe(LOOPBACK);
    expect(`${cs[1]!.type} ${cs[1]!.address}:${cs[1]!.port}`).toBe('host 203.0.113.9:30001');

    const sr = agent({ addressRewriteRules: [{ external: ['203.0.113.9'], externalPort: 30_002, asCandidateType: 'srflx' }] });
    await sr.gather();
    expect(sr.getLocalCandidates().map((c) => `${c.type} ${c.address}:${c.port}`)).toEqual([
      `host ${LOOPBACK}:${sr.getLocalCandidates()[0]!.port}`,
      'srflx 203.0.113.9:30002',
    ]);
  });

  it('rewrite rules respect their scope', async () => {
    const a = agent({
      addressRewriteRules: [
        { external: ['203.0.113.1'], localAddress: '10.0.0.1' },
        { external: ['203.0.113.2'], cidr: '127.0.0.0/8', mode: 'append' },
        { external: ['2001:db8::1'], cidr: '127.0.0.0/8', asCandidateType: 'srflx' },
      ],
    });
    await a.gather();
    expect(a.getLocalCandidates().map((c) => c.address)).toEqual([LOOPBACK, '203.0.113.2']);
  });

  it('misconfiguration throws typed errors', () => {
    expect(() => agent({ nat1To1IPs: ['not-an-ip'] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => agent({ portMin: 5000, portMax: 4000 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => agent({ addressRewriteRules: [{ external: ['1.2.3.4'], externalPort: 70_000 }] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => agent({ localUfrag: 'ab', localPwd: 'x'.repeat(22) })).toThrow(expect.objectContaining({ code: 'ERR_ICE_BAD_CREDENTIALS' }));
  });
});
