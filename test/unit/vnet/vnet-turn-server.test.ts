import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { longTermKey, newTransactionId, parseIceServerUri, StunClass, StunMessage, StunMethod, TRANSPORT_UDP } from '../../../src/stun/index.js';
import { createTurnRelay } from '../../../src/turn/index.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

const TURN_IP = '198.51.100.50';
const SYMMETRIC = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' } as const;

function world(seed = 1) {
  const clock = new FakeClock();
  const net = new VirtualNetwork({ clock, rng: new SeededRng(seed) });
  const turn = net.addTurnServer({ router: net.wan, address: TURN_IP, credentials: { alice: 'secret' } });
  const home = net.addRouter({ lanCidr: '192.168.1.0/24', publicAddress: '203.0.113.1', nat: SYMMETRIC, impairment: { latencyMs: 15 } });
  const client = net.addHost({ router: home, address: '192.168.1.2' });
  const peerHost = net.addHost({ router: net.wan, address: '198.51.100.77' });
  return { clock, net, turn, home, client, peerHost };
}

async function settle<T>(clock: FakeClock, p: Promise<T>, maxMs = 30_000): Promise<T> {
  let done = false;
  const w = p.finally(() => {
    done = true;
  });
  w.catch(() => undefined);
  await clock.runUntil(() => done, maxMs, 5);
  return w;
}

describe('VirtualTurnServer with the TURN client', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`relays both ways for a client behind a symmetric NAT (${transport})`, async () => {
      const w = world();
      const relay = await settle(
        w.clock,
        createTurnRelay({
          server: parseIceServerUri(`turn:${TURN_IP}:3478?transport=${transport}`),
          username: 'alice',
          credential: 'secret',
          net: w.client,
          clock: w.clock,
          rng: new SeededRng(2),
          localAddress: '192.168.1.2',
        }),
      );
      expect(relay.localAddress.address).toBe(TURN_IP);
      expect(relay.mappedAddress?.address).toBe('203.0.113.1');
      const peer = await w.peerHost.bindUdp({ address: '198.51.100.77', port: 9000 });
      const atPeer: Array<{ data: string; from: TransportAddress }> = [];
      peer.onMessage((d, from) => atPeer.push({ data: d.toString(), from }));
      const atClient: string[] = [];
      relay.onMessage((d, from) => {
        atClient.push(`${d.toString()}@${from.address}:${from.port}`);
      });
      relay.send(Buffer.from('hello peer'), peer.localAddress);
      await w.clock.advance(200);
      expect(atPeer).toEqual([{ data: 'hello peer', from: relay.localAddress }]);
      peer.send(Buffer.from('hello client'), relay.localAddress);
      await w.clock.advance(200);
      expect(atClient).toEqual(['hello client@198.51.100.77:9000']);
      await settle(w.clock, relay.bindChannel(peer.localAddress));
      peer.send(Buffer.from('over channel'), relay.localAddress);
      relay.send(Buffer.from('back over channel'), peer.localAddress);
      await w.clock.advance(200);
      expect(atClient.at(-1)).toBe('over channel@198.51.100.77:9000');
      expect(atPeer.at(-1)?.data).toBe('back over channel');
      // an unpermitted peer cannot reach the relay
      const stranger = await w.peerHost.bindUdp({ address: '198.51.100.77', port: 9001 });
      const other = await w.net.addHost({ router: w.net.wan, address: '198.51.100.78' }).bindUdp({ address: '198.51.100.78', port: 1 });
      other.send(Buffer.from('spam'), relay.localAddress);
      stranger.send(Buffer.from('same ip, other port: permitted (RFC 8656 §9)'), relay.localAddress);
      await w.clock.advance(200);
      expect(atClient).toHaveLength(3);
      expect(atClient.at(-1)).toMatch(/^same ip/);
      expect(w.turn.stats.dropped['no-permission']).toBe(1);
      expect(w.turn.stats.allocations).toBe(1);
      relay.close();
      await w.clock.advance(500);
      expect(w.turn.stats.allocations).toBe(0);
      w.net.close();
      expect(w.clock.pendingTimers).toBe(0);
    });
  }

  it('rejects a wrong password', async () => {
    const w = world();
    const err = await settle(
      w.clock,
      createTurnRelay({
        server: parseIceServerUri(`turn:${TURN_IP}:3478`),
        username: 'alice',
        credential: 'wrong',
        net: w.client,
        clock: w.clock,
        rng: new SeededRng(2),
        localAddress: '192.168.1.2',
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(w.turn.stats.allocations).toBe(0);
    w.net.close();
  });
});

describe('VirtualTurnServer protocol details', () => {
  async function rawClient() {
    const w = world();
    const sock = await w.net.addHost({ router: w.net.wan, address: '198.51.100.9' }).bindUdp({ address: '198.51.100.9', port: 5000 });
    const got: Buffer[] = [];
    sock.onMessage((d) => got.push(d));
    const rng = new SeededRng(3);
    const ask = async (m: StunMessage, key?: Buffer): Promise<StunMessage> => {
      const before = got.length;
      sock.send(m.encode(key ? { integrityKey: key } : {}), { address: TURN_IP, port: 3478 });
      await w.clock.advance(5);
      return StunMessage.decode(got[before]!);
    };
    const req = (method: number): StunMessage => new StunMessage(method, StunClass.Request, newTransactionId(rng));
    return { w, sock, got, ask, req };
  }

  function authed(m: StunMessage, nonce: string): StunMessage {
    return m.setUsername('alice').setRealm('tern.vnet').setNonce(nonce);
  }

  it('challenges, allocates, answers a retransmission the same, and reports mismatches', async () => {
    const { w, ask, req } = await rawClient();
    const key = longTermKey('alice', 'tern.vnet', 'secret');
    const first = await ask(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP));
    expect(first.getErrorCode()?.code).toBe(401);
    const nonce = first.getNonce()!;
    expect(first.getRealm()).toBe('tern.vnet');
    const stale = await ask(authed(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP), 'old-nonce'), key);
    expect(stale.getErrorCode()?.code).toBe(438);
    const noTransport = await ask(authed(req(StunMethod.Allocate), nonce), key);
    expect(noTransport.getErrorCode()?.code).toBe(400);
    const tcpRelay = await ask(authed(req(StunMethod.Allocate).setRequestedTransport(6), nonce), key);
    expect(tcpRelay.getErrorCode()?.code).toBe(442);
    const v6 = await ask(authed(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP).setRequestedAddressFamily(6), nonce), key);
    expect(v6.getErrorCode()?.code).toBe(440);
    const allocate = authed(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP), nonce);
    const ok = await ask(allocate, key);
    expect(ok.messageClass).toBe(StunClass.SuccessResponse);
    expect(ok.verifyIntegrity(key)).toBe(true);
    expect(ok.getLifetime()).toBe(600);
    expect(ok.getXorMappedAddress()).toEqual({ address: '198.51.100.9', port: 5000 });
    const again = await ask(allocate, key); // same transaction: same relayed address
    expect(again.getXorRelayedAddress()).toEqual(ok.getXorRelayedAddress());
    const second = await ask(authed(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP), nonce), key);
    expect(second.getErrorCode()?.code).toBe(437);
    const badChannel = await ask(authed(req(StunMethod.ChannelBind).setChannelNumber(0x3fff).addXorPeerAddress({ address: '198.51.100.1', port: 1 }), nonce), key);
    expect(badChannel.getErrorCode()?.code).toBe(400);
    const v6Peer = await ask(authed(req(StunMethod.CreatePermission).addXorPeerAddress({ address: '2001:db8::1', port: 1 }), nonce), key);
    expect(v6Peer.getErrorCode()?.code).toBe(443);
    const del = await ask(authed(req(StunMethod.Refresh).setLifetime(0), nonce), key);
    expect(del.getLifetime()).toBe(0);
    expect(w.turn.stats.allocations).toBe(0);
    const orphan = await ask(authed(req(StunMethod.Refresh), nonce), key);
    expect(orphan.getErrorCode()?.code).toBe(437);
    w.net.close();
  });

  it('expires an allocation that is not refreshed, on the clock', async () => {
    const { w, ask, req } = await rawClient();
    const key = longTermKey('alice', 'tern.vnet', 'secret');
    const nonce = (await ask(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP))).getNonce()!;
    const ok = await ask(authed(req(StunMethod.Allocate).setRequestedTransport(TRANSPORT_UDP).setLifetime(600), nonce), key);
    expect(ok.getLifetime()).toBe(600);
    await w.clock.advance(599_000);
    expect(w.turn.stats.allocations).toBe(1);
    await w.clock.advance(2_000);
    expect(w.turn.stats.allocations).toBe(0);
    w.net.close();
  });

  it('drops garbage without answering', async () => {
    const { w, sock, got } = await rawClient();
    sock.send(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]), { address: TURN_IP, port: 3478 });
    sock.send(Buffer.from([0x40, 0x00, 0x00, 0x10, 1]), { address: TURN_IP, port: 3478 });
    await w.clock.advance(5);
    expect(got).toHaveLength(0);
    expect(w.turn.stats.dropped).toEqual({ 'not-stun': 1, 'channel-data-invalid': 1 });
    w.net.close();
  });
});
