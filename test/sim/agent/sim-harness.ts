import { Candidate, candidateFoundation, candidatePriority } from '../../../src/candidate/index.js';
import { SeededRng } from '../../../src/common/rng.js';
import { IceAgentCore, resolveCoreConfig, type IceAgentConfig, type IceCoreEvent } from '../../../src/agent/index.js';
import type { TransportAddress } from '../../../src/transport/net.js';

/** One simulated agent: a core with one host base. */
export class SimAgent {
  readonly core: IceAgentCore;
  readonly events: { at: number; e: IceCoreEvent }[] = [];
  readonly sent: { at: number; to: TransportAddress; data: Buffer }[] = [];
  readonly data: Buffer[] = [];
  readonly host: Candidate;

  constructor(
    readonly name: string,
    readonly address: TransportAddress,
    config: IceAgentConfig & { seed: number },
  ) {
    const rng = new SeededRng(config.seed);
    this.core = new IceAgentCore({
      config: resolveCoreConfig(config),
      rng,
      ...(config.localUfrag !== undefined ? { localUfrag: config.localUfrag } : {}),
      ...(config.localPwd !== undefined ? { localPwd: config.localPwd } : {}),
      ...(config.tieBreaker !== undefined ? { tieBreaker: config.tieBreaker } : {}),
    });
    this.host = hostCandidate(address);
    this.core.addLocalCandidate(this.host, 1, address, true);
    this.core.localGatheringComplete = true;
  }

  get state(): string {
    return this.core.state;
  }

  countSent(pred: (data: Buffer) => boolean): number {
    return this.sent.filter((s) => pred(s.data)).length;
  }
}

export function hostCandidate(a: TransportAddress, localPreference = 65535): Candidate {
  return new Candidate({
    foundation: candidateFoundation({ type: 'host', baseAddress: a.address, transport: 'udp' }),
    component: 1,
    transport: 'udp',
    priority: candidatePriority({ type: 'host', localPreference, component: 1 }),
    address: a.address,
    port: a.port,
    type: 'host',
  });
}

interface InFlight {
  at: number;
  seq: number;
  to: SimAgent;
  from: TransportAddress;
  data: Buffer;
}

/**
 * Two (or more) cores on virtual time. Packets leave an agent from its one
 * base, may be dropped (seeded loss or a filter) and arrive after
 * `latencyMs`. `translate` models a NAT: it rewrites the source address seen
 * by the receiver.
 */
export class SimNet {
  now = 0;
  readonly agents: SimAgent[] = [];
  readonly #inFlight: InFlight[] = [];
  #seq = 0;
  readonly #rng: SeededRng;
  lossRate = 0;
  latencyMs = 5;
  /** Return false to drop a packet. */
  filter: (from: SimAgent, to: TransportAddress, data: Buffer) => boolean = () => true;
  /** Source address the receiver sees for a packet from `from` to `to`. */
  translate: (from: SimAgent, to: TransportAddress) => TransportAddress = (from) => from.address;
  delivered = 0;
  dropped = 0;

  constructor(seed = 1) {
    this.#rng = new SeededRng(seed);
  }

  add(a: SimAgent): SimAgent {
    this.agents.push(a);
    return a;
  }

  /** Drains every agent's output into the network. */
  pump(): void {
    for (const a of this.agents) {
      for (let t = a.core.pollTransmit(); t; t = a.core.pollTransmit()) {
        a.sent.push({ at: this.now, to: t.to, data: t.data });
        if (!this.filter(a, t.to, t.data) || (this.lossRate > 0 && this.#rng.float() < this.lossRate)) {
          this.dropped++;
          continue;
        }
        const dest = this.#route(t.to);
        if (!dest) {
          this.dropped++;
          continue;
        }
        this.#inFlight.push({ at: this.now + this.latencyMs, seq: this.#seq++, to: dest, from: this.translate(a, t.to), data: t.data });
      }
      for (let e = a.core.pollEvent(); e; e = a.core.pollEvent()) a.events.push({ at: this.now, e });
    }
  }

  #route(to: TransportAddress): SimAgent | undefined {
    return this.agents.find((a) => this.routeTo(a, to));
  }

  /** Whether a packet sent to `to` reaches agent `a` (its own address or a NAT's public address). */
  routeTo: (a: SimAgent, to: TransportAddress) => boolean = (a, to) => a.address.address === to.address && a.address.port === to.port;

  /** Delivers a datagram to `a` from `from` now (outside the simulated links). */
  inject(a: SimAgent, from: TransportAddress, data: Buffer): boolean {
    const isData = a.core.handleDatagram(this.now, 1, from, data);
    if (isData) a.data.push(data);
    this.pump();
    return isData;
  }

  /** Runs virtual time forward by `ms`, processing deliveries and timeouts in order. */
  run(ms: number): void {
    const end = this.now + ms;
    this.pump();
    for (let guard = 0; ; guard++) {
      if (guard > 200_000) throw new Error(`simulation does not advance at ${this.now} ms`);
      let next = Infinity;
      for (const f of this.#inFlight) if (f.at < next) next = f.at;
      for (const a of this.agents) {
        const t = a.core.pollTimeout();
        if (t !== undefined) next = Math.min(next, Math.max(t, this.now));
      }
      if (next > end) break;
      this.now = next;
      this.#inFlight.sort((x, y) => x.at - y.at || x.seq - y.seq);
      while (this.#inFlight.length > 0 && this.#inFlight[0]!.at <= this.now) {
        const f = this.#inFlight.shift()!;
        this.delivered++;
        const isData = f.to.core.handleDatagram(this.now, 1, f.from, f.data);
        if (isData) f.to.data.push(f.data);
        this.pump();
      }
      for (const a of this.agents) {
        const t = a.core.pollTimeout();
        if (t !== undefined && t <= this.now) a.core.handleTimeout(this.now);
      }
      this.pump();
    }
    this.now = end;
    this.pump();
  }

  /** Runs until `pred` holds (checked every `stepMs`) or `maxMs` passed; returns the time it held. */
  runUntil(pred: () => boolean, maxMs: number, stepMs = 1): number | undefined {
    const end = this.now + maxMs;
    while (this.now < end) {
      if (pred()) return this.now;
      this.run(stepMs);
    }
    return pred() ? this.now : undefined;
  }
}

/** Signals credentials and candidates between two agents and starts both. */
export function signalAndStart(net: SimNet, a: SimAgent, b: SimAgent, opts: { aRole?: 'controlling' | 'controlled'; bRole?: 'controlling' | 'controlled' } = {}): void {
  const ac = a.core.localCredentials;
  const bc = b.core.localCredentials;
  a.core.setRemoteCredentials(net.now, bc.ufrag, bc.pwd);
  b.core.setRemoteCredentials(net.now, ac.ufrag, ac.pwd);
  a.core.addRemoteCandidate(net.now, b.host);
  b.core.addRemoteCandidate(net.now, a.host);
  a.core.start(net.now, opts.aRole ?? 'controlling');
  b.core.start(net.now, opts.bRole ?? 'controlled');
  net.pump();
}

export function isStunRequest(d: Buffer): boolean {
  return d.length >= 20 && d[0] === 0x00 && d[1] === 0x01;
}

export function isStunIndication(d: Buffer): boolean {
  return d.length >= 20 && d[0] === 0x00 && d[1] === 0x11;
}

export function isStunSuccess(d: Buffer): boolean {
  return d.length >= 20 && d[0] === 0x01 && d[1] === 0x01;
}

export function selectedAt(a: SimAgent): number | undefined {
  return a.events.find((x) => x.e.type === 'selected-pair')?.at;
}

export function stateEvents(a: SimAgent): { at: number; state: string }[] {
  return a.events.flatMap((x) => (x.e.type === 'state' ? [{ at: x.at, state: x.e.state }] : []));
}
