/**
 * `tern-rtc turn`: the standalone TURN server. Parses flags into
 * {@link TurnServerOptions}, starts the server and an optional `/metrics`
 * endpoint, and shuts down on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger, setLogLevel } from '../common/log.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import { DEFAULT_DENIED_PEER_RANGES, parseIpRange } from './address-policy.js';
import { turnMetricsText } from './metrics.js';
import { TurnServer, type TurnServerOptions } from './turn-server.js';

export const TURN_CLI_HELP = `Usage: tern-rtc turn [options]

A TURN server (RFC 8656) for WebRTC: UDP, TCP and TLS listeners, UDP relays.

Listening:
  --listen IP            address to listen on (repeatable; default 0.0.0.0)
  --port N               UDP and TCP port (default 3478)
  --tls-port N           TLS port (default 5349, only with --cert/--key)
  --no-udp, --no-tcp     turn a listener off
  --cert FILE --key FILE PEM certificate chain and key for TLS (turns:)
Relaying:
  --relay-ip IP          address relay sockets bind to (default 0.0.0.0)
  --relay-ports A-B      relay port range (default: system-chosen)
  --external-ip IP       public address announced for relays (NAT 1:1)
  --deny CIDR            also refuse this peer range (repeatable)
  --allow CIDR           allow this peer range even if denied (repeatable)
Authentication:
  --realm R              realm (default tern-rtc)
  --user NAME:PASSWORD   static long-term user (repeatable)
  --auth-secret S        TURN REST API shared secret (repeatable: rotation);
                         username "expiry:user", password base64(HMAC-SHA1(S, username))
Limits:
  --max-allocations N    total allocations (default 10000)
  --user-quota N         allocations per user (default 32)
  --bandwidth B          bytes per second per allocation and direction (default 12500000; 0 = off)
  --max-lifetime S       longest allocation lifetime in seconds (default 3600)
Operations:
  --metrics IP:PORT      serve GET /metrics (Prometheus text) there
  --log LEVEL            turn log level: trace, debug, info, warn, error (default info; TERN_LOG overrides)
  -h, --help             this text

Environment: TERN_TURN_SECRET (like --auth-secret), TERN_LOG (e.g. turn=debug).
Peers in ${DEFAULT_DENIED_PEER_RANGES.length} private, loopback, link-local, multicast and reserved ranges are refused unless --allow'ed.
`;

export interface TurnCliConfig {
  options: TurnServerOptions;
  metrics: TransportAddress | undefined;
  logLevel: string;
}

function hostPort(text: string, what: string): TransportAddress {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (!m) throw new InvalidArgumentError(`${what}: expected IP:PORT, got '${text}'`);
  return { address: m[1]!, port: intArg(m[2]!, what, 0, 65535) };
}

function intArg(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what}: expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}

/** Parses command-line arguments (after `turn`) into a server configuration; throws InvalidArgumentError. */
export function parseTurnArgs(argv: string[], env: NodeJS.ProcessEnv = {}): TurnCliConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      listen: { type: 'string', multiple: true },
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      'no-udp': { type: 'boolean' },
      'no-tcp': { type: 'boolean' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'relay-ip': { type: 'string' },
      'relay-ports': { type: 'string' },
      'external-ip': { type: 'string' },
      deny: { type: 'string', multiple: true },
      allow: { type: 'string', multiple: true },
      realm: { type: 'string' },
      user: { type: 'string', multiple: true },
      'auth-secret': { type: 'string', multiple: true },
      'max-allocations': { type: 'string' },
      'user-quota': { type: 'string' },
      bandwidth: { type: 'string' },
      'max-lifetime': { type: 'string' },
      metrics: { type: 'string' },
      log: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const listen = values.listen ?? ['0.0.0.0'];
  const port = values.port !== undefined ? intArg(values.port, '--port', 0, 65535) : 3478;
  const users: Record<string, string> = {};
  for (const u of values.user ?? []) {
    const colon = u.indexOf(':');
    if (colon <= 0) throw new InvalidArgumentError(`--user: expected NAME:PASSWORD, got '${u}'`);
    users[u.slice(0, colon)] = u.slice(colon + 1);
  }
  const secrets = [...(values['auth-secret'] ?? []), ...(env['TERN_TURN_SECRET'] ? [env['TERN_TURN_SECRET']] : [])];
  if (Object.keys(users).length === 0 && secrets.length === 0) {
    throw new InvalidArgumentError('no credentials: give --user NAME:PASSWORD and/or --auth-secret SECRET');
  }
  for (const r of [...(values.deny ?? []), ...(values.allow ?? [])]) parseIpRange(r);
  const options: TurnServerOptions = {
    realm: values.realm ?? 'tern-rtc',
    ...(Object.keys(users).length > 0 ? { users } : {}),
    ...(secrets.length > 0 ? { sharedSecrets: secrets } : {}),
    deniedPeers: [...DEFAULT_DENIED_PEER_RANGES, ...(values.deny ?? [])],
    allowedPeers: values.allow ?? [],
  };
  if (!values['no-udp']) options.udp = listen.map((address) => ({ address, port }));
  if (!values['no-tcp']) options.tcp = listen.map((address) => ({ address, port }));
  if (values.cert !== undefined || values.key !== undefined) {
    if (values.cert === undefined || values.key === undefined) throw new InvalidArgumentError('--cert and --key go together');
    options.tlsCert = readFileSync(values.cert);
    options.tlsKey = readFileSync(values.key);
    const tlsPort = values['tls-port'] !== undefined ? intArg(values['tls-port'], '--tls-port', 0, 65535) : 5349;
    options.tls = listen.map((address) => ({ address, port: tlsPort }));
  }
  const relayIp = values['relay-ip'];
  if (relayIp !== undefined) options.relayAddresses = relayIp.includes(':') ? { 6: relayIp } : { 4: relayIp };
  if (relayIp?.includes(':')) options.relayFamilies = [6];
  if (values['relay-ports'] !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(values['relay-ports']);
    if (!m) throw new InvalidArgumentError(`--relay-ports: expected A-B, got '${values['relay-ports']}'`);
    options.relayPortMin = intArg(m[1]!, '--relay-ports', 1, 65535);
    options.relayPortMax = intArg(m[2]!, '--relay-ports', options.relayPortMin, 65535);
  }
  const external = values['external-ip'];
  if (external !== undefined) {
    parseIpRange(external);
    options.externalIps = external.includes(':') ? { 6: external } : { 4: external };
  }
  options.ownAddresses = [...listen, ...(relayIp ? [relayIp] : []), ...(external ? [external] : [])].filter((a) => a !== '0.0.0.0' && a !== '::');
  if (values['max-allocations'] !== undefined) options.maxAllocations = intArg(values['max-allocations'], '--max-allocations', 1, 10_000_000);
  if (values['user-quota'] !== undefined) options.maxAllocationsPerUser = intArg(values['user-quota'], '--user-quota', 1, 10_000_000);
  if (values.bandwidth !== undefined) options.bandwidthBytesPerSec = intArg(values.bandwidth, '--bandwidth', 0, 1e12);
  if (values['max-lifetime'] !== undefined) options.maxLifetimeSec = intArg(values['max-lifetime'], '--max-lifetime', 60, 86_400);
  const metrics = values.metrics !== undefined ? hostPort(values.metrics, '--metrics') : undefined;
  const logLevel = values.log ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw new InvalidArgumentError(`--log: unknown level '${logLevel}'`);
  return { options, metrics, logLevel };
}

/** A running CLI server: the TURN server and its metrics endpoint. */
export interface TurnCliServer {
  readonly server: TurnServer;
  readonly metrics: http.Server | undefined;
  close(): Promise<void>;
}

/** Starts what `config` describes. */
export async function startTurnCli(config: TurnCliConfig): Promise<TurnCliServer> {
  const log = getLogger('turn');
  const server = await TurnServer.listen(config.options);
  let metrics: http.Server | undefined;
  if (config.metrics) {
    const m = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(turnMetricsText(server.stats));
      } else {
        res.writeHead(404).end();
      }
    });
    metrics = m;
    await new Promise<void>((resolve, reject) => {
      m.once('error', reject);
      m.listen(config.metrics!.port, config.metrics!.address, () => resolve());
    }).catch((err: unknown) => {
      server.close();
      throw err;
    });
  }
  const where = [
    ...server.udpAddresses.map((a) => `udp ${formatAddress(a)}`),
    ...server.tcpAddresses.map((a) => `tcp ${formatAddress(a)}`),
    ...server.tlsAddresses.map((a) => `tls ${formatAddress(a)}`),
  ];
  log.info(`TURN server listening on ${where.join(', ')}, realm ${config.options.realm}`);
  if (metrics) {
    const a = metrics.address();
    if (a && typeof a === 'object') log.info(`metrics on http://${formatAddress({ address: a.address, port: a.port })}/metrics`);
  }
  return {
    server,
    metrics,
    close: async () => {
      server.close();
      if (metrics) await new Promise<void>((r) => metrics!.close(() => r()));
    },
  };
}

/** The `turn` command: returns the process exit code once the server has stopped (or at once on error). */
export async function runTurnCli(argv: string[]): Promise<number> {
  let config: TurnCliConfig | 'help';
  try {
    config = parseTurnArgs(argv, process.env);
  } catch (err) {
    process.stderr.write(`tern-rtc turn: ${(err as Error).message}\n\n${TURN_CLI_HELP}`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(TURN_CLI_HELP);
    return 0;
  }
  if (!process.env['TERN_LOG']) {
    // Create the scope's logger first: setLogLevel on a scope not yet created is reset by its creation.
    getLogger('turn');
    setLogLevel('turn', config.logLevel as Parameters<typeof setLogLevel>[1]);
  }
  const running = await startTurnCli(config);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      getLogger('turn').info('shutting down');
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      void running.close().then(() => resolve(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
