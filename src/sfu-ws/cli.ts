import { networkInterfaces } from 'node:os';
import { InvalidArgumentError, parseIceServerUri, SettingEngine, type RTCIceServer } from '../index.js';
import type { SfuServerOptions } from './config.js';

/** What `npm start` runs with, from flags and environment variables. */
export interface SfuCliConfig {
  host: string;
  httpPort: number;
  options: SfuServerOptions;
  /** Cluster mode (`--redis`): rooms placed on nodes through Redis; undefined runs every room in this process. */
  redisUrl?: string;
  /** Where clients reach this node (`--node-url`, default `http://<host>:<port>`); cluster mode only. */
  nodeUrl?: string;
  /** This node's id in the cluster (`--node-id`, default `<hostname>-<pid>`). */
  nodeId?: string;
}

interface Flag {
  flag: string;
  env: string;
  arg?: string;
  help: string;
}

const FLAGS: Flag[] = [
  { flag: '--host', env: 'HOST', arg: 'ADDR', help: 'address for HTTP and media (default 127.0.0.1; 0.0.0.0 turns the Origin check on)' },
  { flag: '--port', env: 'PORT', arg: 'N', help: 'HTTP and websocket port (default 8080)' },
  { flag: '--media-port', env: 'MEDIA_PORT', arg: 'N', help: 'UDP port of single-port media (default 8443; 0: any)' },
  { flag: '--tcp-port', env: 'TCP_PORT', arg: 'N', help: 'TCP port for ICE-TCP (default: same number as the UDP port; "off" for none)' },
  { flag: '--no-single-port', env: 'SINGLE_PORT=0', help: 'one UDP socket per peer instead (see --port-range)' },
  { flag: '--port-range', env: 'PORT_RANGE', arg: 'A-B', help: 'UDP ports for per-peer sockets (with --no-single-port)' },
  { flag: '--nat-1to1', env: 'NAT_1TO1', arg: 'IP[,IP]', help: 'public IP(s) advertised in candidates (server behind a 1:1 NAT)' },
  { flag: '--ice-servers', env: 'ICE_SERVERS', arg: 'URL[,URL]', help: 'STUN/TURN URLs handed to browsers (turn:user:pass@host:port for credentials)' },
  { flag: '--origins', env: 'ALLOWED_ORIGINS', arg: 'O[,O]', help: 'extra origins allowed to open the websocket ("*": no check)' },
  { flag: '--host-secret', env: 'HOST_SECRET', arg: 'S', help: 'required by POST /rooms; without it the first joiner of a room is its host' },
  { flag: '--max-participants', env: 'MAX_PARTICIPANTS', arg: 'N', help: 'participant cap per room (default 16)' },
  { flag: '--redis', env: 'REDIS_URL', arg: 'URL', help: 'cluster mode: rooms placed on the least loaded node through this Redis (redis://host:6379); a client that joins through another node is redirected to the room\'s node' },
  { flag: '--node-url', env: 'NODE_URL', arg: 'URL', help: 'cluster mode: where clients reach this node, http(s)://host:port (default http://HOST:PORT)' },
  { flag: '--node-id', env: 'NODE_ID', arg: 'ID', help: 'cluster mode: this node\'s id (default HOSTNAME-PID)' },
  { flag: '--help', env: '', help: 'this text' },
];

export function sfuCliHelp(): string {
  const lines = ['Usage: npm start -- [options]   (each option also reads the environment variable shown)', ''];
  for (const f of FLAGS) {
    const left = `  ${f.flag}${f.arg ? ` ${f.arg}` : ''}`.padEnd(30);
    lines.push(`${left}${f.help}${f.env ? `  [${f.env}]` : ''}`);
  }
  return lines.join('\n');
}

function port(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${name}: not a port: ${v}`);
  return n;
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** turn:user:pass@host:3478?transport=udp → an RTCIceServer with credentials. */
export function iceServerFromUrl(url: string): RTCIceServer {
  const m = /^(turns?):([^:@/]+):([^@/]+)@(.+)$/.exec(url);
  const server: RTCIceServer = m ? { urls: `${m[1]}:${m[4]}`, username: decodeURIComponent(m[2]!), credential: decodeURIComponent(m[3]!) } : { urls: url };
  parseIceServerUri(server.urls as string); // throws a typed error for a bad URL
  return server;
}

/** The first non-internal IPv4 address of this machine (for `--host 0.0.0.0` without --nat-1to1). */
function firstPublicIpv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Parses flags (`--x v` or `--x=v`) over environment variables; returns 'help' for --help. */
export function parseSfuCli(argv: readonly string[], env: NodeJS.ProcessEnv): SfuCliConfig | 'help' {
  const v = new Map<string, string>();
  for (const f of FLAGS) {
    const [name, value] = f.env.split('=');
    if (name && env[name] !== undefined) v.set(f.flag, value !== undefined ? (env[name] === value ? 'true' : 'false') : env[name]!);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.split(/=(.*)/s, 2) as [string, string | undefined];
    const f = FLAGS.find((x) => x.flag === flag);
    if (!f) throw new InvalidArgumentError(`unknown option ${a} (see --help)`);
    if (f.flag === '--help') return 'help';
    if (!f.arg) v.set(f.flag, 'true');
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new InvalidArgumentError(`${f.flag} needs ${f.arg}`);
      v.set(f.flag, value);
    }
  }
  const host = v.get('--host') ?? '127.0.0.1';
  const httpPort = port('--port', v.get('--port') ?? '8080');
  const engine = new SettingEngine();
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  engine.setIncludeLoopbackCandidate(loopback);
  const options: SfuServerOptions = { settingEngine: engine };
  const singlePort = v.get('--no-single-port') !== 'true';
  if (singlePort) {
    const udpPort = port('--media-port', v.get('--media-port') ?? '8443');
    const tcp = v.get('--tcp-port');
    options.media = { mode: 'single-port', address: host === 'localhost' ? '127.0.0.1' : host, udpPort, tcpPort: tcp === 'off' ? undefined : port('--tcp-port', tcp ?? String(udpPort)) };
  } else {
    options.media = { mode: 'per-peer' };
    const range = v.get('--port-range');
    if (range) {
      const m = /^(\d+)-(\d+)$/.exec(range);
      if (!m) throw new InvalidArgumentError(`--port-range: expected A-B, got ${range}`);
      engine.setEphemeralUDPPortRange(Number(m[1]), Number(m[2]));
    }
  }
  let nat = list(v.get('--nat-1to1'));
  if (nat.length === 0 && (host === '0.0.0.0' || host === '::')) nat = list(firstPublicIpv4());
  if (nat.length) engine.setNAT1To1IPs(nat, 'host');
  const ice = list(v.get('--ice-servers'));
  if (ice.length) options.iceServers = ice.map(iceServerFromUrl);
  const origins = list(v.get('--origins'));
  // Off for the localhost demo, on as soon as the server listens on other interfaces.
  if (!origins.includes('*') && (origins.length > 0 || !loopback)) options.allowedOrigins = origins;
  const secret = v.get('--host-secret');
  if (secret) options.hostSecret = secret;
  const max = v.get('--max-participants');
  if (max) options.maxParticipants = Number(max);
  const cfg: SfuCliConfig = { host, httpPort, options };
  const redis = v.get('--redis');
  if (redis) {
    if (!/^rediss?:\/\//.test(redis)) throw new InvalidArgumentError(`--redis: expected redis://host:port, got ${redis}`);
    cfg.redisUrl = redis;
  }
  const nodeUrl = v.get('--node-url');
  if (nodeUrl) {
    if (!/^https?:\/\/[^/]+$/.test(nodeUrl.replace(/\/$/, ''))) throw new InvalidArgumentError(`--node-url: expected http(s)://host:port, got ${nodeUrl}`);
    cfg.nodeUrl = nodeUrl.replace(/\/$/, '');
  }
  const nodeId = v.get('--node-id');
  if (nodeId) cfg.nodeId = nodeId;
  return cfg;
}
