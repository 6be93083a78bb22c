import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import {
  DNS_CLASS_IN,
  DnsType,
  HOST_RECORD_TTL_SEC,
  LEGACY_UNICAST_TTL_SEC,
  MdnsCore,
  MdnsError,
  decodeDnsMessage,
  encodeDnsMessage,
  type MdnsCoreEvent,
  type MdnsTransmit,
} from '../../../src/mdns/index.js';
import { bytesToIp, ipv4ToBytes } from '../../../src/mdns/ip-bytes.js';

const UUID_LOCAL = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/;
const peer = { address: '10.0.0.9', port: 5353 };

function drain<T>(poll: () => T | undefined): T[] {
  const out: T[] = [];
  for (let x = poll(); x !== undefined; x = poll()) out.push(x);
  return out;
}

describe('MdnsCore', () => {
  it('publishes a UUIDv4 .local name, announces it twice and answers queries for it only', () => {
    const core = new MdnsCore({ rng: new SeededRng(1) });
    const name = core.publish(0, '192.168.1.5');
    expect(name).toMatch(UUID_LOCAL);
    expect(core.publish(0, '192.168.1.5')).toBe(name);
    const first = drain(() => core.pollTransmit());
    expect(first).toHaveLength(1);
    expect(decodeDnsMessage(first[0]!.data).answers[0]).toMatchObject({ name, type: DnsType.A, ttlSec: HOST_RECORD_TTL_SEC, cacheFlush: true });
    expect(core.pollTimeout()).toBe(1000);
    core.handleTimeout(1000);
    expect(drain(() => core.pollTransmit())).toHaveLength(1);
    expect(core.pollTimeout()).toBeUndefined();

    const q = (n: string, type: number = DnsType.A) =>
      encodeDnsMessage({ id: 0, flags: 0, questions: [{ name: n, type, class: DNS_CLASS_IN, unicastResponse: false }], answers: [], authorities: [], additionals: [] });
    core.handleMessage(2000, q(name.toUpperCase()), peer);
    const [resp] = drain(() => core.pollTransmit());
    expect(resp!.to).toBeUndefined(); // multicast response
    const m = decodeDnsMessage(resp!.data);
    expect(m.questions).toHaveLength(0);
    expect(bytesToIp(m.answers[0]!.data)).toBe('192.168.1.5');
    // Unknown name, or AAAA for a v4-only name: silence.
    core.handleMessage(2000, q('other.local'), peer);
    core.handleMessage(2000, q(name, DnsType.AAAA), peer);
    expect(core.pollTransmit()).toBeUndefined();
    // Known-answer suppression (RFC 6762 §7.1).
    const withKnown = encodeDnsMessage({
      id: 0, flags: 0, questions: [{ name, type: DnsType.A, class: DNS_CLASS_IN, unicastResponse: false }],
      answers: [{ name, type: DnsType.A, class: DNS_CLASS_IN, cacheFlush: false, ttlSec: 100, data: ipv4ToBytes('192.168.1.5') }], authorities: [], additionals: [],
    });
    core.handleMessage(2000, withKnown, peer);
    expect(core.pollTransmit()).toBeUndefined();
    // Legacy unicast (RFC 6762 §6.7): unicast reply, ID and question echoed, TTL ≤ 10 s.
    const legacy = encodeDnsMessage({ id: 0x1234, flags: 0, questions: [{ name, type: DnsType.A, class: DNS_CLASS_IN, unicastResponse: false }], answers: [], authorities: [], additionals: [] });
    core.handleMessage(2000, legacy, { address: '10.0.0.9', port: 40000 });
    const [u] = drain(() => core.pollTransmit());
    expect(u!.to).toEqual({ address: '10.0.0.9', port: 40000 });
    const um = decodeDnsMessage(u!.data);
    expect(um.id).toBe(0x1234);
    expect(um.questions).toHaveLength(1);
    expect(um.answers[0]!.ttlSec).toBe(LEGACY_UNICAST_TTL_SEC);
    // Unpublish sends a goodbye (TTL 0).
    expect(core.unpublish(name)).toBe(true);
    expect(decodeDnsMessage(core.pollTransmit()!.data).answers[0]!.ttlSec).toBe(0);
    core.handleMessage(3000, q(name), peer);
    expect(core.pollTransmit()).toBeUndefined();
  });

  it('resolves through another core, retransmits with doubling intervals, caches, and times out', () => {
    const a = new MdnsCore({ rng: new SeededRng(2) });
    const b = new MdnsCore({ rng: new SeededRng(3) });
    const name = b.publish(0, 'fe80::1234');
    drain(() => b.pollTransmit());
    const id = a.query(0, name, 5000);
    const [query] = drain(() => a.pollTransmit());
    const qm = decodeDnsMessage(query!.data);
    expect(qm.questions.map((q) => q.type)).toEqual([DnsType.A, DnsType.AAAA]);
    b.handleMessage(1, query!.data, peer);
    const [answer] = drain(() => b.pollTransmit());
    a.handleMessage(2, answer!.data, peer);
    expect(drain(() => a.pollEvent())).toEqual<MdnsCoreEvent[]>([{ type: 'resolved', queryId: id, name, address: 'fe80::1234' }]);
    // Cached: resolved without a transmit.
    const id2 = a.query(3, name, 5000, 6);
    expect(a.pollTransmit()).toBeUndefined();
    expect(a.pollEvent()).toEqual({ type: 'resolved', queryId: id2, name, address: 'fe80::1234' });

    // Unknown name: sent at 0, 1000, 3000, then a timeout event at 5000.
    const lost = a.query(10_000, 'nobody.local', 5000, 4);
    const sentAt = [10_000];
    drain(() => a.pollTransmit());
    for (let t = a.pollTimeout(); t !== undefined; t = a.pollTimeout()) {
      a.handleTimeout(t);
      if (drain(() => a.pollTransmit()).length > 0) sentAt.push(t);
    }
    expect(sentAt).toEqual([10_000, 11_000, 13_000]);
    expect(drain(() => a.pollEvent())).toEqual([{ type: 'timeout', queryId: lost, name: 'nobody.local' }]);
    expect(a.pendingCount).toBe(0);
  });

  it('ignores unsolicited answers, honours goodbyes and bounds everything', () => {
    const a = new MdnsCore({ rng: new SeededRng(4), maxPendingQueries: 2, maxCacheEntries: 2, maxPublishedNames: 1 });
    const answer = (n: string, addr: string, ttlSec = 120): Buffer =>
      encodeDnsMessage({ id: 0, flags: 0x8400, questions: [], answers: [{ name: n, type: DnsType.A, class: DNS_CLASS_IN, cacheFlush: true, ttlSec, data: ipv4ToBytes(addr) }], authorities: [], additionals: [] });
    a.handleMessage(0, answer('x.local', '1.2.3.4'), peer);
    expect(a.cacheSize).toBe(0);
    a.query(0, 'a.local', 1000);
    a.query(0, 'b.local', 1000);
    expect(() => a.query(0, 'c.local', 1000)).toThrow(MdnsError);
    expect(() => a.query(0, 'example.com', 1000)).toThrow(MdnsError);
    a.handleMessage(1, answer('a.local', '1.1.1.1'), peer);
    a.handleMessage(1, answer('b.local', '2.2.2.2'), peer);
    expect(a.cacheSize).toBe(2);
    a.query(2, 'c.local', 1000);
    a.handleMessage(3, answer('c.local', '3.3.3.3'), peer);
    expect(a.cacheSize).toBe(2); // oldest evicted
    a.publish(0, '10.0.0.1');
    expect(() => a.publish(0, '10.0.0.2')).toThrow(MdnsError);
    expect(() => a.publish(0, 'not-an-ip')).toThrow(MdnsError);
    drain(() => a.pollEvent());
    // An answer after expiry is not used: a new query goes out.
    a.query(200_000, 'c.local', 1000);
    expect(a.pollTransmit()).toBeDefined();
    a.close();
    a.close();
    expect(() => a.query(0, 'a.local', 1)).toThrow(MdnsError);
    expect(a.pollTimeout()).toBeUndefined();
  });

  it('queries for its own names resolve locally', () => {
    const a = new MdnsCore({ rng: new SeededRng(5) });
    const name = a.publish(0, '10.1.1.1');
    drain(() => a.pollTransmit());
    const id = a.query(0, name, 1000, 4);
    expect(a.pollEvent()).toEqual({ type: 'resolved', queryId: id, name, address: '10.1.1.1' });
    const transmits: MdnsTransmit[] = drain(() => a.pollTransmit());
    expect(transmits).toHaveLength(0);
  });
});
