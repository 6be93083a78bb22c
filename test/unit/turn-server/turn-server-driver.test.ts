import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StunClass, StunMethod } from '../../../src/stun/constants.js';
import { longTermKey } from '../../../src/stun/credentials.js';
import { StunMessage } from '../../../src/stun/message.js';
import { TurnServer } from '../../../src/turn-server/turn-server.js';
import { waitFor } from '../../support/coturn.js';
import { expectNoLeaks, snapshotResources } from '../../support/leaks.js';
import { startTernTurn } from '../../support/tern-turn.js';

const KEY = longTermKey('test', 'tern', 'test');

/** A raw UDP TURN client: one request at a time, the 401 dance done by hand. */
class RawClient {
  readonly socket = dgram.createSocket('udp4');
  readonly replies: StunMessage[] = [];
  nonce: string | undefined;

  async open(): Promise<void> {
    this.socket.on('message', (m) => this.replies.push(StunMessage.decode(m)));
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
  }

  async request(port: number, build: () => StunMessage): Promise<StunMessage> {
    for (let round = 0; round < 2; round++) {
      const m = build();
      if (this.nonce) m.setUsername('test').setRealm('tern').setNonce(this.nonce);
      const n = this.replies.length;
      this.socket.send(this.nonce ? m.encode({ integrityKey: KEY }) : m.encode(), port, '127.0.0.1');
      await waitFor(() => this.replies.length > n, 3000, 'reply');
      const res = this.replies.at(-1)!;
      if (res.getErrorCode()?.code === 401 && !this.nonce) {
        this.nonce = res.getNonce();
        continue;
      }
      return res;
    }
    throw new Error('no answer');
  }

  close(): void {
    this.socket.close();
  }
}

describe('TurnServer driver on loopback', () => {
  const baseline = snapshotResources();
  let server: TurnServer | undefined;
  const clients: RawClient[] = [];

  afterEach(async () => {
    server?.close();
    for (const c of clients.splice(0)) c.close();
    await expectNoLeaks(baseline);
  });

  it('expires an unrefreshed allocation on its timer (fake clock) and closes the relay socket', async () => {
    const clock = new FakeClock();
    server = await startTernTurn({ clock });
    const c = new RawClient();
    clients.push(c);
    await c.open();
    const port = server.udpAddresses[0]!.port;
    const res = await c.request(port, () => new StunMessage(StunMethod.Allocate, StunClass.Request, Buffer.alloc(12, 1)).setRequestedTransport(17).setLifetime(600));
    expect(res.messageClass).toBe(StunClass.SuccessResponse);
    expect(server.stats.allocations).toBe(1);
    const relayed = res.getXorRelayedAddress()!;
    await clock.advance(599_000);
    expect(server.stats.allocations).toBe(1);
    await clock.advance(2_000);
    expect(server.stats.allocations).toBe(0);
    expect(server.stats.allocationsEnded).toBe(1);
    // The relay port is free again.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      setTimeout(() => probe.bind(relayed.port, '127.0.0.1', resolve), 300);
    });
    probe.close();
  });

  it('closes TCP connections that allocate nothing within the idle time', async () => {
    const clock = new FakeClock();
    server = await startTernTurn({ clock, streamIdleMs: 5_000 });
    const sock = net.connect(server.tcpAddresses[0]!.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    await waitFor(() => server!.stats.streams === 1, 3000, 'stream accepted');
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await clock.advance(5_001);
    await closed;
    expect(server.stats.streams).toBe(0);
    expect(server.stats.drops['stream-idle']).toBe(1);
  });

  it('drops out-of-sync stream input and closes the connection', async () => {
    server = await startTernTurn();
    const sock = net.connect(server.tcpAddresses[0]!.port, '127.0.0.1');
    sock.on('error', () => {});
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.write(Buffer.alloc(16, 0xc0));
    await closed;
    expect(server.stats.drops['stream-out-of-sync']).toBe(1);
  });
});
