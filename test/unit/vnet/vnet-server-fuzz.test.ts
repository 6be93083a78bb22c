import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { StunAttr, StunClass, StunMessage, StunMethod, longTermKey, newTransactionId } from '../../../src/stun/index.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

/** Valid-looking TURN/STUN requests with random attributes, then random byte flips. */
function messages(rng: SeededRng, nonce: string) {
  const method = fc.constantFrom(StunMethod.Binding, StunMethod.Allocate, StunMethod.Refresh, StunMethod.CreatePermission, StunMethod.ChannelBind, StunMethod.Send, 0x0fff);
  const cls = fc.constantFrom(StunClass.Request, StunClass.Indication, StunClass.SuccessResponse);
  const peer = Buffer.from([0, 1, 0x21, 0x13, 0xe1, 0x12, 0xa4, 0x43]); // XOR-encoded 192.0.2.1:0
  const attr = fc.oneof(
    fc.tuple(fc.constantFrom<number>(...Object.values(StunAttr), 0x0003, 0x802c, 0x7fff), fc.uint8Array({ maxLength: 24 })),
    fc.tuple(fc.constant<number>(StunAttr.XorPeerAddress), fc.constant(new Uint8Array(peer))),
    fc.tuple(fc.constant<number>(StunAttr.RequestedTransport), fc.constant(new Uint8Array([17, 0, 0, 0]))),
    fc.tuple(fc.constant<number>(StunAttr.ChannelNumber), fc.constantFrom(new Uint8Array([0x40, 0, 0, 0]), new Uint8Array([0x3f, 0xff, 0, 0]))),
    fc.tuple(fc.constant<number>(StunAttr.Lifetime), fc.constantFrom(new Uint8Array([0, 0, 0, 0]), new Uint8Array([0, 0, 0x0e, 0x10]))),
    fc.tuple(fc.constant<number>(StunAttr.Data), fc.uint8Array({ maxLength: 16 })),
  );
  return fc
    .record({ method, cls, attrs: fc.array(attr, { maxLength: 6 }), auth: fc.boolean(), flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 2 }) })
    .map(({ method, cls, attrs, auth, flips }) => {
      const m = new StunMessage(method, cls, newTransactionId(rng));
      for (const [t, v] of attrs) if (t !== StunAttr.MessageIntegrity && t !== StunAttr.Fingerprint) m.addAttr(t, Buffer.from(v));
      if (auth) m.setUsername('u').setRealm('tern.vnet').setNonce(nonce);
      const bytes = m.encode(auth ? { integrityKey: longTermKey('u', 'tern.vnet', 'p') } : {});
      const flipped = Buffer.from(bytes);
      for (const [at, value] of flips) flipped[at % flipped.length] = value;
      return { bytes, flipped };
    });
}

describe('virtual STUN/TURN servers under fuzzed input', () => {
  it('never fail internally, whatever arrives (UDP and TCP)', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const stun = net.addStunServer({ router: net.wan, address: '198.51.100.1', otherAddress: '198.51.100.2' });
    const turn = net.addTurnServer({ router: net.wan, address: '198.51.100.3', credentials: { u: 'p' } });
    const client = net.addHost({ router: net.wan, address: '198.51.100.9' });
    const sock = await client.bindUdp({ address: '198.51.100.9', port: 1 });
    const tcpP = client.dialTcp({ address: '198.51.100.3', port: 3478 });
    await clock.advance(1);
    const tcp = await tcpP;
    // learn the nonce from a 401 challenge, so authenticated requests reach the TURN state machine
    let nonce = '';
    sock.onMessage((d) => {
      nonce = StunMessage.decode(d).getNonce() ?? nonce;
    });
    sock.send(new StunMessage(StunMethod.Allocate, StunClass.Request, newTransactionId(new SeededRng(9))).encode(), turn.address);
    await clock.advance(1);
    expect(nonce).not.toBe('');
    sock.onMessage(() => undefined);
    const samples = fc.sample(messages(new SeededRng(1), nonce), { numRuns: 600, seed: 42 });
    const garbage = fc.sample(fc.uint8Array({ maxLength: 64 }), { numRuns: 200, seed: 7 });
    for (const { bytes, flipped } of samples) {
      for (const b of [bytes, flipped]) {
        sock.send(b, stun.address);
        sock.send(b, turn.address);
      }
      tcp.write(bytes); // one framing error would (rightly) close the connection
    }
    for (const g of garbage) {
      sock.send(g, stun.address);
      sock.send(g, turn.address);
    }
    await clock.advance(10);
    expect(stun.stats.dropped['error']).toBeUndefined();
    expect(turn.stats.dropped['error']).toBeUndefined();
    expect(stun.stats.requests + turn.stats.requests).toBeGreaterThan(50);
    expect(turn.stats.allocations).toBeGreaterThan(0); // some fuzzed Allocates were valid
    net.close();
  });
});
