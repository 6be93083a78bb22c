import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../../src/agent/index.js';
import { StunMessage, isStunMessage } from '../../../src/stun/index.js';
import { nodeNet } from '../../../src/transport/node-net.js';
import type { TransportAddress, UdpMessageHandler, UdpSocket } from '../../../src/transport/net.js';
import { expectNoLeaks, snapshotResources } from '../../support/leaks.js';
import { LOOPBACK, loopbackConfig, waitFor } from './loopback-helpers.js';

/**
 * A minimal single-port demultiplexer, enough to show that agents accept
 * caller-supplied bases (`hostSockets`): the first STUN request of a 5-tuple
 * is routed by the local part of its USERNAME, later packets by 5-tuple.
 */
class TinyMux {
  readonly #byUfrag = new Map<string, MuxView>();
  readonly #byTuple = new Map<string, MuxView>();
  constructor(readonly shared: UdpSocket) {
    shared.onMessage((data, from) => {
      const key = `${from.address}:${from.port}`;
      let view = this.#byTuple.get(key);
      if (!view && isStunMessage(data)) {
        const user = StunMessage.decode(data).getUsername();
        view = user === undefined ? undefined : this.#byUfrag.get(user.split(':')[0]!);
        if (view) this.#byTuple.set(key, view);
      }
      view?.deliver(data, from);
    });
  }
  view(ufrag: string): MuxView {
    const v = new MuxView(this.shared, () => this.#byUfrag.delete(ufrag));
    this.#byUfrag.set(ufrag, v);
    return v;
  }
}

class MuxView implements UdpSocket {
  #handler: UdpMessageHandler | undefined;
  closed = false;
  constructor(
    private readonly shared: UdpSocket,
    private readonly onClose: () => void,
  ) {}
  get localAddress(): TransportAddress {
    return this.shared.localAddress;
  }
  get family(): 4 | 6 {
    return this.shared.family;
  }
  send(data: Uint8Array, to: TransportAddress): void {
    if (!this.closed) this.shared.send(data, to);
  }
  onMessage(h: UdpMessageHandler): void {
    this.#handler = h;
  }
  deliver(data: Buffer, from: TransportAddress): void {
    this.#handler?.(data, from);
  }
  close(): void {
    this.closed = true;
    this.onClose();
  }
}

const toClose: { close(): void }[] = [];
afterEach(() => {
  for (const c of toClose.splice(0)) c.close();
});

describe('caller-supplied host sockets (single-port server shape)', () => {
  it('two server agents on one UDP port, each reached by its own client', async () => {
    const before = snapshotResources();
    const shared = await nodeNet.bindUdp({ address: LOOPBACK, port: 0 });
    toClose.push(shared);
    const mux = new TinyMux(shared);
    const servers = [0, 1].map(() => {
      const s = new IceAgent(loopbackConfig({ hostSockets: ({ localUfrag }) => [{ socket: mux.view(localUfrag) }] }));
      toClose.push(s);
      return s;
    });
    const clients = [0, 1].map(() => {
      const c = new IceAgent(loopbackConfig());
      toClose.push(c);
      return c;
    });
    const got: string[][] = [[], []];
    await Promise.all(
      [0, 1].map(async (i) => {
        const s = servers[i]!;
        const c = clients[i]!;
        s.onCandidate((x) => c.addRemoteCandidate(x));
        c.onCandidate((x) => s.addRemoteCandidate(x));
        const [cs, cc] = await Promise.all([
          s.accept(c.localCredentials.ufrag, c.localCredentials.pwd),
          c.dial(s.localCredentials.ufrag, s.localCredentials.pwd),
        ]);
        expect(cs.localCandidate.port).toBe(shared.localAddress.port);
        cs.onMessage((d) => got[i]!.push(d.toString()));
        for (let k = 0; k < 5; k++) cc.send(Buffer.from(`client${i}-${k}`));
      }),
    );
    await waitFor('data at both servers', () => got[0]!.length === 5 && got[1]!.length === 5);
    expect(got[0]!.every((m) => m.startsWith('client0'))).toBe(true);
    expect(got[1]!.every((m) => m.startsWith('client1'))).toBe(true);
    for (const c of toClose.splice(0)) c.close();
    await expectNoLeaks(before);
  });
});
