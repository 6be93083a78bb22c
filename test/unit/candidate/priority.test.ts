import { describe, expect, it } from 'vitest';
import {
  TYPE_PREFERENCE,
  candidateFoundation,
  candidatePriority,
  localPreference,
  tcpDirectionPreference,
} from '../../../src/candidate/index.js';

describe('candidatePriority (RFC 8445 §5.1.2.1)', () => {
  it('matches the formula and known values from other stacks', () => {
    // Pion: host udp, local preference 65535, component 1
    expect(candidatePriority({ type: 'host', localPreference: 65535, component: 1 })).toBe(2130706431);
    // Pion srflx
    expect(candidatePriority({ type: 'srflx', localPreference: 65535, component: 1 })).toBe(1694498815);
    // Pion prflx
    expect(candidatePriority({ type: 'prflx', localPreference: 65535, component: 1 })).toBe(1862270975);
    // relay
    expect(candidatePriority({ type: 'relay', localPreference: 65535, component: 1 })).toBe(16777215);
    expect(candidatePriority({ type: 'host', localPreference: 65535, component: 2 })).toBe(2130706430);
  });

  it('orders types host > prflx > srflx > relay', () => {
    const p = (type: 'host' | 'prflx' | 'srflx' | 'relay'): number =>
      candidatePriority({ type, localPreference: 0, component: 1 });
    expect(p('host')).toBeGreaterThan(p('prflx'));
    expect(p('prflx')).toBeGreaterThan(p('srflx'));
    expect(p('srflx')).toBeGreaterThan(p('relay'));
    expect(TYPE_PREFERENCE).toEqual({ host: 126, prflx: 110, srflx: 100, relay: 0 });
  });

  it('uses the RFC 6544 §4.2 direction preference for TCP (Pion values)', () => {
    // Pion candidate_test.go: tcp host passive = (1<<24)*126 + (1<<8)*((1<<13)*4 + 8191) + 255
    expect(candidatePriority({ type: 'host', localPreference: 65535, component: 1, transport: 'tcp', tcpType: 'passive' })).toBe(
      2124414975,
    );
    expect(tcpDirectionPreference('host', 'active')).toBe(6);
    expect(tcpDirectionPreference('host', 'passive')).toBe(4);
    expect(tcpDirectionPreference('relay', 'so')).toBe(2);
    expect(tcpDirectionPreference('srflx', 'so')).toBe(6);
    expect(tcpDirectionPreference('prflx', 'active')).toBe(4);
    expect(tcpDirectionPreference('srflx', 'passive')).toBe(2);
    const udp = candidatePriority({ type: 'host', localPreference: 65535, component: 1, transport: 'udp' });
    const tcp = candidatePriority({ type: 'host', localPreference: 65535, component: 1, transport: 'tcp', tcpType: 'active' });
    expect(udp).toBeGreaterThan(tcp);
  });

  it('rejects out-of-range inputs', () => {
    expect(() => candidatePriority({ type: 'host', localPreference: 65536, component: 1 })).toThrow();
    expect(() => candidatePriority({ type: 'host', localPreference: 1, component: 0 })).toThrow();
    expect(() => candidatePriority({ type: 'host', localPreference: 1, component: 257 })).toThrow();
  });
});

describe('localPreference', () => {
  it('is 65535 for the best (only) IPv6 address and ranks interface > family > address', () => {
    expect(localPreference({ interfaceRank: 0, family: 6 })).toBe(65535);
    const a = localPreference({ interfaceRank: 0, family: 6, addressRank: 5 });
    const b = localPreference({ interfaceRank: 0, family: 4 });
    const c = localPreference({ interfaceRank: 1, family: 6 });
    expect(a).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(c);
    expect(localPreference({ interfaceRank: 0, family: 6, relayTransport: 'tcp' })).toBeLessThan(
      localPreference({ interfaceRank: 15, family: 4, addressRank: 63, relayTransport: 'udp' }),
    );
  });

  it('stays unique (also as TCP other-pref) over every combination', () => {
    const seen = new Set<number>();
    const tcpSeen = new Set<number>();
    for (let iface = 0; iface < 16; iface++) {
      for (const family of [4, 6] as const) {
        for (let addr = 0; addr < 64; addr++) {
          const lp = localPreference({ interfaceRank: iface, family, addressRank: addr });
          expect(lp).toBeGreaterThanOrEqual(0);
          expect(lp).toBeLessThanOrEqual(65535);
          seen.add(lp);
          tcpSeen.add(lp >>> 3);
        }
      }
    }
    expect(seen.size).toBe(16 * 2 * 64);
    expect(tcpSeen.size).toBe(16 * 2 * 64);
  });
});

describe('candidateFoundation (RFC 8445 §5.1.1.3)', () => {
  it('is equal for the same type, base, transport and server, different otherwise', () => {
    const f = candidateFoundation({ type: 'srflx', baseAddress: '192.0.2.1', transport: 'udp', server: '198.51.100.1' });
    expect(f).toMatch(/^[0-9]{1,10}$/);
    expect(candidateFoundation({ type: 'srflx', baseAddress: '192.0.2.1', transport: 'udp', server: '198.51.100.1' })).toBe(f);
    const others = [
      candidateFoundation({ type: 'host', baseAddress: '192.0.2.1', transport: 'udp', server: '198.51.100.1' }),
      candidateFoundation({ type: 'srflx', baseAddress: '192.0.2.2', transport: 'udp', server: '198.51.100.1' }),
      candidateFoundation({ type: 'srflx', baseAddress: '192.0.2.1', transport: 'tcp', server: '198.51.100.1' }),
      candidateFoundation({ type: 'srflx', baseAddress: '192.0.2.1', transport: 'udp', server: '198.51.100.2' }),
      candidateFoundation({ type: 'srflx', baseAddress: '192.0.2.1', transport: 'udp' }),
    ];
    expect(new Set([f, ...others]).size).toBe(6);
  });

  it('ignores IPv6 letter case', () => {
    expect(candidateFoundation({ type: 'host', baseAddress: '2001:DB8::1', transport: 'udp' })).toBe(
      candidateFoundation({ type: 'host', baseAddress: '2001:db8::1', transport: 'udp' }),
    );
  });
});
