import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { FakeClock } from '../../src/common/fake-clock.js';
import { cryptoRng } from '../../src/common/rng.js';
import { parseIceServerUri } from '../../src/stun/uri.js';
import type { Net } from '../../src/transport/net.js';
import { nodeNet } from '../../src/transport/node-net.js';
import { createTurnRelay, type TurnRelayOptions } from '../../src/turn/create-turn-relay.js';
import { TurnError } from '../../src/turn/errors.js';
import type { TurnRelay } from '../../src/turn/turn-relay.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { coturnAvailable, relayRoundTrip, startCoturn, UdpPeer, waitFor, type Coturn } from '../support/coturn.js';

const available = coturnAvailable();

describe.skipIf(!available)('TURN over UDP against coturn', () => {
  let coturn: Coturn;
  let stale: Coturn;
  const relays: TurnRelay[] = [];
  const peers: UdpPeer[] = [];

  function options(server: Coturn, extra: Partial<TurnRelayOptions> = {}): TurnRelayOptions {
    return {
      server: parseIceServerUri(`turn:${server.host}:${server.port}`),
      username: server.user,
      credential: server.password,
      net: nodeNet,
      clock: systemClock,
      rng: cryptoRng,
      localAddress: '127.0.0.1',
      ...extra,
    };
  }

  async function relay(server: Coturn, extra: Partial<TurnRelayOptions> = {}): Promise<TurnRelay> {
    const r = await createTurnRelay(options(server, extra));
    relays.push(r);
    return r;
  }

  async function peer(): Promise<UdpPeer> {
    const p = await UdpPeer.open();
    peers.push(p);
    return p;
  }

  beforeAll(async () => {
    coturn = await startCoturn({ extraArgs: ['--denied-peer-ip=127.0.0.5'] });
    stale = await startCoturn({ staleNonceSec: 1 });
  });

  afterAll(async () => {
    try {
      for (const r of relays) r.close();
      await Promise.all(relays.map((r) => r.whenReleased()));
      for (const p of peers) p.close();
    } finally {
      await Promise.all([coturn?.stop(), stale?.stop()]);
    }
  });

  it('allocates a relayed address with the 401 dance', async () => {
    const r = await relay(coturn);
    expect(r.localAddress.address).toBe('127.0.0.1');
    expect(r.localAddress.port).toBeGreaterThan(0);
    expect(r.family).toBe(4);
    expect(r.mappedAddress).toEqual(r.linkAddress);
    expect(r.serverAddress).toEqual({ address: '127.0.0.1', port: coturn.port });
    expect(r.lifetimeSec).toBeGreaterThan(0);
    expect(r.closed).toBe(false);
  });

  it('relays data both ways with Send/Data indications, then over a channel', async () => {
    const r = await relay(coturn, { autoChannelBindAfter: 0 });
    const p = await peer();
    await r.createPermission(p.address);
    await relayRoundTrip(r, p, 'indications');
    expect(r.boundChannel(p.address)).toBeUndefined();
    await r.bindChannel(p.address);
    expect(r.boundChannel(p.address)).toBe(0x4000);
    await relayRoundTrip(r, p, 'channel');
    expect(r.drops.total).toBe(0);
  });

  it('creates the permission implicitly on the first send (data is held until it is installed)', async () => {
    const r = await relay(coturn);
    const p = await peer();
    r.send(Buffer.from('first'), p.address);
    await waitFor(() => p.messages.length === 1, 5000, 'first datagram');
    expect(p.messages[0]!.data.toString()).toBe('first');
  });

  it('binds a channel automatically after a few datagrams and keeps delivering', async () => {
    const r = await relay(coturn, { autoChannelBindAfter: 3 });
    const p = await peer();
    for (let i = 0; i < 10; i++) {
      r.send(Buffer.from(`m${i}`), p.address);
      await new Promise((res) => setTimeout(res, 20));
    }
    await waitFor(() => p.messages.length === 10, 5000, '10 datagrams');
    expect(p.messages.map((m) => m.data.toString())).toEqual([...Array(10).keys()].map((i) => `m${i}`));
    await waitFor(() => r.boundChannel(p.address) !== undefined, 5000, 'auto channel');
  });

  it('refreshes the allocation on time (virtual clock, real server)', async () => {
    const clock = new FakeClock();
    const r = await relay(coturn, { clock });
    expect(r.lifetimeSec).toBe(600);
    await clock.advance(539_999);
    expect(r.refreshCount).toBe(0);
    await clock.advance(1);
    await waitFor(() => r.refreshCount === 1, 5000, 'refresh');
    // Still usable after the refresh.
    const p = await peer();
    await r.createPermission(p.address);
    await relayRoundTrip(r, p, 'after refresh');
  });

  it('refreshes a used channel (and its permission) after 4 minutes (virtual clock, real server)', async () => {
    const clock = new FakeClock();
    // Count ChannelBind success responses (message type 0x0109) arriving on the relay's socket.
    let bindSuccesses = 0;
    const net: Net = {
      interfaces: () => nodeNet.interfaces(),
      listenTcp: (o) => nodeNet.listenTcp(o),
      dialTcp: (o) => nodeNet.dialTcp(o),
      bindUdp: async (o) => {
        const socket = await nodeNet.bindUdp(o);
        const onMessage = socket.onMessage.bind(socket);
        socket.onMessage = (handler) =>
          onMessage((data, from) => {
            if (data.length >= 2 && data[0] === 0x01 && data[1] === 0x09) bindSuccesses++;
            handler(data, from);
          });
        return socket;
      },
    };
    const r = await relay(coturn, { clock, net, autoChannelBindAfter: 0 });
    const p = await peer();
    await r.bindChannel(p.address);
    expect(bindSuccesses).toBe(1);
    r.send(Buffer.from('keep me'), p.address); // used since it was bound: refreshed
    await waitFor(() => p.messages.length === 1, 5000, 'datagram');
    await clock.advance(239_999);
    expect(bindSuccesses).toBe(1);
    await clock.advance(1);
    await waitFor(() => bindSuccesses === 2, 5000, 'ChannelBind refresh');
    // Still bound, and the permission it carries still lets data through both ways.
    expect(r.boundChannel(p.address)).toBe(0x4000);
    await relayRoundTrip(r, p, 'after channel refresh');
  });

  it('recovers from stale nonces (coturn --stale-nonce=1)', async () => {
    const r = await relay(stale);
    const p = await peer();
    await new Promise((res) => setTimeout(res, 2100));
    await r.createPermission(p.address);
    await relayRoundTrip(r, p, 'stale');
    await new Promise((res) => setTimeout(res, 2100));
    await r.bindChannel(p.address);
    await relayRoundTrip(r, p, 'stale channel');
    expect(stale.log()).toMatch(/error 438/);
  });

  it('reports a refused permission as ERR_TURN_PERMISSION with the 403', async () => {
    const r = await relay(coturn);
    const err = await r.createPermission({ address: '127.0.0.5', port: 4000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TURN_PERMISSION', stunCode: 403 });
  });

  it('fails with a clear ERR_TURN_AUTH on a wrong password', async () => {
    const started = Date.now();
    const err = await createTurnRelay(options(coturn, { credential: 'wrong' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnError);
    expect((err as TurnError).code).toBe('ERR_TURN_AUTH');
    expect((err as TurnError).stunCode).toBe(401);
    expect((err as TurnError).message).toMatch(/authentication failed/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('releases the allocation on close (Refresh LIFETIME 0 frees the relayed port), leaking nothing', async () => {
    const before = snapshotResources();
    const r = await relay(coturn);
    const p = await UdpPeer.open();
    await r.bindChannel(p.address);
    p.close();
    const relayed = r.localAddress;
    let closeReason: Error | undefined | null = null;
    r.onClose((e) => (closeReason = e));
    r.close();
    expect(r.closed).toBe(true);
    await r.whenReleased();
    expect(closeReason).toBeUndefined();
    await expectNoLeaks(before);
    // coturn closes the relay socket when the allocation is deleted: the port can be bound again.
    const canBind = (): Promise<boolean> =>
      new Promise<boolean>((resolve) => {
        const probe = dgram.createSocket('udp4');
        probe.once('error', () => {
          probe.close();
          resolve(false);
        });
        probe.bind({ address: relayed.address, port: relayed.port, exclusive: true }, () => probe.close(() => resolve(true)));
      });
    let bound = false;
    const t0 = Date.now();
    while (!bound && Date.now() - t0 < 5000) {
      bound = await canBind();
      if (!bound) await new Promise((res) => setTimeout(res, 50));
    }
    expect(bound).toBe(true);
    expect(coturn.log()).toMatch(/REFRESH processed, success/);
    await expect(r.createPermission({ address: '127.0.0.1', port: 9 })).rejects.toMatchObject({ code: 'ERR_TURN_CLOSED' });
    r.close();
  });
});

describe.skipIf(!available)('TURN over UDP on IPv6 (::1) against coturn', () => {
  let coturn: Coturn;

  beforeAll(async () => {
    coturn = await startCoturn({ listeningIp: '::1' });
  });

  afterAll(async () => {
    await coturn?.stop();
  });

  it('allocates an IPv6 relayed address (REQUESTED-ADDRESS-FAMILY) and relays both ways over a channel', async () => {
    const r = await createTurnRelay({
      server: parseIceServerUri(`turn:[::1]:${coturn.port}`),
      username: coturn.user,
      credential: coturn.password,
      net: nodeNet,
      clock: systemClock,
      rng: cryptoRng,
      localAddress: '::1',
      family: 6,
    });
    const p = await UdpPeer.open('::1');
    try {
      expect(r.localAddress.address).toBe('::1');
      expect(r.family).toBe(6);
      expect(r.mappedAddress?.address).toBe('::1');
      await relayRoundTrip(r, p, 'v6 indications');
      // A non-canonical spelling of the same peer maps onto the same permission and channel.
      await r.bindChannel({ address: '0:0:0:0:0:0:0:1', port: p.address.port });
      expect(r.boundChannel(p.address)).toBe(0x4000);
      await relayRoundTrip(r, p, 'v6 channel');
    } finally {
      r.close();
      await r.whenReleased();
      p.close();
    }
  });
});
