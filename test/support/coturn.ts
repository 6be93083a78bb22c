import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransportAddress } from '../../src/transport/net.js';
import type { TurnRelay } from '../../src/turn/turn-relay.js';

/**
 * Starts Debian's coturn `turnserver` on 127.0.0.1 with a static long-term
 * credential user, for interop tests. Every instance has its own ports,
 * temporary directory (pid file, SQLite db, log, certificate) and is ended by
 * its PID in `stop()`.
 */

export interface CoturnOptions {
  user?: string;
  password?: string;
  realm?: string;
  /** `--stale-nonce=<sec>`: nonces expire after this many seconds. */
  staleNonceSec?: number;
  /** Also listen for TLS (`turns:`) with a fresh self-signed certificate for 127.0.0.1. */
  tls?: boolean;
  /** Listen on this address (default 127.0.0.1). */
  listeningIp?: string;
  /**
   * Run inside this network namespace (`ip netns exec`). Readiness is then
   * read from the server's log, since the test process cannot reach the
   * namespace's addresses; `port` defaults to 3478 there.
   */
  netns?: string;
  /** Listening port (default: a free one; 3478 inside a namespace). */
  port?: number;
  extraArgs?: string[];
  /** How long to wait for the listeners (default 10 s). */
  startTimeoutMs?: number;
}

export interface Coturn {
  readonly host: string;
  /** UDP and TCP listening port. */
  readonly port: number;
  /** TLS listening port (when started with `tls`). */
  readonly tlsPort: number | undefined;
  /** PEM of the self-signed server certificate (trust it with `tls: { ca }`). */
  readonly certPem: string | undefined;
  readonly pid: number;
  readonly user: string;
  readonly password: string;
  readonly realm: string;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** Ends the server by PID and removes its files. Idempotent. */
  stop(): Promise<void>;
}

/** True when `turnserver` is installed. */
export function coturnAvailable(): boolean {
  try {
    execFileSync('turnserver', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return existsSync('/usr/bin/turnserver');
  }
}

/** A port free for both UDP and TCP on `host` right now (and its successor, which coturn may take too). */
async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await udpFree(host, port)) && (await tcpFree(host, port)) && (await udpFree(host, port + 1))) return port;
  }
  throw new Error('no free port for coturn');
}

function udpType(host: string): 'udp4' | 'udp6' {
  return host.includes(':') ? 'udp6' : 'udp4';
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(udpType(host));
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function tcpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** One STUN Binding request (RFC 8489 §5 header only) answered means the UDP listener is up. */
function probeUdp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(udpType(host));
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0);
    req.writeUInt32BE(0x2112a442, 4);
    req.fill(0x5a, 8, 20);
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    s.once('message', () => done(true));
    s.once('error', () => done(false));
    s.send(req, port, host);
  });
}

function probeTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function makeCertificate(dir: string, host: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', `subjectAltName=IP:${host},DNS:localhost`,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  const host = options.listeningIp ?? '127.0.0.1';
  const user = options.user ?? 'test';
  const password = options.password ?? 'test';
  const realm = options.realm ?? 'tern';
  const dir = mkdtempSync(join(tmpdir(), 'tern-coturn-'));
  const port = options.port ?? (options.netns ? 3478 : await freePort(host));
  let tlsPort: number | undefined;
  let certPem: string | undefined;
  const args = [
    '-n',
    '--listening-ip', host,
    '--relay-ip', host,
    '--listening-port', String(port),
    '--lt-cred-mech',
    '--user', `${user}:${password}`,
    '--realm', realm,
    '--no-dtls',
    '--no-cli',
    '--cli-password=x',
    '--no-rfc5780',
    ...(host.startsWith('127.') || host === '::1' ? ['--allow-loopback-peers'] : []),
    '--pidfile', join(dir, 'turnserver.pid'),
    '--userdb', join(dir, 'turndb'),
    '--log-file', 'stdout',
    '--simple-log',
    '--verbose',
  ];
  if (options.tls) {
    tlsPort = options.netns ? port + 1971 : await freePort(host);
    const { cert, key } = makeCertificate(dir, host);
    certPem = readFileSync(cert, 'utf8');
    args.push('--tls-listening-port', String(tlsPort), '--cert', cert, '--pkey', key);
  } else {
    args.push('--no-tls');
  }
  if (options.staleNonceSec !== undefined) args.push(`--stale-nonce=${options.staleNonceSec}`);
  args.push(...(options.extraArgs ?? []));

  // `ip netns exec` execs turnserver in place, so the child's PID is the server's.
  const child: ChildProcess = options.netns
    ? spawn('ip', ['netns', 'exec', options.netns, 'turnserver', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (b: Buffer): void => {
    // Bounded: keep the tail only.
    output = (output + b.toString()).slice(-200_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = false;
  child.once('exit', () => (exited = true));
  const pid = child.pid;
  if (pid === undefined) throw new Error('turnserver did not start');

  // Safety net: a test worker that exits without calling stop() still ends its server.
  const killOnExit = (): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 2000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`turnserver exited during start-up:\n${output}`);
    }
    const ready = options.netns
      ? /UDP listener opened on/.test(output) &&
        /TCP listener opened on/.test(output) &&
        (tlsPort === undefined || /TLS\/TCP listener opened on/.test(output))
      : (await probeUdp(host, port, 200)) &&
        (await probeTcp(host, port)) &&
        (tlsPort === undefined || (await probeTcp(host, tlsPort)));
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`turnserver did not listen on ${host}:${port} in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    port,
    tlsPort,
    certPem,
    pid,
    user,
    password,
    realm,
    log: () => output,
    stop,
  };
}

// ---- helpers for TURN interop tests -----------------------------------------------------------

/** A plain UDP socket on 127.0.0.1 (or ::1) playing the remote peer. */
export class UdpPeer {
  readonly messages: Array<{ data: Buffer; from: TransportAddress }> = [];
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (data, r) => this.messages.push({ data, from: { address: r.address, port: r.port } }));
  }
  static async open(host = '127.0.0.1'): Promise<UdpPeer> {
    const s = dgram.createSocket(udpType(host));
    await new Promise<void>((r) => s.bind(0, host, r));
    return new UdpPeer(s);
  }
  get address(): TransportAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }
  send(data: Buffer, to: TransportAddress): void {
    this.socket.send(data, to.port, to.address);
  }
  #closed = false;
  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.close();
  }
}

/** Polls `predicate` in real time (bounded). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One datagram each way between a relay and a plain UDP peer; throws when either is missing or wrong. */
export async function relayRoundTrip(relay: TurnRelay, peer: UdpPeer, tag: string): Promise<void> {
  const inbound: Buffer[] = [];
  relay.onMessage((data, from) => {
    if (from.port === peer.address.port) inbound.push(Buffer.from(data));
  });
  const before = peer.messages.length;
  relay.send(Buffer.from(`${tag}: relay -> peer`), peer.address);
  await waitFor(() => peer.messages.length > before, 5000, `${tag} relay -> peer`);
  const got = peer.messages[peer.messages.length - 1]!;
  if (got.data.toString() !== `${tag}: relay -> peer`) throw new Error(`peer got ${JSON.stringify(got.data.toString())}`);
  const relayed = relay.localAddress;
  if (got.from.address !== relayed.address || got.from.port !== relayed.port) {
    throw new Error(`peer got data from ${got.from.address}:${got.from.port}, not the relayed address`);
  }
  peer.send(Buffer.from(`${tag}: peer -> relay`), relayed);
  await waitFor(() => inbound.length > 0, 5000, `${tag} peer -> relay`);
  if (inbound[0]!.toString() !== `${tag}: peer -> relay`) throw new Error(`relay got ${JSON.stringify(inbound[0]!.toString())}`);
}
