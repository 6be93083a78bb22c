import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StunAttr, StunClass, StunMethod } from '../../../src/stun/constants.js';
import { longTermKey } from '../../../src/stun/credentials.js';
import { StunMessage } from '../../../src/stun/message.js';
import { encodeChannelData } from '../../../src/turn/channel-data.js';
import { TurnError } from '../../../src/turn/errors.js';
import { CoreHarness, SERVER } from './core-harness.js';

const PEER = { address: '198.51.100.20', port: 5000 };
const PEER2 = { address: '198.51.100.21', port: 6000 };

function allocated(h: CoreHarness): void {
  h.allocate();
  expect(h.core.state).toBe('allocated');
}

describe('TurnClientCore: allocation and long-term credentials', () => {
  it('does the 401 → REALM/NONCE → authenticated retry dance (RFC 8489 §9.2)', () => {
    const h = new CoreHarness();
    h.allocate();
    const [first, second] = h.server.requestsOf(StunMethod.Allocate);
    expect(first).toBeDefined();
    // RFC 8656 §7.1: first Allocate without credentials; REQUESTED-TRANSPORT = UDP (17).
    expect(first!.getUsername()).toBeUndefined();
    expect(first!.hasAttr(StunAttr.MessageIntegrity)).toBe(false);
    expect(first!.getRequestedTransport()).toBe(17);
    // The retry is signed with MD5(user:realm:pass) and carries USERNAME, REALM, NONCE.
    expect(second!.getUsername()).toBe('user');
    expect(second!.getRealm()).toBe('tern');
    expect(second!.getNonce()).toBe('nonce-0');
    expect(second!.verifyIntegrity(longTermKey('user', 'tern', 'pass'))).toBe(true);
    expect(second!.transactionId.equals(first!.transactionId)).toBe(false);
    expect(h.events).toEqual([
      { type: 'allocated', relayed: h.server.relayed, mapped: h.server.mapped, lifetimeSec: 600 },
    ]);
    expect(h.core.relayedAddress).toEqual(h.server.relayed);
    expect(h.core.mappedAddress).toEqual(h.server.mapped);
    expect(h.core.serverAddress).toEqual(SERVER);
  });

  it('fails with ERR_TURN_AUTH when the password is wrong (401 to the authenticated retry)', () => {
    const h = new CoreHarness({ password: 'wrong' });
    h.allocate();
    expect(h.server.requestsOf(StunMethod.Allocate)).toHaveLength(2);
    const [failed] = h.eventsOf('failed');
    expect(failed?.error).toBeInstanceOf(TurnError);
    expect(failed?.error.code).toBe('ERR_TURN_AUTH');
    expect(failed?.error.stunCode).toBe(401);
    expect(h.core.state).toBe('failed');
    expect(h.core.pollTimeout()).toBeUndefined();
  });

  it('recovers from 438 Stale Nonce with the new nonce (RFC 8489 §9.2.5)', () => {
    const h = new CoreHarness();
    h.server.staleNext = 1;
    h.allocate();
    const allocs = h.server.requestsOf(StunMethod.Allocate);
    expect(allocs).toHaveLength(3);
    expect(allocs[1]!.getNonce()).toBe('nonce-0');
    expect(allocs[2]!.getNonce()).toBe('nonce-1');
    expect(h.core.state).toBe('allocated');
  });

  it('gives up after 3 stale-nonce retries of one request', () => {
    const h = new CoreHarness();
    h.server.staleNext = 10;
    h.allocate();
    // unauthenticated + first signed + 3 retries
    expect(h.server.requestsOf(StunMethod.Allocate)).toHaveLength(5);
    expect(h.eventsOf('failed')[0]?.error.stunCode).toBe(438);
  });

  it('uses RFC 8489 password algorithms (SHA-256 key, MESSAGE-INTEGRITY-SHA256) and USERHASH when the nonce cookie announces them', () => {
    const h = new CoreHarness();
    h.server.enableSecurityFeatures([0x0002, 0x0001], true);
    allocated(h);
    const signed = h.server.requestsOf(StunMethod.Allocate)[1]!;
    expect(signed.hasAttr(StunAttr.MessageIntegritySha256)).toBe(true);
    expect(signed.hasAttr(StunAttr.MessageIntegrity)).toBe(false);
    expect(signed.getUsername()).toBeUndefined();
    expect(signed.getAttr(StunAttr.PasswordAlgorithm)).toEqual(Buffer.from([0, 2, 0, 0]));
    // Stale nonces and refreshes keep working with the negotiated algorithm.
    h.server.rotateNonce();
    h.send(Buffer.from('x'), PEER);
    expect(h.eventsOf('permission')).toEqual([{ type: 'permission', address: PEER.address }]);
  });

  it('takes the first supported algorithm of PASSWORD-ALGORITHMS (MD5 here), still signing with SHA-256', () => {
    const h = new CoreHarness();
    h.server.enableSecurityFeatures([0x0001, 0x0002], false);
    allocated(h);
    const signed = h.server.requestsOf(StunMethod.Allocate)[1]!;
    expect(signed.getUsername()).toBe('user');
    expect(signed.getAttr(StunAttr.PasswordAlgorithm)).toEqual(Buffer.from([0, 1, 0, 0]));
  });

  it('does not retry when the nonce cookie announces password algorithms but none is listed (RFC 8489 §9.2.5)', () => {
    const h = new CoreHarness();
    h.server.enableSecurityFeatures([0x0009], false);
    h.allocate();
    expect(h.server.requestsOf(StunMethod.Allocate)).toHaveLength(1);
    expect(h.core.state).toBe('failed');
  });

  it('maps Allocate errors to ERR_TURN_ALLOCATION with the STUN code', () => {
    const h = new CoreHarness();
    h.server.errors.set(StunMethod.Allocate, { code: 486, reason: 'Allocation Quota Reached' });
    h.allocate();
    const e = h.eventsOf('failed')[0]!.error;
    expect(e.code).toBe('ERR_TURN_ALLOCATION');
    expect(e.stunCode).toBe(486);
  });

  it('reports 300 ALTERNATE-SERVER as ERR_TURN_REDIRECT with the alternate address', () => {
    const h = new CoreHarness();
    const alternate = { address: '192.0.2.99', port: 3479 };
    h.server.errors.set(StunMethod.Allocate, { code: 300, reason: 'Try Alternate', alternate });
    h.allocate();
    const e = h.eventsOf('failed')[0]!.error;
    expect(e.code).toBe('ERR_TURN_REDIRECT');
    expect(e.alternateServer).toEqual(alternate);
  });

  it('retransmits Allocate exactly 7 times over UDP and times out at 39.5 s (RFC 8489 §6.2.1)', () => {
    const h = new CoreHarness();
    h.connected = false;
    h.allocate();
    h.advanceTo(60_000);
    expect(h.wire.map((w) => w.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    const [failed] = h.eventsOf('failed');
    expect(failed?.error.code).toBe('ERR_TURN_TIMEOUT');
    expect(h.core.state).toBe('failed');
  });

  it('sends once over TCP and times out after Ti = 39.5 s (RFC 8489 §6.2.2)', () => {
    const h = new CoreHarness({ transport: 'tcp' });
    h.connected = false;
    h.allocate();
    h.advanceTo(39_499);
    expect(h.eventsOf('failed')).toHaveLength(0);
    h.advanceTo(39_500);
    expect(h.wire).toHaveLength(1);
    expect(h.eventsOf('failed')[0]?.error.code).toBe('ERR_TURN_TIMEOUT');
  });

  it('discards a success response whose MESSAGE-INTEGRITY does not verify; retransmission goes on', () => {
    const h = new CoreHarness();
    h.server.corruptNext = 1;
    h.allocate();
    expect(h.core.state).toBe('allocating');
    expect(h.core.drops.count('bad-integrity')).toBe(1);
    h.advanceTo(500);
    expect(h.core.state).toBe('allocated');
  });

  it('discards responses that match no transaction', () => {
    const h = new CoreHarness();
    allocated(h);
    const stray = new StunMessage(StunMethod.Refresh, StunClass.SuccessResponse, Buffer.alloc(12, 1)).encode();
    h.input(stray);
    expect(h.core.drops.count('unknown-transaction')).toBe(1);
    h.input(Buffer.from([0x80, 1, 2, 3]));
    expect(h.core.drops.count('not-turn')).toBe(1);
  });
});

describe('TurnClientCore: refresh', () => {
  it('refreshes a 600 s allocation 60 s before expiry, again and again', () => {
    const h = new CoreHarness({ lifetimeSec: 600 });
    allocated(h);
    h.advanceTo(539_999);
    expect(h.server.requestsOf(StunMethod.Refresh)).toHaveLength(0);
    h.advanceTo(540_000);
    const [r] = h.server.requestsOf(StunMethod.Refresh);
    expect(r?.getLifetime()).toBe(600);
    expect(h.eventsOf('refreshed')).toEqual([{ type: 'refreshed', lifetimeSec: 600 }]);
    h.advanceTo(1_080_000);
    expect(h.server.requestsOf(StunMethod.Refresh)).toHaveLength(2);
  });

  it('refreshes a short allocation at half its lifetime', () => {
    const h = new CoreHarness();
    h.server.grantedLifetimeSec = 100;
    allocated(h);
    h.advanceTo(49_999);
    expect(h.server.requestsOf(StunMethod.Refresh)).toHaveLength(0);
    h.advanceTo(50_000);
    expect(h.server.requestsOf(StunMethod.Refresh)).toHaveLength(1);
  });

  it('recovers from a stale nonce during refresh', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.rotateNonce();
    h.advanceTo(540_000);
    const refreshes = h.server.requestsOf(StunMethod.Refresh);
    expect(refreshes.map((r) => r.getNonce())).toEqual(['nonce-0', 'nonce-1']);
    expect(h.eventsOf('refreshed')).toHaveLength(1);
    expect(h.core.state).toBe('allocated');
  });

  it('retries a timed-out refresh and reports the allocation lost at expiry', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.silent.add(StunMethod.Refresh);
    h.advanceTo(599_999);
    expect(h.core.state).toBe('allocated');
    // First refresh at 540 s times out at 579.5 s; the retry goes out 5 s later.
    const refreshTimes = h.wire.filter((w) => w.at >= 540_000).map((w) => w.at / 1000);
    expect(refreshTimes).toEqual([540, 540.5, 541.5, 543.5, 547.5, 555.5, 571.5, 584.5, 585, 586, 588, 592]);
    h.advanceTo(600_000);
    expect(h.core.state).toBe('failed');
    expect(h.eventsOf('failed')[0]?.error.code).toBe('ERR_TURN_ALLOCATION_LOST');
  });

  it('reports a 437 to Refresh as the allocation lost', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.errors.set(StunMethod.Refresh, { code: 437, reason: 'Allocation Mismatch' });
    h.advanceTo(540_000);
    const e = h.eventsOf('failed')[0]?.error;
    expect(e?.code).toBe('ERR_TURN_ALLOCATION_LOST');
    expect(e?.stunCode).toBe(437);
  });
});

describe('TurnClientCore: permissions, indications and channels', () => {
  it('queues data behind CreatePermission, then sends Send indications; Data indications come in', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.silent.add(StunMethod.CreatePermission);
    h.send(Buffer.from('one'), PEER);
    h.send(Buffer.from('two'), PEER);
    expect(h.server.sendIndications).toHaveLength(0);
    const [cp] = h.server.requestsOf(StunMethod.CreatePermission);
    expect(cp?.getXorPeerAddresses()).toEqual([PEER]);
    expect(cp?.verifyIntegrity(h.server.key)).toBe(true);
    h.server.silent.delete(StunMethod.CreatePermission);
    h.advanceTo(500); // the retransmission gets answered
    expect(h.eventsOf('permission')).toEqual([{ type: 'permission', address: PEER.address }]);
    expect(h.server.sendIndications.map((s) => s.data.toString())).toEqual(['one', 'two']);
    expect(h.core.hasPermission(PEER.address)).toBe(true);
    h.send(Buffer.from('three'), PEER);
    expect(h.server.sendIndications).toHaveLength(3);
    expect(h.server.sendIndications[2]!.peer).toEqual(PEER);
    h.input(h.server.dataIndication(PEER, Buffer.from('hello')));
    expect(h.received).toEqual([{ peer: PEER, data: Buffer.from('hello') }]);
  });

  it('drops Data indications from peers without a permission (RFC 8656 §10.4)', () => {
    const h = new CoreHarness();
    allocated(h);
    h.input(h.server.dataIndication(PEER2, Buffer.from('x')));
    expect(h.received).toHaveLength(0);
    expect(h.core.drops.count('data-without-permission')).toBe(1);
  });

  it('bounds the queue of a pending permission', () => {
    const h = new CoreHarness({ maxQueuedPerPeer: 2 });
    allocated(h);
    h.server.silent.add(StunMethod.CreatePermission);
    for (const s of ['a', 'b', 'c']) h.send(Buffer.from(s), PEER);
    expect(h.core.drops.count('permission-queue-full')).toBe(1);
    h.server.silent.delete(StunMethod.CreatePermission);
    h.advanceTo(500);
    expect(h.server.sendIndications.map((s) => s.data.toString())).toEqual(['b', 'c']);
  });

  it('refreshes used permissions every 4 minutes and lets idle ones lapse after 5', () => {
    const h = new CoreHarness({ autoChannelBindAfter: 0 });
    allocated(h);
    h.send(Buffer.from('a'), PEER);
    h.send(Buffer.from('b'), PEER2);
    expect(h.server.requestsOf(StunMethod.CreatePermission)).toHaveLength(2);
    h.advanceTo(100_000);
    h.send(Buffer.from('c'), PEER); // PEER is used after installation, PEER2 is not
    h.advanceTo(239_999);
    expect(h.server.requestsOf(StunMethod.CreatePermission)).toHaveLength(2);
    h.advanceTo(240_000);
    const cps = h.server.requestsOf(StunMethod.CreatePermission);
    expect(cps).toHaveLength(3);
    expect(cps[2]!.getXorPeerAddresses()[0]!.address).toBe(PEER.address);
    h.advanceTo(300_000);
    expect(h.core.hasPermission(PEER.address)).toBe(true);
    expect(h.core.hasPermission(PEER2.address)).toBe(false);
    expect(h.core.permissionCount).toBe(1);
  });

  it('reports a refused CreatePermission as ERR_TURN_PERMISSION and drops the queued data', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.errors.set(StunMethod.CreatePermission, { code: 403, reason: 'Forbidden' });
    h.send(Buffer.from('a'), PEER);
    const [p] = h.eventsOf('permission');
    expect(p?.error?.code).toBe('ERR_TURN_PERMISSION');
    expect(p?.error?.stunCode).toBe(403);
    expect(h.core.permissionCount).toBe(0);
  });

  it('treats 437 Allocation Mismatch to CreatePermission as the allocation lost', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.errors.set(StunMethod.CreatePermission, { code: 437, reason: 'Allocation Mismatch' });
    h.send(Buffer.from('a'), PEER);
    expect(h.core.state).toBe('failed');
    expect(h.eventsOf('failed')[0]?.error).toMatchObject({ code: 'ERR_TURN_ALLOCATION_LOST', stunCode: 437 });
  });

  it('limits the number of permissions', () => {
    const h = new CoreHarness({ maxPermissions: 1 });
    allocated(h);
    h.core.createPermission(h.now, PEER);
    expect(() => h.core.createPermission(h.now, PEER2)).toThrow(expect.objectContaining({ code: 'ERR_TURN_LIMIT' }));
    h.send(Buffer.from('x'), PEER2);
    expect(h.core.drops.count('permission-limit')).toBe(1);
  });

  it('binds a channel and switches to ChannelData without padding over UDP', () => {
    const h = new CoreHarness();
    allocated(h);
    const r = h.core.bindChannel(h.now, PEER);
    expect(r).toEqual({ channel: 0x4000, state: 'pending' });
    h.pump();
    const [cb] = h.server.requestsOf(StunMethod.ChannelBind);
    expect(cb?.getChannelNumber()).toBe(0x4000);
    expect(cb?.getXorPeerAddresses()).toEqual([PEER]);
    expect(h.eventsOf('channel')).toEqual([{ type: 'channel', peer: PEER, channel: 0x4000 }]);
    // RFC 8656 §12.2: the binding installs the permission too.
    expect(h.core.hasPermission(PEER.address)).toBe(true);
    h.send(Buffer.from('abcde'), PEER);
    expect(h.server.channelData).toEqual([{ channel: 0x4000, data: Buffer.from('abcde'), wireLength: 9 }]);
    h.input(encodeChannelData(0x4000, Buffer.from('back'), false));
    expect(h.received).toEqual([{ peer: PEER, data: Buffer.from('back') }]);
    // Unknown channel numbers are dropped.
    h.input(encodeChannelData(0x4001, Buffer.from('?'), false));
    expect(h.core.drops.count('unknown-channel')).toBe(1);
    expect(h.core.bindChannel(h.now, PEER)).toEqual({ channel: 0x4000, state: 'bound' });
    expect(h.core.bindChannel(h.now, PEER2).channel).toBe(0x4001);
  });

  it('pads ChannelData to four bytes over TCP (RFC 8656 §12.5)', () => {
    const h = new CoreHarness({ transport: 'tcp' });
    allocated(h);
    h.core.bindChannel(h.now, PEER);
    h.pump();
    h.send(Buffer.from('abcde'), PEER);
    expect(h.server.channelData[0]).toEqual({ channel: 0x4000, data: Buffer.from('abcde'), wireLength: 12 });
  });

  it('refreshes a used channel every 4 minutes and lets an idle one expire after 10', () => {
    const h = new CoreHarness();
    allocated(h);
    h.core.bindChannel(h.now, PEER);
    h.core.bindChannel(h.now, PEER2);
    h.pump();
    h.advanceTo(10_000);
    h.send(Buffer.from('x'), PEER);
    h.advanceTo(240_000);
    const binds = h.server.requestsOf(StunMethod.ChannelBind);
    expect(binds).toHaveLength(3);
    expect(binds[2]!.getChannelNumber()).toBe(0x4000);
    h.advanceTo(600_000);
    expect(h.core.boundChannel(PEER)).toBe(0x4000);
    expect(h.core.boundChannel(PEER2)).toBeUndefined();
  });

  it('binds a channel automatically after N datagrams to one peer', () => {
    const h = new CoreHarness({ autoChannelBindAfter: 3 });
    allocated(h);
    for (let i = 0; i < 5; i++) h.send(Buffer.from([i]), PEER);
    // 1st: queued behind the permission; 2nd..: Send indications; the 3rd after install triggers the bind.
    expect(h.server.requestsOf(StunMethod.ChannelBind)).toHaveLength(1);
    expect(h.server.sendIndications.length + h.server.channelData.length).toBe(5);
    expect(h.server.channelData.length).toBeGreaterThan(0);
  });

  it('reports a refused ChannelBind as ERR_TURN_CHANNEL', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.errors.set(StunMethod.ChannelBind, { code: 400, reason: 'Bad Request', unsigned: true });
    h.core.bindChannel(h.now, PEER);
    h.pump();
    expect(h.eventsOf('channel')[0]?.error?.code).toBe('ERR_TURN_CHANNEL');
    expect(h.core.channelCount).toBe(0);
  });
});

describe('TurnClientCore: close', () => {
  it('sends Refresh with LIFETIME 0 and reports closed on the answer', () => {
    const h = new CoreHarness();
    allocated(h);
    h.core.close(h.now);
    expect(h.core.state).toBe('closing');
    h.pump();
    const [r] = h.server.requestsOf(StunMethod.Refresh);
    expect(r?.getLifetime()).toBe(0);
    expect(r?.verifyIntegrity(h.server.key)).toBe(true);
    expect(h.server.allocated).toBe(false);
    expect(h.core.state).toBe('closed');
    expect(h.eventsOf('closed')).toHaveLength(1);
    h.core.close(h.now); // idempotent
    expect(h.eventsOf('closed')).toHaveLength(1);
    expect(h.core.pollTimeout()).toBeUndefined();
  });

  it('retries the closing Refresh on a stale nonce', () => {
    const h = new CoreHarness();
    allocated(h);
    h.server.rotateNonce();
    h.core.close(h.now);
    h.pump();
    expect(h.server.requestsOf(StunMethod.Refresh)).toHaveLength(2);
    expect(h.server.allocated).toBe(false);
    expect(h.core.state).toBe('closed');
  });

  it('gives up on an unanswered closing Refresh after 3 sends', () => {
    const h = new CoreHarness();
    allocated(h);
    h.connected = false;
    h.wire.length = 0;
    h.core.close(h.now);
    h.pump();
    h.advanceTo(10_000);
    expect(h.wire.map((w) => w.at)).toEqual([0, 500, 1500]);
    expect(h.core.state).toBe('closed');
    expect(h.eventsOf('closed')).toHaveLength(1);
  });

  it('releases an allocation whose signed Allocate is still unanswered when closed', () => {
    const h = new CoreHarness();
    h.server.silent.add(StunMethod.Allocate);
    h.core.allocate(0);
    // Answer only the unauthenticated Allocate with the 401 challenge.
    const first = h.core.pollTransmit()!;
    h.server.silent.delete(StunMethod.Allocate);
    for (const r of h.server.handle(first)) h.input(r);
    h.connected = false;
    h.pump();
    h.connected = true;
    h.core.close(h.now);
    h.pump();
    const [r] = h.server.requestsOf(StunMethod.Refresh);
    expect(r?.getLifetime()).toBe(0);
    expect(h.core.state).toBe('closed');
  });

  it('rejects invalid configuration with a typed error', () => {
    expect(() => new CoreHarness({ lifetimeSec: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => new CoreHarness({ maxChannels: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('closes at once when nothing was allocated; refuses work afterwards', () => {
    const h = new CoreHarness();
    h.core.close(0);
    h.pump();
    expect(h.core.state).toBe('closed');
    expect(h.wire).toHaveLength(0);
    expect(() => h.core.createPermission(0, PEER)).toThrow(expect.objectContaining({ code: 'ERR_TURN_CLOSED' }));
    expect(h.core.send(0, Buffer.from('x'), PEER)).toBeUndefined();
  });
});

describe('TurnClientCore: hostile input', () => {
  it('never throws on arbitrary datagrams, in any state', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }), (alloc, inputs) => {
        const h = new CoreHarness();
        if (alloc) {
          h.allocate();
          h.core.bindChannel(h.now, PEER);
          h.pump();
        }
        for (const i of inputs) {
          // Half of them look like STUN or ChannelData to get past the first checks.
          const b = Buffer.from(i);
          if (b.length > 0 && b[0]! & 1) b[0] = b[0]! & 0x7f;
          expect(() => h.core.handleInput(h.now, b)).not.toThrow();
        }
      }),
      { numRuns: 300 },
    );
  });
});
