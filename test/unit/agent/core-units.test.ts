import { describe, expect, it } from 'vitest';
import { Candidate } from '../../../src/candidate/index.js';
import { SeededRng } from '../../../src/common/rng.js';
import { pairPriority } from '../../../src/agent/index.js';
import { CandidatePair } from '../../../src/agent/candidate-pair.js';
import { CheckList } from '../../../src/agent/checklist.js';
import { ConsentTracker } from '../../../src/agent/consent.js';
import { decideInboundRole, roleAfter487 } from '../../../src/agent/role-conflict.js';
import { applyRewriteRules, inCidr, nat1To1Rules } from '../../../src/agent/address-rewrite.js';
import { hostCandidate } from '../../sim/agent/sim-harness.js';

function cand(port: number, priority: number, foundation = 'f1'): Candidate {
  return new Candidate({ foundation, component: 1, transport: 'udp', priority, address: '10.0.0.2', port, type: 'host' });
}

describe('pair priority (RFC 8445 §6.1.2.3)', () => {
  it('follows 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)', () => {
    expect(pairPriority(10, 20)).toBe((1n << 32n) * 10n + 40n);
    expect(pairPriority(20, 10)).toBe((1n << 32n) * 10n + 40n + 1n);
    const max = 0x7effffff;
    expect(pairPriority(max, max)).toBe((1n << 32n) * BigInt(max) + 2n * BigInt(max));
  });

  it('is symmetric between the two agents', () => {
    const l = hostCandidate({ address: '10.0.0.1', port: 1 });
    const r = cand(2, 1000);
    const p1 = new CandidatePair({ candidate: l, baseId: 1, base: l }, r, 'x');
    p1.updatePriority(true);
    const p2 = new CandidatePair({ candidate: r, baseId: 1, base: r }, l, 'x');
    p2.updatePriority(false);
    expect(p1.priority).toBe(p2.priority);
  });
});

describe('check list', () => {
  const local = hostCandidate({ address: '10.0.0.1', port: 1 });
  const entry = { candidate: local, baseId: 1, base: local };
  function pair(c: Candidate): CandidatePair {
    const p = new CandidatePair(entry, c, `${local.foundation}:${c.foundation}`);
    p.updatePriority(true);
    return p;
  }

  it('orders by priority and freezes all but one pair per foundation', () => {
    const cl = new CheckList();
    const low = cl.add(pair(cand(1, 100, 'fa')));
    const high = cl.add(pair(cand(2, 300, 'fa')));
    const other = cl.add(pair(cand(3, 200, 'fb')));
    expect(cl.ordered().map((p) => p.remote.port)).toEqual([2, 3, 1]);
    expect([low.state, high.state, other.state]).toEqual(['waiting', 'frozen', 'waiting']);
    expect(cl.nextOrdinary()).toBe(other);
    other.state = 'in-progress';
    expect(cl.nextOrdinary()).toBe(low);
    low.state = 'succeeded';
    cl.unfreezeFoundation('x');
    cl.unfreezeFoundation(low.foundation);
    expect(high.state).toBe('waiting');
  });

  it('unfreezes a frozen pair when its foundation has nothing waiting or in progress', () => {
    const cl = new CheckList();
    const a = cl.add(pair(cand(1, 100, 'fa')));
    const b = cl.add(pair(cand(2, 50, 'fa')));
    a.state = 'failed';
    expect(cl.nextOrdinary()).toBe(b);
    expect(b.state).toBe('waiting');
  });

  it('serves triggered checks FIFO, once each, bounded, remembering USE-CANDIDATE', () => {
    const cl = new CheckList();
    const ps = Array.from({ length: 70 }, (_, i) => cl.add(pair(cand(100 + i, 100 + i, `f${i}`))));
    cl.enqueueTriggered(ps[0]!);
    cl.enqueueTriggered(ps[1]!, true);
    cl.enqueueTriggered(ps[0]!);
    expect(cl.triggeredCount).toBe(2);
    expect(cl.shiftTriggered()).toEqual({ pair: ps[0], useCandidate: false });
    expect(cl.shiftTriggered()).toEqual({ pair: ps[1], useCandidate: true });
    for (const p of ps) cl.enqueueTriggered(p);
    expect(cl.triggeredCount).toBe(64);
    expect(cl.shiftTriggered()!.pair).toBe(ps[6]);
  });
});

describe('role conflict (RFC 8445 §7.3.1.1, §7.2.5.1)', () => {
  it('decides on inbound checks', () => {
    expect(decideInboundRole('controlling', 10n, 5n, undefined)).toEqual({ action: 'reject' });
    expect(decideInboundRole('controlling', 10n, 10n, undefined)).toEqual({ action: 'reject' });
    expect(decideInboundRole('controlling', 10n, 11n, undefined)).toEqual({ action: 'switch', role: 'controlled' });
    expect(decideInboundRole('controlled', 10n, undefined, 5n)).toEqual({ action: 'switch', role: 'controlling' });
    expect(decideInboundRole('controlled', 10n, undefined, 11n)).toEqual({ action: 'reject' });
    expect(decideInboundRole('controlled', 10n, 5n, undefined)).toEqual({ action: 'proceed' });
    expect(decideInboundRole('controlling', 10n, undefined, 5n)).toEqual({ action: 'proceed' });
  });

  it('switches on 487 only if the role did not change since the request', () => {
    expect(roleAfter487('controlling', 'controlling')).toBe('controlled');
    expect(roleAfter487('controlled', 'controlling')).toBe('controlled');
    expect(roleAfter487('controlled', 'controlled')).toBe('controlling');
  });
});

describe('consent tracker (RFC 7675)', () => {
  it('schedules requests 4–6 s apart from the previous request and expires 30 s after the last response', () => {
    const t = new ConsentTracker(30_000, new SeededRng(3));
    t.start(0);
    let now = 0;
    let sent = 0;
    while (now < 60_000) {
      now = t.deadline();
      if (t.expired(now)) break;
      expect(t.requestDue(now)).toBe(true);
      t.requestSent(now);
      sent++;
    }
    expect(now).toBe(30_000);
    expect(sent).toBeGreaterThanOrEqual(5);
    expect(sent).toBeLessThanOrEqual(8);
    t.responseReceived(29_000);
    expect(t.expired(30_000)).toBe(false);
    expect(t.expired(59_000)).toBe(true);
  });
});

describe('address rewrite rules', () => {
  const input = { type: 'host' as const, iface: 'eth0', localAddress: '10.0.0.5', address: '10.0.0.5', port: 4000 };
  it('nat1To1 shorthand', () => {
    expect(applyRewriteRules(nat1To1Rules(['1.2.3.4'], 'host'), input)).toEqual([{ type: 'host', address: '1.2.3.4', port: 4000 }]);
    expect(applyRewriteRules(nat1To1Rules(['1.2.3.4'], 'srflx'), input)).toEqual([
      { type: 'host', address: '10.0.0.5', port: 4000 },
      { type: 'srflx', address: '1.2.3.4', port: 4000 },
    ]);
    expect(applyRewriteRules(nat1To1Rules(['1.2.3.4/10.0.0.9', '5.6.7.8/10.0.0.5'], 'host'), input)).toEqual([
      { type: 'host', address: '5.6.7.8', port: 4000 },
    ]);
  });
  it('scopes, families and external ports', () => {
    expect(applyRewriteRules([{ external: ['1.2.3.4'], iface: 'eth1' }], input)).toEqual([{ type: 'host', address: '10.0.0.5', port: 4000 }]);
    expect(applyRewriteRules([{ external: ['2001:db8::1', '1.2.3.4'], externalPort: 9 }], input)).toEqual([
      { type: 'host', address: '1.2.3.4', port: 9 },
    ]);
    expect(applyRewriteRules([{ external: ['1.2.3.4'], targetType: 'srflx' }], input)).toEqual([{ type: 'host', address: '10.0.0.5', port: 4000 }]);
    expect(inCidr('10.0.0.5', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.0.0.5', '10.0.0.0/8')).toBe(false);
    expect(inCidr('2001:db8::5', '2001:db8::/32')).toBe(true);
    expect(inCidr('2001:db9::5', '2001:db8::/32')).toBe(false);
  });
});

describe('ICE integrity keys', () => {
  it('the ASCII fast path equals the OpaqueString short-term key (RFC 8489 §9.2.2)', async () => {
    const { iceKey } = await import('../../../src/agent/stun-checks.js');
    const { shortTermKey } = await import('../../../src/stun/index.js');
    for (const pwd of ['abcdefghijklmnopqrstuv', 'A+/09zZ'.repeat(4), 'pässwörd-ünicode-ÅÄÖ12']) {
      expect(iceKey(pwd).equals(shortTermKey(pwd))).toBe(true);
    }
  });
});
