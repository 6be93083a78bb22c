import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { StunMethod } from '../../../src/stun/constants.js';
import { parseIceServerUri } from '../../../src/stun/uri.js';
import type { Net, TransportAddress, UdpMessageHandler, UdpSocket } from '../../../src/transport/net.js';
import { encodeChannelData } from '../../../src/turn/channel-data.js';
import { createTurnRelay, type TurnRelayOptions } from '../../../src/turn/create-turn-relay.js';
import { MiniTurnServer } from './mini-turn-server.js';

const SERVER: TransportAddress = { address: '192.0.2.1', port: 3478 };
const PEER: TransportAddress = { address: '198.51.100.20', port: 5000 };

/** One UDP socket whose datagrams go to a MiniTurnServer; answers arrive on the next microtask. */
class ServerSocket implements UdpSocket {
  readonly localAddress: TransportAddress = { address: '10.0.0.2', port: 40000 };
  readonly family = 4 as const;
  closed = false;
  handler: UdpMessageHandler | undefined;
  sent = 0;
  constructor(readonly server: MiniTurnServer) {}
  send(data: Uint8Array, to: TransportAddress): void {
    if (this.closed) return;
    this.sent++;
    expect(to).toEqual(SERVER);
    for (const r of this.server.handle(Buffer.from(data))) queueMicrotask(() => this.deliver(r));
  }
  deliver(data: Buffer, from: TransportAddress = SERVER): void {
    if (!this.closed) this.handler?.(data, from);
  }
  onMessage(handler: UdpMessageHandler): void {
    this.handler = handler;
  }
  close(): void {
    this.closed = true;
  }
}

function setup(server = new MiniTurnServer()) {
  const clock = new FakeClock();
  const sockets: ServerSocket[] = [];
  const net: Net = {
    interfaces: () => [],
    bindUdp: async () => {
      const s = new ServerSocket(server);
      sockets.push(s);
      return s;
    },
    listenTcp: () => Promise.reject(new Error('no tcp')),
    dialTcp: () => Promise.reject(new Error('no tcp')),
  };
  const options: TurnRelayOptions = {
    server: parseIceServerUri(`turn:${SERVER.address}:${SERVER.port}`),
    username: 'user',
    credential: 'pass',
    net,
    clock,
    rng: new SeededRng(7),
    localAddress: '10.0.0.2',
  };
  return { server, clock, sockets, options };
}

describe('TurnRelay driver (virtual time, scripted server)', () => {
  it('allocates, relays, refreshes on its one timer and leaves nothing behind after close', async () => {
    const { server, clock, sockets, options } = setup();
    const relay = await createTurnRelay(options);
    expect(relay.localAddress).toEqual(server.relayed);
    expect(relay.mappedAddress).toEqual(server.mapped);
    expect(relay.serverAddress).toEqual(SERVER);
    expect(clock.pendingTimers).toBe(1); // the refresh deadline

    const got: Array<{ data: string; from: TransportAddress }> = [];
    relay.onMessage((d, from) => got.push({ data: d.toString(), from }));
    relay.send(Buffer.from('hi'), PEER);
    await flushMicrotasks();
    expect(server.sendIndications.map((s) => s.data.toString())).toEqual(['hi']);
    await relay.bindChannel(PEER);
    sockets[0]!.deliver(encodeChannelData(relay.boundChannel(PEER)!, Buffer.from('yo'), false));
    expect(got).toEqual([{ data: 'yo', from: PEER }]);
    // Datagrams not from the server are dropped.
    sockets[0]!.deliver(encodeChannelData(0x4000, Buffer.from('spoof'), false), { address: '203.0.113.66', port: 1 });
    expect(got).toHaveLength(1);

    await clock.advance(540_000);
    expect(server.requestsOf(StunMethod.Refresh)).toHaveLength(1);
    expect(relay.refreshCount).toBe(1);

    let closeReason: unknown = 'not called';
    relay.onClose((e) => (closeReason = e));
    relay.close();
    relay.close();
    await relay.whenReleased();
    expect(closeReason).toBeUndefined();
    expect(server.allocated).toBe(false);
    expect(sockets[0]!.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await expect(relay.createPermission(PEER)).rejects.toMatchObject({ code: 'ERR_TURN_CLOSED' });
  });

  it('rejects with ERR_TURN_AUTH and closes its socket on a wrong password', async () => {
    const { clock, sockets, options } = setup();
    await expect(createTurnRelay({ ...options, credential: 'bad' })).rejects.toMatchObject({ code: 'ERR_TURN_AUTH' });
    expect(sockets[0]!.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with ERR_TURN_TIMEOUT after the full retransmission schedule', async () => {
    const { server, clock, sockets, options } = setup();
    server.silent.add(StunMethod.Allocate);
    const p = createTurnRelay(options);
    const result = p.catch((e: unknown) => e);
    await clock.advance(39_499);
    expect(sockets[0]!.sent).toBe(7);
    await clock.advance(1);
    expect(await result).toMatchObject({ code: 'ERR_TURN_TIMEOUT' });
    expect(sockets[0]!.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('follows an ALTERNATE-SERVER redirect with a new socket', async () => {
    const { server, sockets, options } = setup();
    server.errors.set(StunMethod.Allocate, { code: 300, reason: 'Try Alternate', alternate: SERVER, once: true });
    const relay = await createTurnRelay(options);
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.closed).toBe(true);
    expect(relay.localAddress).toEqual(server.relayed);
    relay.close();
  });

  it('gives up after 3 redirects', async () => {
    const { server, sockets, options } = setup();
    server.errors.set(StunMethod.Allocate, { code: 300, reason: 'Try Alternate', alternate: SERVER });
    await expect(createTurnRelay(options)).rejects.toMatchObject({ code: 'ERR_TURN_REDIRECT', alternateServer: SERVER });
    expect(sockets).toHaveLength(4);
    expect(sockets.every((s) => s.closed)).toBe(true);
  });

  it('can be aborted while allocating', async () => {
    const { server, clock, sockets, options } = setup();
    server.silent.add(StunMethod.Allocate);
    const ac = new AbortController();
    const p = createTurnRelay({ ...options, signal: ac.signal }).catch((e: unknown) => e);
    await clock.advance(1000);
    ac.abort();
    expect(await p).toMatchObject({ code: 'ERR_TURN_CLOSED' });
    await flushMicrotasks();
    expect(sockets[0]!.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports the allocation lost through onClose when refreshes fail', async () => {
    const { server, clock, options } = setup();
    const relay = await createTurnRelay(options);
    const reasons: unknown[] = [];
    relay.onClose((e) => reasons.push(e));
    server.silent.add(StunMethod.Refresh);
    await clock.advance(600_000);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ code: 'ERR_TURN_ALLOCATION_LOST' });
    expect(relay.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves a host name through the injected resolver; reports resolution failures as ERR_TURN_CONNECT', async () => {
    const { options } = setup();
    const asked: Array<[string, number]> = [];
    const relay = await createTurnRelay({
      ...options,
      server: parseIceServerUri('turn:turn.example.test:3478'),
      resolve: async (host, family) => {
        asked.push([host, family]);
        return SERVER.address;
      },
    });
    expect(asked).toEqual([['turn.example.test', 4]]);
    expect(relay.serverAddress).toEqual(SERVER);
    relay.close();
    await expect(
      createTurnRelay({
        ...options,
        server: parseIceServerUri('turn:nowhere.example.test'),
        resolve: () => Promise.reject(new Error('ENOTFOUND')),
      }),
    ).rejects.toMatchObject({ code: 'ERR_TURN_CONNECT' });
  });

  it('refuses stun: URIs and turns: over UDP (DTLS)', async () => {
    const { options } = setup();
    await expect(createTurnRelay({ ...options, server: parseIceServerUri('stun:192.0.2.1') })).rejects.toMatchObject({
      code: 'ERR_TURN_CONNECT',
    });
    await expect(
      createTurnRelay({ ...options, server: parseIceServerUri('turns:192.0.2.1?transport=udp') }),
    ).rejects.toMatchObject({ code: 'ERR_TURN_CONNECT' });
  });

  it('rejects pending permission waiters when closed', async () => {
    const { server, options } = setup();
    const relay = await createTurnRelay(options);
    server.silent.add(StunMethod.CreatePermission);
    const p = relay.createPermission(PEER);
    relay.close();
    await expect(p).rejects.toMatchObject({ code: 'ERR_TURN_CLOSED' });
  });
});
