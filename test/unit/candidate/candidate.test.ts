import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { Candidate, CandidateParseError } from '../../../src/candidate/index.js';
import { CANDIDATE_FIXTURES, INVALID_CANDIDATE_LINES } from './candidate-fixtures.js';

describe('Candidate.parse / toString', () => {
  for (const f of CANDIDATE_FIXTURES) {
    it(`round-trips ${f.source}`, () => {
      const c = Candidate.parse(f.line);
      const expected = f.canonical ?? f.line.replace(/^a=/, '');
      expect(c.toString()).toBe(expected);
      const again = Candidate.parse(c.toString());
      expect(again.toInit()).toEqual(c.toInit());
      expect(again.equals(c)).toBe(true);
      expect(Candidate.parse(`a=${c.toString()}`).equals(c)).toBe(true);
    });
  }

  it('reads every field of a Chrome srflx line', () => {
    const c = Candidate.parse(CANDIDATE_FIXTURES[1]!.line);
    expect(c.toInit()).toEqual({
      foundation: '842163049',
      component: 1,
      transport: 'udp',
      priority: 1677729535,
      address: '203.0.113.7',
      port: 61922,
      type: 'srflx',
      relatedAddress: '0.0.0.0',
      relatedPort: 0,
      generation: 0,
      ufrag: 'EsAw',
      networkCost: 999,
    });
    expect(c.family).toBe(4);
    expect(c.isMdns).toBe(false);
    expect(c.key).toBe('udp|203.0.113.7|61922|srflx');
  });

  it('recognises mDNS names and IPv6', () => {
    const m = Candidate.parse(CANDIDATE_FIXTURES[0]!.line);
    expect(m.isMdns).toBe(true);
    expect(m.family).toBeUndefined();
    expect(m.networkId).toBe(1);
    const v6 = Candidate.parse(CANDIDATE_FIXTURES[3]!.line);
    expect(v6.family).toBe(6);
    expect(v6.isMdns).toBe(false);
  });

  it('includes tcptype in the key and accepts a bare value without prefix', () => {
    const c = Candidate.parse('1840965416 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active');
    expect(c.key).toBe('tcp|192.0.2.10|9|host|active');
    expect(c.tcpType).toBe('active');
  });

  it('keeps unknown extensions in order', () => {
    const c = Candidate.parse('candidate:9 1 udp 1 192.0.2.12 5002 typ host zeta 1 alpha 2 zeta 3');
    expect(c.extensions).toEqual([
      ['zeta', '1'],
      ['alpha', '2'],
      ['zeta', '3'],
    ]);
  });

  for (const [line, fragment] of INVALID_CANDIDATE_LINES) {
    it(`rejects ${JSON.stringify(line)} (${fragment})`, () => {
      let err: unknown;
      try {
        Candidate.parse(line);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CandidateParseError);
      expect((err as CandidateParseError).code).toBe('ERR_CANDIDATE_PARSE');
      expect((err as Error).message.toLowerCase()).toContain(fragment.toLowerCase());
    });
  }

  it('rejects overlong lines', () => {
    expect(() => Candidate.parse(`candidate:1 1 udp 1 192.0.2.1 5 typ host ${'a b '.repeat(2000)}`)).toThrow(CandidateParseError);
  });
});

describe('Candidate value', () => {
  const base = Candidate.parse('candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host generation 0');

  it('is immutable', () => {
    expect(Object.isFrozen(base)).toBe(true);
    expect(() => {
      (base as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('with() changes and removes fields', () => {
    const c = base.with({ port: 6000, generation: undefined, networkCost: 50 });
    expect(c.port).toBe(6000);
    expect(c.generation).toBeUndefined();
    expect('generation' in c).toBe(false);
    expect(c.toString()).toBe('candidate:1 1 udp 2130706431 192.0.2.1 6000 typ host network-cost 50');
    expect(base.port).toBe(5000);
  });

  it('validates construction with InvalidArgumentError', () => {
    expect(() => base.with({ port: 70000 })).toThrow(InvalidArgumentError);
    expect(() => base.with({ foundation: 'has space' })).toThrow(InvalidArgumentError);
    expect(() => base.with({ extensions: [['generation', '1']] })).toThrow(/dedicated field/);
    expect(() => base.with({ extensions: [['x', '']] })).toThrow(InvalidArgumentError);
    expect(() => base.with({ tcpType: 'active' })).toThrow(/tcp candidates/);
  });

  it('serialises to JSON as its line', () => {
    expect(JSON.stringify({ c: base })).toBe(JSON.stringify({ c: base.toString() }));
  });
});
