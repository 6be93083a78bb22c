import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { cryptoRng } from '../../src/common/rng.js';
import { parseIceServerUri } from '../../src/stun/uri.js';
import { nodeNet } from '../../src/transport/node-net.js';
import { createTurnRelay, type TurnRelayOptions } from '../../src/turn/create-turn-relay.js';
import type { TurnRelay } from '../../src/turn/turn-relay.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { coturnAvailable, relayRoundTrip, startCoturn, UdpPeer, waitFor, type Coturn } from '../support/coturn.js';

const available = coturnAvailable();

describe.skipIf(!available)('TURN over TCP and TLS against coturn', () => {
  let coturn: Coturn;
  const relays: TurnRelay[] = [];
  const peers: UdpPeer[] = [];

  function options(uri: string, extra: Partial<TurnRelayOptions> = {}): TurnRelayOptions {
    return {
      server: parseIceServerUri(uri),
      username: coturn.user,
      credential: coturn.password,
      net: nodeNet,
      clock: systemClock,
      rng: cryptoRng,
      localAddress: '127.0.0.1',
      ...extra,
    };
  }

  async function relay(uri: string, extra: Partial<TurnRelayOptions> = {}): Promise<TurnRelay> {
    const r = await createTurnRelay(options(uri, extra));
    relays.push(r);
    return r;
  }

  async function peer(): Promise<UdpPeer> {
    const p = await UdpPeer.open();
    peers.push(p);
    return p;
  }

  beforeAll(async () => {
    coturn = await startCoturn({ tls: true });
  });

  afterAll(async () => {
    try {
      for (const r of relays) r.close();
      await Promise.all(relays.map((r) => r.whenReleased()));
      for (const p of peers) p.close();
    } finally {
      await coturn?.stop();
    }
  });

  const cases = [
    { name: 'TCP', uri: () => `turn:127.0.0.1:${coturn.port}?transport=tcp`, extra: () => ({}) },
    {
      name: 'TLS',
      uri: () => `turns:127.0.0.1:${coturn.tlsPort!}?transport=tcp`,
      extra: () => ({ tls: { ca: coturn.certPem! } }),
    },
  ];

  for (const c of cases) {
    it(`${c.name}: allocates, relays both ways with indications and padded ChannelData, releases on close`, async () => {
      const before = snapshotResources();
      const r = await relay(c.uri(), { ...c.extra(), autoChannelBindAfter: 0 });
      expect(r.localAddress.address).toBe('127.0.0.1');
      expect(r.serverAddress.port).toBe(c.name === 'TLS' ? coturn.tlsPort : coturn.port);
      expect(r.mappedAddress).toEqual(r.linkAddress);
      const p = await peer();
      await r.createPermission(p.address);
      await relayRoundTrip(r, p, `${c.name} indications`);
      await r.bindChannel(p.address);
      expect(r.boundChannel(p.address)).toBe(0x4000);
      // Odd sizes exercise the padding to four bytes on the stream (RFC 8656 §12.5).
      for (const size of [1, 2, 3, 5, 1000]) {
        const before = p.messages.length;
        r.send(Buffer.alloc(size, size), p.address);
        await waitFor(() => p.messages.length > before, 5000, `${size}-byte datagram`);
        expect(p.messages[p.messages.length - 1]!.data).toEqual(Buffer.alloc(size, size));
      }
      await relayRoundTrip(r, p, `${c.name} channel`);
      const inbound: Buffer[] = [];
      r.onMessage((d) => inbound.push(Buffer.from(d)));
      for (const size of [1, 3, 7]) p.send(Buffer.alloc(size, 0xaa), r.localAddress);
      await waitFor(() => inbound.length === 3, 5000, 'three inbound datagrams');
      expect(inbound.map((b) => b.length)).toEqual([1, 3, 7]);
      expect(r.drops.total).toBe(0);
      r.close();
      await r.whenReleased();
      expect(r.closed).toBe(true);
      p.close();
      await expectNoLeaks(before);
    });
  }

  it('TLS: refuses a server certificate it does not trust', async () => {
    const err = await createTurnRelay(options(`turns:127.0.0.1:${coturn.tlsPort!}?transport=tcp`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TURN_CONNECT' });
  });

  it('TCP: a wrong password is a clear ERR_TURN_AUTH', async () => {
    const err = await createTurnRelay(
      options(`turn:127.0.0.1:${coturn.port}?transport=tcp`, { credential: 'nope' }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TURN_AUTH', stunCode: 401 });
  });

  it('TCP: reports the allocation lost when the server goes away', async () => {
    const other = await startCoturn();
    try {
      const r = await createTurnRelay(options(`turn:127.0.0.1:${other.port}?transport=tcp`));
      let reason: Error | undefined;
      r.onClose((e) => (reason = e));
      await other.stop();
      await r.whenReleased();
      expect(reason).toMatchObject({ code: 'ERR_TURN_ALLOCATION_LOST' });
      expect(r.closed).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
