import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { StunClass, StunMessage, StunMethod, newTransactionId } from '../../../src/stun/index.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import { RFC5780_ATTR, VirtualNetwork, type NatBehavior } from '../../../src/vnet/index.js';
import { readAddressValue } from '../../../src/stun/address.js';

const readAddr = (v: Buffer): TransportAddress | undefined => readAddressValue(v, 0, v.length);

const rng = new SeededRng(5);

function bindingRequest(changeFlags?: number): StunMessage {
  const m = new StunMessage(StunMethod.Binding, StunClass.Request, newTransactionId(rng));
  if (changeFlags !== undefined) {
    const v = Buffer.alloc(4);
    v.writeUInt32BE(changeFlags);
    m.addAttr(RFC5780_ATTR.ChangeRequest, v);
  }
  return m;
}

async function behindNat(mapping: NatBehavior, filtering: NatBehavior) {
  const clock = new FakeClock();
  const net = new VirtualNetwork({ clock });
  const router = net.addRouter({ lanCidr: '192.168.7.0/24', publicAddress: '203.0.113.70', nat: { mapping, filtering } });
  const stun = net.addStunServer({ router: net.wan, address: '198.51.100.1', otherAddress: '198.51.100.2' });
  const host = net.addHost({ router, address: '192.168.7.2' });
  const sock = await host.bindUdp({ address: '192.168.7.2', port: 0 });
  const responses: StunMessage[] = [];
  sock.onMessage((d) => responses.push(StunMessage.decode(d)));
  const ask = async (to: TransportAddress, change?: number): Promise<StunMessage | undefined> => {
    const req = bindingRequest(change);
    sock.send(req.encode({ fingerprint: true }), to);
    await clock.advance(20);
    return responses.find((r) => r.transactionId.equals(req.transactionId));
  };
  return { clock, net, stun, ask };
}

describe('VirtualStunServer', () => {
  it('answers a Binding request with the reflexive address (UDP) and a fingerprint', async () => {
    const t = await behindNat('endpoint-independent', 'endpoint-independent');
    const res = await t.ask(t.stun.address);
    expect(res?.messageClass).toBe(StunClass.SuccessResponse);
    expect(res?.getXorMappedAddress()).toEqual({ address: '203.0.113.70', port: 49152 });
    expect(res?.verifyFingerprint()).toBe(true);
    expect(t.stun.stats.requests).toBe(1);
    t.net.close();
  });

  it('answers over TCP with length-delimited framing, split across writes', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const stun = net.addStunServer({ router: net.wan, address: '198.51.100.1' });
    const client = net.addHost({ router: net.wan, address: '198.51.100.50' });
    const connP = client.dialTcp({ address: '198.51.100.1', port: 3478 });
    await clock.advance(5);
    const conn = await connP;
    const chunks: Buffer[] = [];
    conn.onData((d) => chunks.push(d));
    const a = bindingRequest().encode();
    const b = bindingRequest().encode();
    const both = Buffer.concat([a, b]);
    conn.write(both.subarray(0, 7));
    conn.write(both.subarray(7));
    await clock.advance(5);
    const all = Buffer.concat(chunks);
    const first = StunMessage.decode(all);
    const second = StunMessage.decode(all.subarray(first.raw!.length));
    expect(first.getXorMappedAddress()).toEqual(conn.localAddress);
    expect(second.transactionId.equals(StunMessage.decode(b).transactionId)).toBe(true);
    expect(stun.stats.responses).toBe(2);
    net.close();
  });

  it('rejects unknown comprehension-required attributes with 420 and ignores garbage', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const stun = net.addStunServer({ router: net.wan, address: '198.51.100.1' }); // no RFC 5780: CHANGE-REQUEST unknown
    const c = await net.addHost({ router: net.wan, address: '198.51.100.9' }).bindUdp({ address: '198.51.100.9', port: 1 });
    const got: StunMessage[] = [];
    c.onMessage((d) => got.push(StunMessage.decode(d)));
    c.send(bindingRequest(0).encode(), stun.address);
    c.send(Buffer.from('not stun'), stun.address);
    await clock.advance(5);
    expect(got[0]?.getErrorCode()?.code).toBe(420);
    expect(got[0]?.getUnknownAttributes()).toEqual([RFC5780_ATTR.ChangeRequest]);
    expect(stun.stats.dropped).toEqual({ 'not-stun': 1 });
    net.close();
  });

  // RFC 5780 §4.3: mapping behaviour from Binding requests to the primary and alternate addresses.
  for (const mapping of ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'] as const) {
    it(`RFC 5780 §4.3 mapping test classifies ${mapping}`, async () => {
      const t = await behindNat(mapping, 'endpoint-independent');
      const r1 = (await t.ask(t.stun.address))!;
      const otherRaw = r1.getAttr(RFC5780_ATTR.OtherAddress)!;
      const other = readAddr(otherRaw)!;
      expect(other).toEqual({ address: '198.51.100.2', port: 3479 });
      expect(readAddr(r1.getAttr(RFC5780_ATTR.ResponseOrigin)!)).toEqual(t.stun.address);
      const m1 = r1.getXorMappedAddress();
      const m2 = (await t.ask({ address: other.address, port: t.stun.address.port }))!.getXorMappedAddress();
      let verdict: string;
      if (JSON.stringify(m1) === JSON.stringify(m2)) verdict = 'endpoint-independent';
      else {
        const m3 = (await t.ask(other))!.getXorMappedAddress();
        verdict = JSON.stringify(m2) === JSON.stringify(m3) ? 'address-dependent' : 'address-and-port-dependent';
      }
      expect(verdict).toBe(mapping);
      t.net.close();
    });
  }

  // RFC 5780 §4.4: filtering behaviour from CHANGE-REQUEST.
  for (const filtering of ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'] as const) {
    it(`RFC 5780 §4.4 filtering test classifies ${filtering}`, async () => {
      const t = await behindNat('endpoint-independent', filtering);
      expect(await t.ask(t.stun.address)).toBeDefined();
      let verdict: string;
      if (await t.ask(t.stun.address, 0x06)) verdict = 'endpoint-independent';
      else if (await t.ask(t.stun.address, 0x02)) verdict = 'address-dependent';
      else verdict = 'address-and-port-dependent';
      expect(verdict).toBe(filtering);
      t.net.close();
    });
  }

  it('is closed with the network', () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock });
    const stun = net.addStunServer({ router: net.wan, address: '198.51.100.1' });
    net.close();
    expect(stun.host.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});
