import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { Candidate, candidateFoundation, candidatePriority, localPreference, type TcpType } from '../candidate/index.js';
import type { Clock } from '../common/clock.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import type { IceServer, IceServerUri } from '../stun/index.js';
import { parseIceServerUri } from '../stun/index.js';
import type { RelayFactory } from '../turn/index.js';
import { formatAddress, type Net, type NetInterfaceAddress, type TransportAddress, type UdpSocket } from '../transport/net.js';
import type { AddressRewriteRule, NetworkType } from './agent-config.js';
import type { HostSocketsProvider } from './agent-ports.js';
import { applyRewriteRules, type RewriteInput } from './address-rewrite.js';
import { bindUdpInRange, type PortRange } from './port-range.js';
import { gatherTcpCandidates } from './tcp/tcp-gatherer.js';

/** What the gatherer needs from the agent that owns it. */
export interface GathererHost {
  readonly net: Net;
  readonly rng: Rng;
  readonly clock: Clock;
  readonly log: ScopedLogger;
  /** Takes ownership of a socket-like base (host UDP socket or TURN relay) and returns its id. */
  addBase(socket: UdpSocket, kind: 'host' | 'relay'): number;
  /** Announces a local candidate gathered on `baseId`; `fromStun` marks a server-reflexive one learned from a STUN server. */
  announce(candidate: Candidate, baseId: number, base: TransportAddress, pairable: boolean, fromStun?: boolean): void;
  /** Asks a STUN server for the base's mapped address (undefined on timeout). */
  requestSrflx(baseId: number, server: TransportAddress): Promise<TransportAddress | undefined>;
  readonly closed: boolean;
}

export interface GatherOptions {
  readonly networkTypes: readonly NetworkType[];
  readonly includeLoopback: boolean;
  readonly interfaceFilter: ((name: string) => boolean) | undefined;
  readonly ipFilter: ((ip: string) => boolean) | undefined;
  readonly portRange: PortRange | undefined;
  readonly rules: readonly AddressRewriteRule[];
  readonly iceServers: readonly IceServer[];
  readonly relayFactory: RelayFactory | undefined;
  readonly hostSockets: HostSocketsProvider | undefined;
  /**
   * W3C iceTransportPolicy 'relay' (RFC 8828 mode 4): only relayed candidates
   * are gathered and announced; no host socket is bound, so no check can
   * leave from anything but a TURN allocation.
   */
  readonly relayOnly?: boolean;
}

/** Where a relay allocation is made from: an interface address (and the host base on it, when one was bound). */
export interface RelayOrigin {
  readonly iface: NetInterfaceAddress;
  readonly interfaceRank: number;
  readonly base?: HostBase;
}

export type { ExternalHostSocket, HostSocketsProvider } from './agent-ports.js';

/** A gathered host base. */
/** A host UDP socket the agent gathered on, kept for gathering server-reflexive candidates again. */
export interface HostBase {
  readonly baseId: number;
  readonly socket: UdpSocket;
  readonly iface: NetInterfaceAddress;
  readonly localPreference: number;
  readonly interfaceRank: number;
}

/** Addresses gathering may use (RFC 8445 §5.1.1.1), in preference order, with their interface rank. */
export function gatherableAddresses(net: Net, o: GatherOptions): { iface: NetInterfaceAddress; interfaceRank: number; addressRank: number }[] {
  const families = new Set<4 | 6>();
  for (const t of o.networkTypes) if (t === 'udp4') families.add(4); else if (t === 'udp6') families.add(6);
  const out: { iface: NetInterfaceAddress; interfaceRank: number; addressRank: number }[] = [];
  const ranks = new Map<string, number>();
  const perFamily = new Map<string, number>();
  for (const a of net.interfaces()) {
    if (!families.has(a.family)) continue;
    if (a.internal && !o.includeLoopback) continue;
    // IPv6 link-local addresses need a scope id and are never useful across hosts.
    if (a.family === 6 && /^fe80:/i.test(a.address)) continue;
    if (o.interfaceFilter && !safeFilter(o.interfaceFilter, a.name)) continue;
    if (o.ipFilter && !safeFilter(o.ipFilter, a.address)) continue;
    if (!ranks.has(a.name)) ranks.set(a.name, ranks.size);
    const famKey = `${a.name}|${a.family}`;
    const addressRank = perFamily.get(famKey) ?? 0;
    perFamily.set(famKey, addressRank + 1);
    out.push({ iface: a, interfaceRank: ranks.get(a.name)!, addressRank });
  }
  return out;
}

function safeFilter(f: (s: string) => boolean, v: string): boolean {
  try {
    return f(v);
  } catch {
    return false;
  }
}

/**
 * Gathers host candidates on every allowed address (ports from the range),
 * then server-reflexive candidates from every STUN URL and relayed ones
 * through `relayFactory`, all in parallel. Candidates are announced as they
 * appear (trickle). Throws the first bind error only when no host base at
 * all could be opened.
 */
export async function gatherCandidates(host: GathererHost, o: GatherOptions, localUfrag: string): Promise<readonly HostBase[]> {
  if (o.relayOnly) {
    await gatherRelays(host, o, relayOrigins(host.net, o, []));
    return [];
  }
  if (o.hostSockets) {
    // Caller-supplied bases (single-port server, ICE-TCP) replace the agent's own host sockets.
    const list = await o.hostSockets({ localUfrag });
    list.forEach((ext, rank) => {
      if (host.closed) {
        ext.socket.close();
        return;
      }
      const baseId = host.addBase(ext.socket, 'host');
      const a = ext.socket.localAddress;
      const lp = localPreference({ interfaceRank: Math.min(rank, 15), family: ext.socket.family });
      const tcp = ext.transport === 'tcp' ? { tcpType: ext.tcpType ?? 'passive' } : undefined;
      announceRewritten(host, o, { type: 'host', iface: ext.iface, localAddress: a.address, address: a.address, port: a.port }, baseId, a, lp, undefined, undefined, tcp);
    });
    return [];
  }
  // ICE-TCP (RFC 6544) host candidates when tcp4/tcp6 are enabled; never throws.
  const tcp = gatherTcpCandidates(host, o);
  const addrs = gatherableAddresses(host.net, o);
  const bases: HostBase[] = [];
  let firstError: unknown;
  await Promise.all(
    addrs.map(async ({ iface, interfaceRank, addressRank }) => {
      try {
        const socket = await bindUdpInRange(host.net, iface.address, o.portRange, host.rng);
        if (host.closed) {
          socket.close();
          return;
        }
        const baseId = host.addBase(socket, 'host');
        const lp = localPreference({ interfaceRank, family: iface.family, addressRank });
        bases.push({ baseId, socket, iface, localPreference: lp, interfaceRank });
        announceRewritten(host, o, { type: 'host', iface: iface.name, localAddress: iface.address, address: iface.address, port: socket.localAddress.port }, baseId, socket.localAddress, lp, undefined);
      } catch (err) {
        firstError ??= err;
        host.log.warn(`cannot gather on ${iface.address}: ${(err as Error).message}`);
      }
    }),
  );
  await tcp;
  if (bases.length === 0 && firstError !== undefined) throw firstError;
  if (host.closed) return bases;
  const servers = parseServers(o.iceServers, host.log);
  await Promise.all([
    ...servers.filter((s) => s.uri.scheme === 'stun' && s.uri.transport === 'udp').map((s) => gatherSrflx(host, o, bases, s.uri)),
    gatherRelays(host, o, relayOrigins(host.net, o, bases)),
  ]);
  return bases;
}

/**
 * The addresses TURN allocations are made from: the host bases when there
 * are any, else (relay-only gathering, or bases supplied by the caller) the
 * gatherable interface addresses themselves.
 */
export function relayOrigins(net: Net, o: GatherOptions, bases: readonly HostBase[]): RelayOrigin[] {
  if (bases.length > 0) return bases.map((b) => ({ iface: b.iface, interfaceRank: b.interfaceRank, base: b }));
  return gatherableAddresses(net, o).map(({ iface, interfaceRank }) => ({ iface, interfaceRank }));
}

/** One relayed candidate per `turn:`/`turns:` URL, allocated in parallel; failures are logged, never thrown. */
export async function gatherRelays(host: GathererHost, o: GatherOptions, origins: readonly RelayOrigin[]): Promise<void> {
  const servers = parseServers(o.iceServers, host.log).filter((s) => s.uri.scheme === 'turn' || s.uri.scheme === 'turns');
  await Promise.all(servers.map((s) => gatherRelay(host, o, origins, s)));
}

/**
 * Asks every STUN server again for the mapped address of each host base:
 * after an ICE restart (RFC 8445 §9) the NAT bindings may have changed, so
 * server-reflexive candidates are gathered anew rather than repeated.
 */
export async function regatherSrflx(host: GathererHost, o: GatherOptions, bases: readonly HostBase[]): Promise<void> {
  const stun = parseServers(o.iceServers, host.log).filter((s) => s.uri.scheme === 'stun' && s.uri.transport === 'udp');
  await Promise.all(stun.map((s) => gatherSrflx(host, o, bases, s.uri)));
}

function parseServers(list: readonly IceServer[], log: ScopedLogger): { uri: IceServerUri; username: string | undefined; credential: string | undefined }[] {
  const out: { uri: IceServerUri; username: string | undefined; credential: string | undefined }[] = [];
  for (const s of list) {
    for (const u of typeof s.urls === 'string' ? [s.urls] : s.urls) {
      try {
        out.push({ uri: parseIceServerUri(u), username: s.username, credential: s.credential });
      } catch (err) {
        log.warn(`ignoring ICE server ${u}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}

async function resolveHost(host: string, family: 4 | 6): Promise<string | undefined> {
  if (isIP(host) !== 0) return isIP(host) === family ? host : undefined;
  try {
    return (await lookup(host, { family })).address;
  } catch {
    return undefined;
  }
}

async function gatherSrflx(host: GathererHost, o: GatherOptions, bases: readonly HostBase[], uri: IceServerUri): Promise<void> {
  await Promise.all(
    bases
      .filter((b) => !b.iface.internal)
      .map(async (b) => {
        const ip = await resolveHost(uri.host, b.iface.family);
        if (ip === undefined || host.closed) return;
        const server = { address: ip, port: uri.port };
        const mapped = await host.requestSrflx(b.baseId, server);
        if (!mapped || host.closed) return;
        // RFC 8445 §5.1.3: a srflx equal to its base is redundant.
        if (mapped.address === b.socket.localAddress.address && mapped.port === b.socket.localAddress.port) return;
        host.log.debug(`srflx ${formatAddress(mapped)} for ${formatAddress(b.socket.localAddress)} via ${formatAddress(server)}`);
        announceRewritten(host, o, { type: 'srflx', iface: b.iface.name, localAddress: b.iface.address, address: mapped.address, port: mapped.port }, b.baseId, b.socket.localAddress, b.localPreference, ip, undefined, undefined, true);
      }),
  );
}

async function gatherRelay(
  host: GathererHost,
  o: GatherOptions,
  origins: readonly RelayOrigin[],
  s: { uri: IceServerUri; username: string | undefined; credential: string | undefined },
): Promise<void> {
  if (!o.relayFactory) {
    host.log.debug(`no relayFactory: skipping ${s.uri.scheme}:${s.uri.host}`);
    return;
  }
  if (s.username === undefined || s.credential === undefined) {
    host.log.warn(`TURN server ${s.uri.host} needs username and credential`);
    return;
  }
  // The server's family picks the local address (an IPv6 literal needs an IPv6 origin).
  // A server on loopback is reached from loopback (when gathering may use it).
  const wanted = isIP(s.uri.host) === 6 ? 6 : 4;
  const loopback = /^127\.|^::1$/.test(s.uri.host);
  const base =
    origins.find((b) => b.iface.internal === loopback && b.iface.family === wanted) ?? origins.find((b) => b.iface.family === wanted) ?? origins[0];
  if (!base) {
    host.log.warn(`TURN ${s.uri.host}:${s.uri.port}: no local address to allocate from`);
    return;
  }
  try {
    const relay = await o.relayFactory({
      server: s.uri,
      username: s.username,
      credential: s.credential,
      net: host.net,
      clock: host.clock,
      rng: host.rng,
      localAddress: base.iface.address,
    });
    if (host.closed) {
      relay.close();
      return;
    }
    const baseId = host.addBase(relay, 'relay');
    const lp = localPreference({ interfaceRank: base.interfaceRank, family: relay.family, relayTransport: s.uri.transport });
    // RFC 8445 §5.1.1.2: the related address of a relayed candidate is its mapped address.
    const related = relay.mappedAddress ?? base.base?.socket.localAddress ?? { address: base.iface.address, port: 0 };
    announceRewritten(host, o, { type: 'relay', iface: undefined, localAddress: relay.localAddress.address, address: relay.localAddress.address, port: relay.localAddress.port }, baseId, relay.localAddress, lp, relay.serverAddress.address, related);
  } catch (err) {
    host.log.warn(`TURN ${s.uri.host}:${s.uri.port}: ${(err as Error).message}`);
  }
}

/** Applies the rewrite rules and announces the resulting candidates; the first one of a host/relay base is pairable. */
export function announceRewritten(
  host: GathererHost,
  o: GatherOptions,
  input: RewriteInput,
  baseId: number,
  base: TransportAddress,
  lp: number,
  server: string | undefined,
  related?: TransportAddress,
  tcp?: { tcpType: TcpType },
  fromStun = false,
): void {
  const outputs = applyRewriteRules(o.rules, input);
  const transport = tcp ? 'tcp' : 'udp';
  let pairableGiven = input.type === 'srflx';
  for (const out of outputs) {
    const foundation = candidateFoundation({ type: out.type, baseAddress: input.localAddress, transport, ...(server !== undefined ? { server } : {}) });
    const rel = out.type === 'host' ? undefined : (related ?? base);
    const c = new Candidate({
      foundation,
      component: 1,
      transport,
      priority: candidatePriority({ type: out.type, localPreference: lp, component: 1, transport, ...(tcp ? { tcpType: tcp.tcpType } : {}) }),
      ...(tcp ? { tcpType: tcp.tcpType } : {}),
      address: out.address,
      port: out.port,
      type: out.type,
      ...(rel ? { relatedAddress: rel.address, relatedPort: rel.port } : {}),
    });
    // The check list pairs one candidate per base: its host (or relay) candidate, or, when
    // a rule replaced it with another type, the first announced one (RFC 8445 §6.1.2.4).
    const pairable = !pairableGiven;
    pairableGiven = true;
    host.announce(c, baseId, base, pairable, fromStun);
  }
}
