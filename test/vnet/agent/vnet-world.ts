import { expect } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { IceAgent, type IceAgentConfig, type IceConnection, type IceRole } from '../../../src/agent/index.js';
import { VirtualNetwork, type NatConfig, type VirtualRouter } from '../../../src/vnet/index.js';
import type { LinkImpairment } from '../../../src/vnet/index.js';

export const STUN_IP = '198.51.100.200';
export const EIM_PRC: NatConfig = { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' };
export const EIM_ADF: NatConfig = { mapping: 'endpoint-independent', filtering: 'address-dependent' };
export const SYMMETRIC: NatConfig = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' };

export interface Side {
  nat?: NatConfig;
  impairment?: LinkImpairment;
  config?: IceAgentConfig;
}

export interface World {
  clock: FakeClock;
  vnet: VirtualNetwork;
  a: IceAgent;
  b: IceAgent;
  routerA: VirtualRouter | undefined;
  routerB: VirtualRouter | undefined;
  close(): void;
}

/** Two agents on a virtual network, each optionally behind its own NAT, a STUN server on the WAN. */
export function makeWorld(sideA: Side = {}, sideB: Side = {}, seed = 1): World {
  const clock = new FakeClock();
  const vnet = new VirtualNetwork({ clock, rng: new SeededRng(seed) });
  vnet.addStunServer({ router: vnet.wan, address: STUN_IP });
  const make = (side: Side, n: number): { agent: IceAgent; router: VirtualRouter | undefined } => {
    let router: VirtualRouter | undefined;
    let host;
    if (side.nat) {
      router = vnet.addRouter({
        parent: vnet.wan,
        lanCidr: `192.168.${n}.0/24`,
        publicAddress: `203.0.113.${n}`,
        nat: side.nat,
        ...(side.impairment ? { impairment: side.impairment } : {}),
      });
      host = vnet.addHost({ router, address: `192.168.${n}.10` });
    } else {
      host = vnet.addHost({ router: vnet.wan, address: `198.51.100.${n}`, ...(side.impairment ? { impairment: side.impairment } : {}) });
    }
    const agent = new IceAgent({
      net: host,
      clock,
      rng: new SeededRng(seed * 10 + n),
      networkTypes: ['udp4'],
      iceServers: [{ urls: `stun:${STUN_IP}:3478` }],
      ...side.config,
    });
    return { agent, router };
  };
  const A = make(sideA, 1);
  const B = make(sideB, 2);
  return {
    clock,
    vnet,
    a: A.agent,
    b: B.agent,
    routerA: A.router,
    routerB: B.router,
    close() {
      A.agent.close();
      B.agent.close();
      vnet.close();
    },
  };
}

/** Trickles candidates both ways (as signalling would). */
export function trickle(a: IceAgent, b: IceAgent): void {
  a.onCandidate((c) => b.addRemoteCandidate(c));
  b.onCandidate((c) => a.addRemoteCandidate(c));
}

/** Signals, connects a (dial, or `aRole`) and b; runs the clock until both settle. */
export async function connect(
  w: World,
  opts: { aRole?: IceRole; bRole?: IceRole; maxMs?: number } = {},
): Promise<{ ca: IceConnection | Error; cb: IceConnection | Error }> {
  trickle(w.a, w.b);
  const results: { ca?: IceConnection | Error; cb?: IceConnection | Error } = {};
  const go = (agent: IceAgent, peer: IceAgent, role: IceRole): Promise<IceConnection> =>
    role === 'controlling'
      ? agent.dial(peer.localCredentials.ufrag, peer.localCredentials.pwd)
      : agent.accept(peer.localCredentials.ufrag, peer.localCredentials.pwd);
  go(w.a, w.b, opts.aRole ?? 'controlling').then((c) => (results.ca = c), (e: Error) => (results.ca = e));
  go(w.b, w.a, opts.bRole ?? 'controlled').then((c) => (results.cb = c), (e: Error) => (results.cb = e));
  const ok = await w.clock.runUntil(() => results.ca !== undefined && results.cb !== undefined, opts.maxMs ?? 60_000, 20);
  expect(ok, 'both sides settled').toBe(true);
  return { ca: results.ca!, cb: results.cb! };
}

/** Sends `n` datagrams each way and returns how many arrived at each side. */
export async function exchange(w: World, ca: IceConnection, cb: IceConnection, n = 10): Promise<{ atA: number; atB: number }> {
  let atA = 0;
  let atB = 0;
  ca.onMessage(() => atA++);
  cb.onMessage(() => atB++);
  for (let i = 0; i < n; i++) {
    ca.send(Buffer.from([0x80, i]));
    cb.send(Buffer.from([0x80, i]));
    await w.clock.advance(10);
  }
  await w.clock.advance(500);
  return { atA, atB };
}
