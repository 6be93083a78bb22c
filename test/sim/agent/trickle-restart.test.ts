import { describe, expect, it } from 'vitest';
import { SimAgent, SimNet, hostCandidate, selectedAt, stateEvents } from './sim-harness.js';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 6000 };

function pair(): { net: SimNet; a: SimAgent; b: SimAgent } {
  const net = new SimNet();
  return { net, a: net.add(new SimAgent('a', A, { seed: 1 })), b: net.add(new SimAgent('b', B, { seed: 2 })) };
}

type Step = 'aCreds' | 'bCreds' | 'aCand' | 'bCand' | 'aStart' | 'bStart';

function apply(net: SimNet, a: SimAgent, b: SimAgent, step: Step): void {
  const now = net.now;
  switch (step) {
    case 'aCreds':
      return a.core.setRemoteCredentials(now, b.core.localCredentials.ufrag, b.core.localCredentials.pwd);
    case 'bCreds':
      return b.core.setRemoteCredentials(now, a.core.localCredentials.ufrag, a.core.localCredentials.pwd);
    case 'aCand':
      return a.core.addRemoteCandidate(now, b.host);
    case 'bCand':
      return b.core.addRemoteCandidate(now, a.host);
    case 'aStart':
      return a.core.start(now, 'controlling');
    case 'bStart':
      return b.core.start(now, 'controlled');
  }
}

const ORDERS: Step[][] = [
  ['aCand', 'bCand', 'aCreds', 'bCreds', 'aStart', 'bStart'], // candidates before credentials
  ['aCreds', 'bCreds', 'aStart', 'bStart', 'aCand', 'bCand'], // candidates during checks
  ['aCreds', 'aCand', 'aStart', 'bCreds', 'bStart', 'bCand'], // b's candidates after it learned a by prflx
  ['aCreds', 'aCand', 'aStart', 'bStart', 'bCreds', 'bCand'], // a's checks reach b before b has credentials
  ['bCreds', 'bCand', 'bStart', 'aCreds', 'aStart', 'aCand'], // controlled side first
];

describe('IceAgentCore simulation: trickle and restart', () => {
  for (const order of ORDERS) {
    it(`trickle order ${order.join(' ')}`, () => {
      const { net, a, b } = pair();
      for (const step of order) {
        apply(net, a, b, step);
        net.run(50);
      }
      net.run(3000);
      expect(a.state).toBe('connected');
      expect(b.state).toBe('connected');
    });
  }

  it('one side never receives candidates: peer-reflexive remote candidate saves it', () => {
    const { net, a, b } = pair();
    apply(net, a, b, 'aCreds');
    apply(net, a, b, 'bCreds');
    apply(net, a, b, 'aCand');
    apply(net, a, b, 'aStart');
    apply(net, a, b, 'bStart');
    net.run(3000);
    expect(b.state).toBe('connected');
    expect(b.core.getSelectedPair()!.remote.type).toBe('prflx');
    expect(b.events.some((x) => x.e.type === 'remote-prflx')).toBe(true);
  });

  it('a peer-reflexive remote candidate pairs only with the base that received the check (RFC 8445 §7.3.1.3)', () => {
    const { net, a, b } = pair();
    const second = { address: '10.0.0.3', port: 6001 };
    b.core.addLocalCandidate(hostCandidate(second), 2, second, true);
    for (const s of ['aCreds', 'bCreds', 'aCand', 'aStart', 'bStart'] as const) apply(net, a, b, s);
    net.run(1000);
    expect(b.core.remotes.get('udp', A.address, A.port)!.type).toBe('prflx');
    expect(b.core.pairs().map((p) => p.localBaseId)).toEqual([1]);
    // Once signalled, the same address pairs with every local base.
    apply(net, a, b, 'bCand');
    net.run(10);
    expect(b.core.pairs().map((p) => p.localBaseId).sort()).toEqual([1, 2]);
  });

  it('a signalled candidate replaces the peer-reflexive one of the same address', () => {
    const { net, a, b } = pair();
    for (const s of ['aCreds', 'bCreds', 'aCand', 'aStart', 'bStart'] as const) apply(net, a, b, s);
    net.run(1000);
    apply(net, a, b, 'bCand');
    net.run(10);
    expect(b.core.remotes.get('udp', A.address, A.port)!.type).toBe('host');
    expect(b.core.pairs().length).toBe(1);
  });

  it('ICE restart: data keeps flowing on the old pair until a new pair is selected', () => {
    const { net, a, b } = pair();
    for (const s of ['aCreds', 'bCreds', 'aCand', 'bCand', 'aStart', 'bStart'] as const) apply(net, a, b, s);
    net.run(1000);
    const firstSelect = selectedAt(a)!;
    a.core.restart(net.now);
    b.core.restart(net.now);
    // Before the new credentials arrive: data on the old pair still passes both ways.
    for (let i = 0; i < 10; i++) {
      expect(net.inject(b, A, Buffer.from([0x80, i]))).toBe(true);
      expect(net.inject(a, B, Buffer.from([0x80, i]))).toBe(true);
      net.run(1000);
    }
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
    for (const s of ['aCreds', 'bCreds', 'aCand', 'bCand'] as const) apply(net, a, b, s);
    net.run(2000);
    const selects = a.events.filter((x) => x.e.type === 'selected-pair');
    expect(selects.length).toBe(2);
    expect(selects[1]!.at).toBeGreaterThan(firstSelect);
    expect(b.events.filter((x) => x.e.type === 'selected-pair').length).toBe(2);
    expect(stateEvents(a).map((s) => s.state)).toEqual(['checking', 'connected']);
    net.run(60_000);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
  });

  it('ICE restart revives a failed agent', () => {
    const { net, a, b } = pair();
    net.filter = () => false;
    for (const s of ['aCreds', 'bCreds', 'aCand', 'bCand', 'aStart', 'bStart'] as const) apply(net, a, b, s);
    net.run(30_000);
    expect(a.state).toBe('failed');
    net.filter = () => true;
    a.core.restart(net.now);
    b.core.restart(net.now);
    for (const s of ['aCreds', 'bCreds', 'aCand', 'bCand'] as const) apply(net, a, b, s);
    net.run(2000);
    expect(a.state).toBe('connected');
    expect(b.state).toBe('connected');
  });
});
