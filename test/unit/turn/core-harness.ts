import { SeededRng } from '../../../src/common/rng.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import {
  TurnClientCore,
  type TurnClientCoreConfig,
  type TurnClientEvent,
  type TurnInboundData,
} from '../../../src/turn/turn-client-core.js';
import { MiniTurnServer } from './mini-turn-server.js';

export const SERVER: TransportAddress = { address: '192.0.2.1', port: 3478 };

/** Steps a TurnClientCore against a MiniTurnServer on virtual time. */
export class CoreHarness {
  readonly server: MiniTurnServer;
  readonly core: TurnClientCore;
  now = 0;
  /** Every message the client sent, with the time it was sent. */
  readonly wire: Array<{ at: number; data: Buffer }> = [];
  readonly events: TurnClientEvent[] = [];
  readonly received: TurnInboundData[] = [];
  /** When false, the client's output is recorded but not delivered to the server. */
  connected = true;

  constructor(config: Partial<TurnClientCoreConfig> = {}, server = new MiniTurnServer()) {
    this.server = server;
    this.core = new TurnClientCore({
      server: SERVER,
      username: 'user',
      password: 'pass',
      rng: new SeededRng(42),
      ...config,
    });
  }

  /** Delivers the client's pending output to the server and the answers back. */
  pump(): void {
    for (let i = 0; i < 10_000; i++) {
      const b = this.core.pollTransmit();
      if (!b) break;
      this.wire.push({ at: this.now, data: b });
      if (!this.connected) continue;
      for (const r of this.server.handle(b)) this.input(r);
    }
    for (let e = this.core.pollEvent(); e; e = this.core.pollEvent()) this.events.push(e);
  }

  input(data: Buffer): void {
    const d = this.core.handleInput(this.now, data);
    if (d) this.received.push({ peer: d.peer, data: Buffer.from(d.data) });
  }

  /** Sends through the core like a driver: immediate bytes go to the server, then the core is drained. */
  send(data: Buffer, to: TransportAddress): void {
    const b = this.core.send(this.now, data, to);
    if (b) {
      this.wire.push({ at: this.now, data: b });
      if (this.connected) for (const r of this.server.handle(b)) this.input(r);
    }
    this.pump();
  }

  /** Advances virtual time to `t`, firing every deadline on the way. */
  advanceTo(t: number): void {
    for (let i = 0; i < 100_000; i++) {
      const d = this.core.pollTimeout();
      if (d === undefined || d > t) break;
      this.now = Math.max(this.now, d);
      this.core.handleTimeout(this.now);
      this.pump();
    }
    this.now = t;
  }

  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  allocate(): void {
    this.core.allocate(this.now);
    this.pump();
  }

  eventsOf<T extends TurnClientEvent['type']>(type: T): Extract<TurnClientEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<TurnClientEvent, { type: T }> => e.type === type);
  }
}
