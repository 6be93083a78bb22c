import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Candidate, CandidateParseError } from '../../src/candidate/index.js';
import type { CandidateInit } from '../../src/candidate/index.js';

const iceChars = fc.stringMatching(/^[A-Za-z0-9+/]{1,32}$/);
const token = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);
const value = fc.stringMatching(/^[\x21-\x7e]{1,12}$/);
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const mdns = fc.uuid().map((u) => `${u}.local`);
const address = fc.oneof(ipv4, ipv6, mdns);
const port = fc.integer({ min: 0, max: 65535 });
const KNOWN = new Set(['raddr', 'rport', 'tcptype', 'generation', 'ufrag', 'network-id', 'network-cost', 'typ']);

const candidateInit: fc.Arbitrary<CandidateInit> = fc
  .record(
    {
      foundation: iceChars,
      component: fc.integer({ min: 1, max: 256 }),
      transport: fc.constantFrom('udp' as const, 'tcp' as const),
      priority: fc.integer({ min: 0, max: 0xffffffff }),
      address,
      port,
      type: fc.constantFrom('host' as const, 'srflx' as const, 'prflx' as const, 'relay' as const),
      relatedAddress: fc.oneof(ipv4, ipv6),
      relatedPort: port,
      tcpType: fc.constantFrom('active' as const, 'passive' as const, 'so' as const),
      generation: fc.nat(),
      ufrag: fc.stringMatching(/^[A-Za-z0-9+/]{4,32}$/),
      networkId: fc.nat({ max: 65535 }),
      networkCost: fc.nat({ max: 999 }),
      extensions: fc.array(fc.tuple(token.filter((t) => !KNOWN.has(t)), value), { maxLength: 4 }),
    },
    { requiredKeys: ['foundation', 'component', 'transport', 'priority', 'address', 'port', 'type'] },
  )
  .map((init) => {
    if (init.transport === 'udp') delete init.tcpType;
    return init as CandidateInit;
  });

describe('candidate property tests', () => {
  it('toString / parse round-trips every valid candidate', () => {
    fc.assert(
      fc.property(candidateInit, (init) => {
        const c = new Candidate(init);
        const back = Candidate.parse(c.toString());
        expect(back.toString()).toBe(c.toString());
        expect(back.toInit()).toEqual(c.toInit());
        expect(back.key).toBe(c.key);
      }),
      { numRuns: 500 },
    );
  });

  it('garbage throws only CandidateParseError', () => {
    const pieces = fc.constantFrom(
      'candidate:',
      'a=',
      ' ',
      '\t',
      'typ',
      'host',
      'udp',
      'TCP',
      'raddr',
      'rport',
      'tcptype',
      'passive',
      'generation',
      '0',
      '1',
      '65536',
      '4294967296',
      '::1',
      '1.2.3.4',
      'x.local',
      '-',
      '%',
      '\u0000',
      'é',
    );
    const garbage = fc.oneof(fc.string({ maxLength: 200 }), fc.array(pieces, { maxLength: 30 }).map((a) => a.join(' ')), fc.array(pieces, { maxLength: 30 }).map((a) => a.join('')));
    fc.assert(
      fc.property(garbage, (line) => {
        try {
          const c = Candidate.parse(line);
          // Anything accepted must round-trip.
          expect(Candidate.parse(c.toString()).equals(c)).toBe(true);
        } catch (err) {
          if (!(err instanceof CandidateParseError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutating one field of a valid line yields a candidate or a CandidateParseError', () => {
    fc.assert(
      fc.property(candidateInit, fc.nat(), fc.string({ maxLength: 12 }), (init, idx, replacement) => {
        const fields = new Candidate(init).toString().split(' ');
        fields[idx % fields.length] = replacement;
        try {
          Candidate.parse(fields.join(' '));
        } catch (err) {
          if (!(err instanceof CandidateParseError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
