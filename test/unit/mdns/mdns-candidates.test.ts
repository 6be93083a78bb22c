import { describe, expect, it } from 'vitest';
import { Candidate } from '../../../src/candidate/index.js';
import { systemClock } from '../../../src/common/clock.js';
import { getLogger } from '../../../src/common/log.js';
import { SeededRng } from '../../../src/common/rng.js';
import { MdnsCandidates, MdnsError, type MdnsResolver } from '../../../src/mdns/index.js';

const NAME = '9b36e1a6-4f1c-4a8e-a1e3-7c1b1e0c5d12.local';

function fakeResolver(answers: Record<string, string>): MdnsResolver & { published: string[]; unpublished: string[] } {
  const published: string[] = [];
  const unpublished: string[] = [];
  return {
    published,
    unpublished,
    resolve: (name) => (answers[name] ? Promise.resolve(answers[name]) : Promise.reject(new MdnsError('ERR_MDNS_TIMEOUT', 'no answer'))),
    publish: (address) => {
      if (address === '10.9.9.9') throw new MdnsError('ERR_MDNS_LIMIT', 'full');
      published.push(address);
      return `${String(published.length).padStart(8, '0')}-0000-4000-8000-000000000000.local`;
    },
    unpublish: (name) => void unpublished.push(name),
    close: () => undefined,
  };
}

function make(config: ConstructorParameters<typeof MdnsCandidates>[0]['config']): MdnsCandidates {
  return new MdnsCandidates({ config, clock: systemClock, rng: new SeededRng(1), log: getLogger('ice') });
}

describe('MdnsCandidates', () => {
  it('masks host addresses and hides related addresses only when publishing', () => {
    const resolver = fakeResolver({});
    const m = make({ publish: true, resolver });
    const host = Candidate.parse('candidate:1 1 udp 2130706431 192.168.1.2 5000 typ host');
    const srflx = Candidate.parse('candidate:2 1 udp 1694498815 203.0.113.7 6000 typ srflx raddr 192.168.1.2 rport 5000');
    const srflx6 = Candidate.parse('candidate:3 1 udp 1694498815 2001:db8::7 6000 typ srflx raddr 2001:db8::2 rport 5000');
    expect(m.mask(host)!.address).toMatch(/\.local$/);
    expect(m.mask(host)!.port).toBe(5000);
    expect(m.mask(srflx)!.toString()).toContain('raddr 0.0.0.0 rport 0');
    expect(m.mask(srflx6)!.toString()).toContain('raddr :: rport 0');
    // A host address that cannot be published is not signalled at all (never leaked).
    expect(m.mask(host.with({ address: '10.9.9.9' }))).toBeUndefined();
    expect(make({ resolver }).mask(srflx)).toBe(srflx);
    m.close();
    expect(resolver.unpublished).toHaveLength(2);
  });

  it('resolves .local candidates in the background, defers end-of-candidates, skips failures', async () => {
    const m = make({ resolver: fakeResolver({ [NAME]: '192.168.1.50' }) });
    const added: (Candidate | null)[] = [];
    const local = Candidate.parse(`candidate:1 1 udp 2130706431 ${NAME} 5000 typ host`);
    const unknown = local.with({ address: 'ffffffff-0000-4000-8000-000000000000.local' });
    expect(m.resolveRemote(Candidate.parse('candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host'), (c) => added.push(c))).toBe(false);
    expect(m.resolveRemote(local.with({ component: 2 }), (c) => added.push(c))).toBe(false);
    expect(m.resolveRemote(local, (c) => added.push(c))).toBe(true);
    expect(m.resolveRemote(unknown, (c) => added.push(c))).toBe(true);
    expect(m.deferEndOfCandidates(() => added.push(null))).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(added.map((c) => c?.address ?? null)).toEqual(['192.168.1.50', null]);
    expect(m.originalOf(added[0]!)).toBe(local);
    expect(m.pendingCount).toBe(0);
    expect(m.deferEndOfCandidates(() => added.push(null))).toBe(false);
    m.close();
    expect(m.resolveRemote(local, () => undefined)).toBe(false);
  });
});

describe('MdnsCandidates across an ICE restart', () => {
  it('abandons resolutions of the previous generation', async () => {
    let release: (a: string) => void = () => undefined;
    const resolver: MdnsResolver = {
      resolve: () => new Promise<string>((r) => (release = r)),
      publish: () => NAME,
      unpublish: () => undefined,
      close: () => undefined,
    };
    const m = make({ resolver });
    const added: (Candidate | null)[] = [];
    m.resolveRemote(Candidate.parse(`candidate:1 1 udp 2130706431 ${NAME} 5000 typ host`), (c) => added.push(c));
    expect(m.deferEndOfCandidates(() => added.push(null))).toBe(true);
    m.reset();
    release('10.0.0.7');
    await new Promise((r) => setTimeout(r, 10));
    expect(added).toEqual([]);
    expect(m.pendingCount).toBe(0);
    m.close();
  });
});
