import { FakeClock } from '../../src/common/fake-clock.js';
import { SeededRng } from '../../src/common/rng.js';
import { DtlsCertificate } from '../../src/dtls/certificate.js';
import { RTCPeerConnection } from '../../src/peerconnection/peer-connection.js';
import { SettingEngine } from '../../src/peerconnection/setting-engine.js';
import type { RTCConfiguration } from '../../src/peerconnection/types.js';
import { NAT_PRESETS, VirtualNetwork, type NatConfig, type VirtualRouter, type VirtualTurnServer } from '../../src/transport/vnet/index.js';

/**
 * Two peer connections behind NATs on the virtual network with a fake clock
 * (protocol seconds in virtual milliseconds, deterministic): STUN and TURN
 * servers on the WAN, `linkLatencyMs` on every router uplink, so A reaches
 * the servers in one link delay and B in two. Trickle signalling is instant.
 */
export const STUN_IP = '198.51.100.1';
export const TURN_IP = '198.51.100.2';
export const TURN_USER = 'user';
export const TURN_PASS = 'pass';

export type NatKind = 'eim' | 'symmetric' | 'none';

export interface NatCallOptions {
  natA: NatKind;
  natB: NatKind;
  /** Which servers each side is given. */
  servers: 'stun' | 'stun+turn' | 'turn';
  turnTransport?: 'udp' | 'tcp';
  policyA?: 'all' | 'relay';
  policyB?: 'all' | 'relay';
  linkLatencyMs?: number;
  seed?: number;
  /** Extra SettingEngine knobs for both sides. */
  tune?: (s: SettingEngine) => void;
  /** Called on A before its offer (e.g. setConfiguration). */
  configure?: (a: RTCPeerConnection, clock: FakeClock) => void;
  /** Forward end-of-candidates (the null candidate) to the other side; default true. */
  endOfCandidates?: boolean;
  /** Called on B before the offer reaches it (e.g. ontrack). */
  onB?: (b: RTCPeerConnection, clock: FakeClock) => void;
}

export interface NatCall {
  readonly clock: FakeClock;
  readonly vnet: VirtualNetwork;
  readonly turn: VirtualTurnServer;
  readonly a: RTCPeerConnection;
  readonly b: RTCPeerConnection;
  /** The NAT routers in front of A and B (add filters to cut a path). */
  readonly routerA: VirtualRouter;
  readonly routerB: VirtualRouter;
  /** Virtual ms from the offer until both sides were `connected` (Infinity when they never were). */
  readonly connectedMs: number;
  close(): Promise<void>;
}

const NATS: Record<Exclude<NatKind, 'none'>, NatConfig> = {
  eim: NAT_PRESETS.portRestrictedCone,
  symmetric: NAT_PRESETS.symmetric,
};

let certificate: Promise<DtlsCertificate> | undefined;

/** Builds the world and runs one offer/answer; resolves once both are connected or `maxMs` virtual ms passed. */
export async function natCall(o: NatCallOptions, maxMs = 30_000): Promise<NatCall> {
  const cert = await (certificate ??= DtlsCertificate.generate());
  const clock = new FakeClock({ startMs: 1_000_000 });
  const seed = o.seed ?? 1;
  const vnet = new VirtualNetwork({ clock, rng: new SeededRng(seed) });
  const latencyMs = o.linkLatencyMs ?? 20;
  vnet.addStunServer({ router: vnet.wan, address: STUN_IP });
  const turn = vnet.addTurnServer({ router: vnet.wan, address: TURN_IP, credentials: { [TURN_USER]: TURN_PASS } });
  const transport = o.turnTransport === 'tcp' ? '?transport=tcp' : '';
  const iceServers: RTCConfiguration['iceServers'] = [];
  if (o.servers !== 'turn') iceServers.push({ urls: `stun:${STUN_IP}:3478` });
  if (o.servers !== 'stun') iceServers.push({ urls: `turn:${TURN_IP}:3478${transport}`, username: TURN_USER, credential: TURN_PASS });
  const routers: VirtualRouter[] = [];
  const make = (n: number, nat: NatKind, policy: 'all' | 'relay' | undefined): RTCPeerConnection => {
    const router = vnet.addRouter({
      lanCidr: `10.${n}.0.0/24`,
      publicAddress: `203.0.113.${n}`,
      ...(nat !== 'none' ? { nat: NATS[nat] } : {}),
      impairment: { latencyMs },
    });
    routers.push(router);
    const host = vnet.addHost({ router, address: `10.${n}.0.2` });
    const s = new SettingEngine();
    s.setNet(host);
    s.setClock(clock);
    s.setRng(new SeededRng(seed * 100 + n));
    s.setNetworkTypes(['udp4']);
    s.setDTLSCertificate(cert);
    o.tune?.(s);
    return new RTCPeerConnection({ iceServers, iceTransportPolicy: policy ?? 'all' }, { settingEngine: s });
  };
  const a = make(1, o.natA, o.policyA);
  const b = make(2, o.natB, o.policyB);
  const eoc = o.endOfCandidates ?? true;
  a.onicecandidate = (e) => void (e.candidate || eoc ? b.addIceCandidate(e.candidate).catch(() => undefined) : undefined);
  b.onicecandidate = (e) => void (e.candidate || eoc ? a.addIceCandidate(e.candidate).catch(() => undefined) : undefined);
  a.addTransceiver('video', { direction: 'sendrecv' });
  o.configure?.(a, clock);
  o.onB?.(b, clock);
  const start = clock.now();
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  const ok = await clock.runUntil(() => a.connectionState === 'connected' && b.connectionState === 'connected', maxMs, 1);
  const connectedMs = ok ? clock.now() - start : Infinity;
  return {
    clock,
    vnet,
    turn,
    a,
    b,
    routerA: routers[0]!,
    routerB: routers[1]!,
    connectedMs,
    close: async () => {
      a.close();
      b.close();
      await clock.advance(100);
      vnet.close();
    },
  };
}

/** The local and remote candidate types of a peer connection's selected pair, from getStats. */
export async function selectedTypes(pc: RTCPeerConnection): Promise<{ local: string; remote: string } | undefined> {
  const stats = [...(await pc.getStats()).values()];
  const transport = stats.find((s) => s.type === 'transport');
  const pairId = transport?.['selectedCandidatePairId'] as string | undefined;
  const pair = stats.find((s) => s.type === 'candidate-pair' && (pairId ? s.id === pairId : s['nominated'] === true || s['selected'] === true));
  if (!pair) return undefined;
  const local = stats.find((s) => s.id === pair['localCandidateId']);
  const remote = stats.find((s) => s.id === pair['remoteCandidateId']);
  return { local: String(local?.['candidateType']), remote: String(remote?.['candidateType']) };
}
