import { SeededRng } from '../../../src/common/rng.js';
import { StunAttr, StunClass, StunMethod } from '../../../src/stun/constants.js';
import { longTermKey } from '../../../src/stun/credentials.js';
import { StunMessage } from '../../../src/stun/message.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import type { TurnAllocation, TurnClientTuple } from '../../../src/turn-server/allocation.js';
import type { TurnServerCoreConfig } from '../../../src/turn-server/turn-server-config.js';
import { TurnServerCore, type TurnUdpListener } from '../../../src/turn-server/turn-server-core.js';

export const T0 = Date.UTC(2026, 0, 1);
export const REALM = 'tern.test';

export interface FakeRelay {
  readonly id: number;
  closed: boolean;
  readonly local: TransportAddress;
}

/** A sans-IO harness: the core with a recording IO, relays opened synchronously at 192.0.2.1:50000+. */
export class CoreHarness {
  readonly core: TurnServerCore<FakeRelay>;
  readonly toClient: Array<{ tuple: TurnClientTuple; data: Buffer }> = [];
  readonly toPeer: Array<{ relay: FakeRelay; data: Buffer; peer: TransportAddress }> = [];
  readonly relays: FakeRelay[] = [];
  readonly listener: TurnUdpListener = { id: 1, local: { address: '192.0.2.1', port: 3478 }, link: 'udp' };
  now = T0;
  #rng = new SeededRng(7);
  /** When false, relays stay pending until openPending(). */
  autoOpen = true;
  pending: Array<TurnAllocation<FakeRelay>> = [];

  constructor(config: Partial<TurnServerCoreConfig> = {}) {
    this.core = new TurnServerCore<FakeRelay>(
      { realm: REALM, users: { alice: 'secret', bob: 'hunter2' }, nonceSecret: Buffer.alloc(32, 9), ...config },
      {
        sendToClient: (tuple, data) => this.toClient.push({ tuple, data: Buffer.from(data) }),
        sendToPeer: (relay, data, peer) => this.toPeer.push({ relay, data: Buffer.from(data), peer: { ...peer } }),
        openRelay: (alloc) => {
          if (this.autoOpen) this.#open(alloc);
          else this.pending.push(alloc);
        },
        closeRelay: (relay) => {
          relay.closed = true;
        },
      },
    );
  }

  #open(alloc: TurnAllocation<FakeRelay>): void {
    const r: FakeRelay = { id: this.relays.length, closed: false, local: { address: '192.0.2.1', port: 50000 + this.relays.length } };
    this.relays.push(r);
    this.core.relayOpened(alloc, r, r.local, this.now);
  }

  openPending(): void {
    for (const a of this.pending.splice(0)) this.#open(a);
  }

  advance(ms: number): void {
    this.now += ms;
    const at = this.core.pollTimeout();
    if (at !== undefined && at <= this.now) this.core.handleTimeout(this.now);
  }

  tid(): Buffer {
    return this.#rng.bytes(12);
  }

  /** Sends raw bytes from a UDP client and returns the decoded replies. */
  udp(from: TransportAddress, data: Buffer): StunMessage[] {
    const start = this.toClient.length;
    this.core.handleUdp(this.listener, data, from, this.now);
    return this.toClient.slice(start).filter((o) => (o.data[0]! & 0xc0) === 0).map((o) => StunMessage.decode(o.data));
  }
}

/** A client of the harness with long-term credentials; does the 401 dance. */
export class TestClient {
  nonce: string | undefined;
  realm = REALM;

  constructor(
    readonly h: CoreHarness,
    readonly from: TransportAddress,
    readonly username = 'alice',
    readonly password = 'secret',
  ) {}

  get key(): Buffer {
    return longTermKey(this.username, this.realm, this.password);
  }

  /** Signs and sends `msg`; on 401/438 with a nonce, retries once. Returns the final response. */
  request(build: (tid: Buffer) => StunMessage, retry = true): StunMessage | undefined {
    const msg = build(this.h.tid());
    if (this.nonce !== undefined) {
      msg.setUsername(this.username).setRealm(this.realm).setNonce(this.nonce);
    }
    const wire = this.nonce !== undefined ? msg.encode({ integrityKey: this.key, fingerprint: true }) : msg.encode({ fingerprint: true });
    const res = this.h.udp(this.from, wire).at(-1);
    const code = res?.getErrorCode()?.code;
    if (res && (code === 401 || code === 438) && retry && res.getNonce()) {
      this.nonce = res.getNonce();
      return this.request(build, false);
    }
    return res;
  }

  allocate(extra: (m: StunMessage) => void = () => {}): StunMessage | undefined {
    return this.request((tid) => {
      const m = new StunMessage(StunMethod.Allocate, StunClass.Request, tid).setRequestedTransport(17);
      extra(m);
      return m;
    });
  }

  refresh(lifetime?: number): StunMessage | undefined {
    return this.request((tid) => {
      const m = new StunMessage(StunMethod.Refresh, StunClass.Request, tid);
      if (lifetime !== undefined) m.setLifetime(lifetime);
      return m;
    });
  }

  permit(...peers: TransportAddress[]): StunMessage | undefined {
    return this.request((tid) => {
      const m = new StunMessage(StunMethod.CreatePermission, StunClass.Request, tid);
      for (const p of peers) m.addXorPeerAddress(p);
      return m;
    });
  }

  bind(channel: number, peer: TransportAddress): StunMessage | undefined {
    return this.request((tid) => new StunMessage(StunMethod.ChannelBind, StunClass.Request, tid).setChannelNumber(channel).addXorPeerAddress(peer));
  }

  sendIndication(peer: TransportAddress, data: Buffer): void {
    const m = new StunMessage(StunMethod.Send, StunClass.Indication, this.h.tid()).addXorPeerAddress(peer).setData(data);
    this.h.udp(this.from, m.encode());
  }

  channelData(channel: number, data: Buffer): void {
    const b = Buffer.alloc(4 + data.length);
    b.writeUInt16BE(channel, 0);
    b.writeUInt16BE(data.length, 2);
    data.copy(b, 4);
    this.h.core.handleUdp(this.h.listener, b, this.from, this.h.now);
  }

  verify(res: StunMessage): boolean {
    return res.verifyIntegrity(this.key);
  }
}

export function isSuccess(m: StunMessage | undefined): boolean {
  return m !== undefined && m.messageClass === StunClass.SuccessResponse;
}

export function errorCode(m: StunMessage | undefined): number | undefined {
  return m?.getErrorCode()?.code;
}

export { StunAttr };
