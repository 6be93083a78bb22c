import { lookup } from 'node:dns/promises';
import type tls from 'node:tls';
import { DropCounter } from '../common/drop-counter.js';
import { getLogger } from '../common/log.js';
import { ipFamily } from '../stun/address.js';
import type { StunRetransmitConfig } from '../stun/transaction-core.js';
import { familyOf, formatAddress, type TransportAddress } from '../transport/net.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, MAX_REDIRECTS } from './constants.js';
import { TurnError } from './errors.js';
import type { RelayFactory, RelayFactoryOptions } from './relayed-socket.js';
import { StreamServerLink, UdpServerLink, type ServerLink } from './server-link.js';
import { TlsConnection } from './tls-connection.js';
import { TurnClientCore, type TurnTransportKind } from './turn-client-core.js';
import { TurnRelay } from './turn-relay.js';

const log = getLogger('turn');

/** Options beyond the {@link RelayFactory} contract (all optional). */
export interface TurnRelayExtras {
  /** node:tls options for `turns:` (e.g. `ca` for a private CA). Certificates are verified by default. */
  tls?: tls.ConnectionOptions;
  /** LIFETIME to ask for (server default otherwise). */
  lifetimeSec?: number;
  /** Relayed address family (RFC 8656 §7.1 REQUESTED-ADDRESS-FAMILY); IPv4 by default. */
  family?: 4 | 6;
  /** Time allowed to open a TCP/TLS connection (default 10 s). */
  connectTimeoutMs?: number;
  software?: string | false;
  maxPermissions?: number;
  maxChannels?: number;
  autoChannelBindAfter?: number;
  retransmit?: StunRetransmitConfig;
  /** Aborts the allocation while it is being made. */
  signal?: AbortSignal;
  /** Resolves a server host name (default: `dns.lookup`); IP literals are used as they are. */
  resolve?: (host: string, family: 4 | 6) => Promise<string>;
}

export type TurnRelayOptions = RelayFactoryOptions & TurnRelayExtras;

function transportOf(options: TurnRelayOptions): TurnTransportKind {
  const s = options.server;
  if (s.scheme !== 'turn' && s.scheme !== 'turns') {
    throw new TurnError('ERR_TURN_CONNECT', `not a TURN server URI scheme: ${s.scheme}`);
  }
  // RFC 7065 §3: turns: over UDP would be DTLS, which no common TURN deployment offers.
  if (s.secure && s.transport === 'udp') throw new TurnError('ERR_TURN_CONNECT', 'TURN over DTLS is not supported');
  if (s.secure || s.transport === 'tls') return 'tls';
  return s.transport === 'tcp' ? 'tcp' : 'udp';
}

async function resolveServer(options: TurnRelayOptions): Promise<TransportAddress> {
  const host = options.server.host;
  const family = familyOf(options.localAddress);
  if (ipFamily(host) !== undefined) return { address: host, port: options.server.port };
  try {
    const address = options.resolve
      ? await options.resolve(host, family)
      : (await lookup(host, { family })).address;
    return { address, port: options.server.port };
  } catch (err) {
    throw new TurnError('ERR_TURN_CONNECT', `cannot resolve TURN server ${host}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function openLink(
  options: TurnRelayOptions,
  transport: TurnTransportKind,
  server: TransportAddress,
  drops: DropCounter,
): Promise<ServerLink> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  try {
    if (transport === 'udp') {
      const socket = await options.net.bindUdp({ address: options.localAddress, port: 0 });
      return new UdpServerLink(socket, server, drops);
    }
    if (transport === 'tcp') {
      const conn = await options.net.dialTcp({
        address: server.address,
        port: server.port,
        localAddress: options.localAddress,
        timeoutMs,
      });
      return new StreamServerLink(conn, drops);
    }
    // RFC 7065 / RFC 8656 §3.1: TLS over TCP; the SNI and certificate name are the URI's host.
    const host = options.server.host;
    const conn = await TlsConnection.connect({
      address: server.address,
      port: server.port,
      localAddress: options.localAddress,
      ...(ipFamily(host) === undefined ? { servername: host } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      clock: options.clock,
      timeoutMs,
    });
    return new StreamServerLink(conn, drops);
  } catch (err) {
    if (err instanceof TurnError) throw err;
    throw new TurnError('ERR_TURN_CONNECT', `cannot reach TURN server ${formatAddress(server)} over ${transport}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Creates a TURN allocation on the server of `options.server` (`turn:` over
 * UDP or TCP, `turns:` over TLS) and returns it as a {@link TurnRelay}, a
 * {@link RelayedSocket} whose local address is the relayed address. Follows
 * up to 3 ALTERNATE-SERVER redirects (RFC 8489 §10). Rejects with a
 * {@link TurnError}: `ERR_TURN_AUTH` for wrong credentials,
 * `ERR_TURN_ALLOCATION`, `ERR_TURN_TIMEOUT`, `ERR_TURN_CONNECT`, ...
 */
export const createTurnRelay = (async (options: TurnRelayOptions): Promise<TurnRelay> => {
  const transport = transportOf(options);
  let server = await resolveServer(options);
  for (let redirects = 0; ; redirects++) {
    if (familyOf(server.address) !== familyOf(options.localAddress)) {
      throw new TurnError(
        'ERR_TURN_CONNECT',
        `TURN server ${formatAddress(server)} and local address ${options.localAddress} differ in address family`,
      );
    }
    const drops = new DropCounter(log);
    const link = await openLink(options, transport, server, drops);
    const prefix = `${transport}:${formatAddress(server)}`;
    const core = new TurnClientCore({
      server: link.server,
      username: options.username,
      password: options.credential,
      rng: options.rng,
      transport,
      logPrefix: prefix,
      drops,
      ...(options.lifetimeSec !== undefined ? { lifetimeSec: options.lifetimeSec } : {}),
      ...(options.family !== undefined ? { family: options.family } : {}),
      ...(options.software !== undefined ? { software: options.software } : {}),
      ...(options.maxPermissions !== undefined ? { maxPermissions: options.maxPermissions } : {}),
      ...(options.maxChannels !== undefined ? { maxChannels: options.maxChannels } : {}),
      ...(options.autoChannelBindAfter !== undefined ? { autoChannelBindAfter: options.autoChannelBindAfter } : {}),
      ...(options.retransmit !== undefined ? { retransmit: options.retransmit } : {}),
    });
    const relay = new TurnRelay(core, link, options.clock, prefix);
    try {
      await relay.start(options.signal);
      return relay;
    } catch (err) {
      if (err instanceof TurnError && err.code === 'ERR_TURN_REDIRECT' && err.alternateServer && redirects < MAX_REDIRECTS) {
        log.debug(`${prefix}: redirected to ${formatAddress(err.alternateServer)}`);
        server = err.alternateServer;
        continue;
      }
      throw err;
    }
  }
}) satisfies RelayFactory;

/** A {@link RelayFactory} with extra options (TLS trust, lifetime, limits) baked in, for `IceAgentConfig.relayFactory`. */
export function turnRelayFactory(extras: TurnRelayExtras): RelayFactory {
  return (options) => createTurnRelay({ ...extras, ...options });
}
