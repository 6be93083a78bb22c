import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { cryptoRng } from '../../src/common/rng.js';
import { parseIceServerUri } from '../../src/stun/uri.js';
import { nodeNet } from '../../src/transport/node-net.js';
import { createTurnRelay, type TurnRelayOptions } from '../../src/turn/create-turn-relay.js';
import { TurnError } from '../../src/turn/errors.js';
import type { TurnRelay } from '../../src/turn/turn-relay.js';
import type { TurnServer } from '../../src/turn-server/turn-server.js';
import { relayRoundTrip, UdpPeer, waitFor } from '../support/coturn.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { startTernTurn } from '../support/tern-turn.js';

describe("tern-rtc's TURN client against tern-rtc's TURN server", () => {
  let server: TurnServer;
  let strict: TurnServer;
  const relays: TurnRelay[] = [];
  const peers: UdpPeer[] = [];
  const baseline = snapshotResources();

  function options(uri: string, extra: Partial<TurnRelayOptions> = {}): TurnRelayOptions {
    return {
      server: parseIceServerUri(uri),
      username: 'test',
      credential: 'test',
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

  beforeAll(async () => {
    server = await startTernTurn({ withTls: true });
    strict = await startTernTurn({ allowedPeers: [] });
  });

  afterAll(async () => {
    for (const r of relays) r.close();
    await Promise.all(relays.map((r) => r.whenReleased()));
    for (const p of peers) p.close();
    server?.close();
    strict?.close();
    await expectNoLeaks(baseline);
  });

  const uris = {
    udp: () => `turn:127.0.0.1:${server.udpAddresses[0]!.port}`,
    tcp: () => `turn:127.0.0.1:${server.tcpAddresses[0]!.port}?transport=tcp`,
    tls: () => `turns:127.0.0.1:${server.tlsAddresses[0]!.port}?transport=tcp`,
  };

  for (const [name, uri] of Object.entries(uris)) {
    it(`allocates over ${name.toUpperCase()} and relays with indications, then a channel`, async () => {
      const r = await relay(uri(), { autoChannelBindAfter: 0, tls: { rejectUnauthorized: false } });
      expect(r.localAddress.address).toBe('127.0.0.1');
      expect(r.lifetimeSec).toBe(600);
      const p = await UdpPeer.open();
      peers.push(p);
      await r.createPermission(p.address);
      await relayRoundTrip(r, p, `${name} indications`);
      await r.bindChannel(p.address);
      await relayRoundTrip(r, p, `${name} channel`);
      expect(server.stats.packetsToPeers).toBeGreaterThan(0);
      const allocations = server.stats.allocations;
      r.close();
      await r.whenReleased();
      await waitFor(() => server.stats.allocations === allocations - 1, 5000, 'allocation released');
    });
  }

  it('refuses wrong credentials with ERR_TURN_AUTH', async () => {
    const err = await relay(uris.udp(), { credential: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnError);
    expect((err as TurnError).code).toBe('ERR_TURN_AUTH');
  });

  it('refuses relaying to 127.0.0.1 by default', async () => {
    const r = await relay(`turn:127.0.0.1:${strict.udpAddresses[0]!.port}`);
    const p = await UdpPeer.open();
    peers.push(p);
    const err = await r.createPermission(p.address).catch((e: unknown) => e);
    expect((err as TurnError).code).toBe('ERR_TURN_PERMISSION');
    expect((err as TurnError).stunCode).toBe(403);
    r.send(Buffer.from('x'), p.address);
    await new Promise((res) => setTimeout(res, 100));
    expect(p.messages.length).toBe(0);
  });
});
