import { describe, expect, it } from 'vitest';
import { StunClass, StunMethod } from '../../../src/stun/constants.js';
import { StunMessage } from '../../../src/stun/message.js';
import { restApiCredentials } from '../../../src/turn-server/auth.js';
import { CoreHarness, errorCode, isSuccess, REALM, StunAttr, T0, TestClient } from './harness.js';

const CLIENT = { address: '203.0.113.5', port: 40000 };
const PEER = { address: '198.51.100.7', port: 5000 };

function allocated(h = new CoreHarness(), from = CLIENT, user = 'alice', pass = 'secret'): TestClient {
  const c = new TestClient(h, from, user, pass);
  expect(isSuccess(c.allocate())).toBe(true);
  return c;
}

describe('TurnServerCore: Allocate and authentication', () => {
  it('challenges an unauthenticated Allocate with 401, REALM and NONCE, then allocates', () => {
    const h = new CoreHarness();
    const c = new TestClient(h, CLIENT);
    const tid = h.tid();
    const [challenge] = h.udp(CLIENT, new StunMessage(StunMethod.Allocate, StunClass.Request, tid).setRequestedTransport(17).encode());
    expect(errorCode(challenge)).toBe(401);
    expect(challenge!.getRealm()).toBe(REALM);
    expect(challenge!.getNonce()).toMatch(/^[0-9a-f]{32}$/);
    expect(h.core.allocationCount).toBe(0);
    const res = c.allocate();
    expect(isSuccess(res)).toBe(true);
    expect(c.verify(res!)).toBe(true);
    expect(res!.getXorRelayedAddress()).toEqual({ address: '192.0.2.1', port: 50000 });
    expect(res!.getXorMappedAddress()).toEqual(CLIENT);
    expect(res!.getLifetime()).toBe(600);
    expect(res!.hasAttr(StunAttr.Fingerprint)).toBe(true);
    expect(h.core.allocationCount).toBe(1);
  });

  it('answers a retransmitted Allocate with the same response, and a new one on the same 5-tuple with 437', () => {
    const h = new CoreHarness();
    const c = new TestClient(h, CLIENT);
    c.allocate();
    const first = h.toClient.at(-1)!.data;
    const tid = StunMessage.decode(first).transactionId;
    const again = new StunMessage(StunMethod.Allocate, StunClass.Request, Buffer.from(tid)).setRequestedTransport(17);
    again.setUsername('alice').setRealm(REALM).setNonce(c.nonce!);
    h.udp(CLIENT, again.encode({ integrityKey: c.key }));
    expect(h.toClient.at(-1)!.data.equals(first)).toBe(true);
    expect(h.relays.length).toBe(1);
    expect(errorCode(c.allocate())).toBe(437);
  });

  it('refuses a wrong password with 401 and rate-limits a brute-force burst per source IP', () => {
    const h = new CoreHarness();
    const c = new TestClient(h, CLIENT, 'alice', 'wrong');
    let answered = 0;
    for (let i = 0; i < 50; i++) {
      const before = h.toClient.length;
      const res = c.allocate();
      if (h.toClient.length > before) answered++;
      if (res) expect(errorCode(res)).toBe(401);
    }
    // Each attempt: the unauthenticated probe is answered on the first try only (nonce kept), then the signed one.
    expect(h.core.stats.authFailures).toBe(10);
    expect(h.core.drops.count('auth-rate-limited')).toBeGreaterThanOrEqual(40);
    expect(answered).toBeLessThan(15);
    // The right password from the same IP waits for the bucket to refill (1 per second).
    const good = new TestClient(h, { address: CLIENT.address, port: 40001 });
    good.nonce = c.nonce;
    expect(good.allocate()).toBeUndefined();
    h.advance(2_000);
    expect(isSuccess(good.allocate())).toBe(true);
    // Another source is not affected.
    expect(isSuccess(allocated(h, { address: '203.0.113.6', port: 1 }).refresh())).toBe(true);
  });

  it('10,000 unauthenticated Allocates create no state', () => {
    const h = new CoreHarness();
    for (let i = 0; i < 10_000; i++) {
      const from = { address: `10.${(i >> 8) & 255}.${i & 255}.1`, port: 1000 + (i % 50000) };
      h.core.handleUdp(h.listener, new StunMessage(StunMethod.Allocate, StunClass.Request, h.tid()).setRequestedTransport(17).encode(), from, h.now);
    }
    expect(h.toClient.length).toBe(10_000);
    expect(h.core.allocationCount).toBe(0);
    expect(h.core.limitedSources).toBe(0);
    expect(h.core.pollTimeout()).toBeUndefined();
    expect(h.core.stats.challenges).toBe(10_000);
  });

  it('rotates nonces: an expired one gets 438 with a fresh nonce, and the retry succeeds', () => {
    const h = new CoreHarness({ nonceLifetimeMs: 60_000 });
    const c = allocated(h);
    const old = c.nonce;
    h.advance(61_000);
    const res = c.refresh(600);
    expect(isSuccess(res)).toBe(true);
    expect(c.nonce).not.toBe(old);
    // A nonce handed to another address is not valid here.
    const other = new TestClient(h, { address: '203.0.113.9', port: 9 });
    other.nonce = c.nonce;
    const start = h.toClient.length;
    other.allocate();
    expect(errorCode(StunMessage.decode(h.toClient[start]!.data))).toBe(438);
  });

  it('accepts TURN REST API credentials until they expire', () => {
    const h = new CoreHarness({ sharedSecrets: ['s3cret'] });
    const { username, credential } = restApiCredentials('s3cret', 'carol', 60, T0);
    expect(username).toMatch(/^\d+:carol$/);
    expect(isSuccess(allocated(h, CLIENT, username, credential).refresh())).toBe(true);
    h.advance(61_000);
    const late = new TestClient(h, { address: '203.0.113.8', port: 2 }, username, credential);
    expect(errorCode(late.allocate())).toBe(401);
    const forged = new TestClient(h, { address: '203.0.113.7', port: 2 }, `${Math.floor(h.now / 1000) + 60}:carol`, 'guess');
    expect(errorCode(forged.allocate())).toBe(401);
  });

  it('checks REQUESTED-TRANSPORT, address family, DONT-FRAGMENT and reservation tokens', () => {
    const h = new CoreHarness();
    const c = new TestClient(h, CLIENT);
    expect(errorCode(c.request((tid) => new StunMessage(StunMethod.Allocate, StunClass.Request, tid)))).toBe(400);
    expect(errorCode(c.allocate((m) => m.setRequestedTransport(6)))).toBe(442);
    expect(errorCode(c.allocate((m) => m.setRequestedAddressFamily(6)))).toBe(440);
    const df = c.allocate((m) => m.setDontFragment());
    expect(errorCode(df)).toBe(420);
    expect(df!.getUnknownAttributes()).toEqual([StunAttr.DontFragment]);
    expect(errorCode(c.allocate((m) => m.setReservationToken(Buffer.alloc(8, 1))))).toBe(508);
    expect(h.core.allocationCount).toBe(0);
  });

  it('answers Binding requests without authentication or state', () => {
    const h = new CoreHarness();
    const [res] = h.udp(CLIENT, new StunMessage(StunMethod.Binding, StunClass.Request, h.tid()).encode());
    expect(isSuccess(res)).toBe(true);
    expect(res!.getXorMappedAddress()).toEqual(CLIENT);
    expect(h.core.allocationCount).toBe(0);
  });

  it('enforces per-user and total allocation quotas', () => {
    const h = new CoreHarness({ maxAllocationsPerUser: 2, maxAllocations: 3 });
    allocated(h, { address: '203.0.113.1', port: 1 });
    allocated(h, { address: '203.0.113.1', port: 2 });
    expect(errorCode(new TestClient(h, { address: '203.0.113.1', port: 3 }).allocate())).toBe(486);
    allocated(h, { address: '203.0.113.1', port: 4 }, 'bob', 'hunter2');
    expect(errorCode(new TestClient(h, { address: '203.0.113.1', port: 5 }, 'bob', 'hunter2').allocate())).toBe(508);
    expect(h.core.stats.quotaRefusals).toBe(2);
  });

  it('answers 508 when no relay socket can be opened, and frees the quota', () => {
    const h = new CoreHarness({ maxAllocations: 1 });
    h.autoOpen = false;
    const c = new TestClient(h, CLIENT);
    const before = h.toClient.length;
    c.allocate();
    expect(h.toClient.length).toBe(before + 1); // only the 401 so far
    h.core.relayFailed(h.pending.pop()!);
    expect(errorCode(StunMessage.decode(h.toClient.at(-1)!.data))).toBe(508);
    expect(h.core.allocationCount).toBe(0);
  });
});

describe('TurnServerCore: Refresh and lifetimes', () => {
  it('refreshes, clamps to the maximum, deletes on LIFETIME 0', () => {
    const h = new CoreHarness({ maxLifetimeSec: 1200 });
    const c = allocated(h);
    expect(c.refresh(5000)!.getLifetime()).toBe(1200);
    expect(c.refresh(0)!.getLifetime()).toBe(0);
    expect(h.core.allocationCount).toBe(0);
    expect(h.relays[0]!.closed).toBe(true);
    expect(errorCode(c.refresh(600))).toBe(437);
  });

  it('expires an allocation that is not refreshed and closes its relay', () => {
    const h = new CoreHarness();
    const c = allocated(h);
    h.advance(599_000);
    expect(h.core.allocationCount).toBe(1);
    expect(isSuccess(c.refresh(600))).toBe(true);
    h.advance(599_000);
    expect(h.core.allocationCount).toBe(1);
    h.advance(2_000);
    expect(h.core.allocationCount).toBe(0);
    expect(h.relays[0]!.closed).toBe(true);
    expect(h.core.pollTimeout()).toBeUndefined();
  });

  it('refuses requests on an allocation from another user with 441', () => {
    const h = new CoreHarness();
    allocated(h);
    const bob = new TestClient(h, CLIENT, 'bob', 'hunter2');
    expect(errorCode(bob.refresh(600))).toBe(441);
  });
});

describe('TurnServerCore: permissions, indications and channels', () => {
  it('refuses loopback, private and own addresses by default and allows configured ranges', () => {
    const h = new CoreHarness({ ownAddresses: ['192.0.2.1'] });
    const c = allocated(h);
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.16.0.1', '169.254.1.1', '0.0.0.0', '224.0.0.1', '192.0.2.1', '100.64.0.1']) {
      expect(errorCode(c.permit({ address, port: 1 })), address).toBe(403);
      expect(errorCode(c.bind(0x4000, { address, port: 1 })), address).toBe(403);
    }
    expect(errorCode(c.permit({ address: '::1', port: 1 }))).toBe(443);
    expect(h.core.stats.deniedPeers).toBe(18);
    const open = new CoreHarness({ allowedPeers: ['127.0.0.0/8'] });
    expect(isSuccess(allocated(open).permit({ address: '127.0.0.1', port: 1 }))).toBe(true);
  });

  it('relays Send indications only with a permission, which lasts 300 s', () => {
    const h = new CoreHarness();
    const c = allocated(h);
    c.sendIndication(PEER, Buffer.from('early'));
    expect(h.toPeer.length).toBe(0);
    expect(h.core.drops.count('send-no-permission')).toBe(1);
    expect(isSuccess(c.permit(PEER))).toBe(true);
    c.sendIndication(PEER, Buffer.from('hello'));
    expect(h.toPeer.map((p) => p.data.toString())).toEqual(['hello']);
    expect(h.toPeer[0]!.peer).toEqual(PEER);
    // A peer's datagram comes back as a Data indication.
    h.core.handleRelay([...h.core.allocations()][0]!, Buffer.from('back'), PEER, h.now);
    const data = StunMessage.decode(h.toClient.at(-1)!.data);
    expect(data.method).toBe(StunMethod.Data);
    expect(data.messageClass).toBe(StunClass.Indication);
    expect(data.getXorPeerAddress()).toEqual(PEER);
    expect(data.getData()!.toString()).toBe('back');
    // Unknown peers and other IPs are dropped.
    h.core.handleRelay([...h.core.allocations()][0]!, Buffer.from('x'), { address: '198.51.100.8', port: 1 }, h.now);
    expect(h.core.drops.count('relay-no-permission')).toBe(1);
    h.advance(300_001);
    c.sendIndication(PEER, Buffer.from('late'));
    expect(h.toPeer.length).toBe(1);
    h.core.handleRelay([...h.core.allocations()][0]!, Buffer.from('late'), PEER, h.now);
    expect(h.core.drops.count('relay-no-permission')).toBe(2);
  });

  it('binds channels, relays ChannelData both ways, refuses rebinding, expires after 600 s', () => {
    const h = new CoreHarness();
    const c = allocated(h);
    expect(errorCode(c.bind(0x3fff, PEER))).toBe(400);
    expect(errorCode(c.bind(0x7fff, PEER))).toBe(400);
    expect(isSuccess(c.bind(0x4001, PEER))).toBe(true);
    expect(errorCode(c.bind(0x4002, PEER))).toBe(400);
    expect(errorCode(c.bind(0x4001, { ...PEER, port: 5001 }))).toBe(400);
    c.channelData(0x4001, Buffer.from('to-peer'));
    expect(h.toPeer.at(-1)!.data.toString()).toBe('to-peer');
    c.channelData(0x4002, Buffer.from('unbound'));
    expect(h.core.drops.count('channel-data-unbound')).toBe(1);
    const alloc = [...h.core.allocations()][0]!;
    h.core.handleRelay(alloc, Buffer.from('to-client'), PEER, h.now);
    const out = h.toClient.at(-1)!.data;
    expect(out.readUInt16BE(0)).toBe(0x4001);
    expect(out.readUInt16BE(2)).toBe(9);
    expect(out.subarray(4).toString()).toBe('to-client');
    // The channel keeps its permission alive only while refreshed: refresh the channel at 4 minutes.
    h.advance(240_000);
    expect(isSuccess(c.bind(0x4001, PEER))).toBe(true);
    expect(isSuccess(c.refresh(3600))).toBe(true);
    h.advance(500_000);
    c.channelData(0x4001, Buffer.from('a'));
    expect(h.core.drops.count('channel-data-no-permission')).toBe(1);
    h.advance(101_000);
    c.channelData(0x4001, Buffer.from('b'));
    expect(h.core.drops.count('channel-data-unbound') + h.core.drops.count('channel-data-expired')).toBe(2);
    expect(alloc.channels.size).toBe(0);
    // The number is free again.
    expect(isSuccess(c.bind(0x4001, { ...PEER, port: 5001 }))).toBe(true);
  });

  it('bounds permissions and channels per allocation', () => {
    const h = new CoreHarness({ maxPermissionsPerAllocation: 2, maxChannelsPerAllocation: 1 });
    const c = allocated(h);
    expect(isSuccess(c.permit({ address: '198.51.100.1', port: 1 }, { address: '198.51.100.2', port: 1 }))).toBe(true);
    expect(errorCode(c.permit({ address: '198.51.100.3', port: 1 }))).toBe(508);
    expect(isSuccess(c.bind(0x4000, { address: '198.51.100.1', port: 1 }))).toBe(true);
    expect(errorCode(c.bind(0x4001, { address: '198.51.100.2', port: 1 }))).toBe(508);
    const many = Array.from({ length: 17 }, (_, i) => ({ address: '198.51.100.1', port: i + 1 }));
    expect(errorCode(c.permit(...many))).toBe(400);
  });

  it('limits bandwidth per allocation and direction', () => {
    const h = new CoreHarness({ bandwidthBytesPerSec: 100_000 });
    const c = allocated(h);
    c.bind(0x4000, PEER);
    const payload = Buffer.alloc(1000);
    for (let i = 0; i < 200; i++) c.channelData(0x4000, payload);
    expect(h.toPeer.length).toBe(100);
    expect(h.core.drops.count('bandwidth-to-peer')).toBe(100);
    h.advance(100);
    for (let i = 0; i < 20; i++) c.channelData(0x4000, payload);
    expect(h.toPeer.length).toBe(110);
  });

  it('pads ChannelData to a multiple of four over streams, and ends the allocation when the stream closes', () => {
    const h = new CoreHarness();
    const tuple = { key: 's1', protocol: 'tcp' as const, remote: CLIENT, local: { address: '192.0.2.1', port: 3478 }, link: 'conn' };
    const c = new TestClient(h, CLIENT);
    // Drive the stream by hand: the first request learns the nonce over UDP from the same address.
    c.allocate();
    c.refresh(0);
    const alloc = (tid: Buffer): Buffer =>
      new StunMessage(StunMethod.Allocate, StunClass.Request, tid).setRequestedTransport(17).setUsername('alice').setRealm(REALM).setNonce(c.nonce!).encode({ integrityKey: c.key });
    h.core.handleStreamFrame(tuple, alloc(h.tid()), h.now);
    expect(isSuccess(StunMessage.decode(h.toClient.at(-1)!.data))).toBe(true);
    const bind = new StunMessage(StunMethod.ChannelBind, StunClass.Request, h.tid()).setChannelNumber(0x4000).addXorPeerAddress(PEER);
    bind.setUsername('alice').setRealm(REALM).setNonce(c.nonce!);
    h.core.handleStreamFrame(tuple, bind.encode({ integrityKey: c.key }), h.now);
    const a = h.core.allocationOf('s1')!;
    h.core.handleRelay(a, Buffer.from('abcde'), PEER, h.now);
    const out = h.toClient.at(-1)!.data;
    expect(out.length).toBe(12);
    expect(out.readUInt16BE(2)).toBe(5);
    h.core.streamClosed(tuple);
    expect(h.core.allocationCount).toBe(0);
  });

  it('drops ChannelData and Send indications from clients without an allocation', () => {
    const h = new CoreHarness();
    const c = new TestClient(h, CLIENT);
    c.channelData(0x4000, Buffer.from('x'));
    c.sendIndication(PEER, Buffer.from('x'));
    expect(h.core.drops.count('channel-data-no-allocation')).toBe(1);
    expect(h.core.drops.count('send-no-allocation')).toBe(1);
    expect(h.toPeer.length).toBe(0);
  });
});
