import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/**
 * Starts Debian's `redis-server` on 127.0.0.1 for cluster tests: no
 * persistence (`--save ''`, `--appendonly no`), its own port, ended by PID in
 * `stop()`. `restart()` starts a fresh (empty) server on the same port, as a
 * crashed Redis without persistence comes back.
 */

export const REDIS_SERVER = '/usr/bin/redis-server';

export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  log(): string;
  /** Kills the server (SIGKILL unless it exits on SIGTERM within a second). Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
}

export async function startRedis(options: { startTimeoutMs?: number } = {}): Promise<RedisServer> {
  const host = '127.0.0.1';
  const port = await freeTcpPort(host);
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const c = spawn(REDIS_SERVER, ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
    c.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}): ${output}`);
      if (await answersPing(host, port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await kill(c);
    throw new Error(`redis-server did not start on ${host}:${port} within ${timeoutMs} ms: ${output}`);
  };

  await launch();
  return {
    port,
    url: `redis://${host}:${port}`,
    get pid() {
      return child?.pid;
    },
    log: () => output,
    stop: async () => {
      if (child) await kill(child);
      child = undefined;
    },
    restart: async () => {
      if (child) await kill(child);
      await launch();
    },
  };
}

function kill(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => c.kill('SIGKILL'), 1000);
    c.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0, exclusive: true }, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** An inline PING answered with +PONG means the server accepts commands. */
function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => done(false), 500);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')));
    s.once('error', () => done(false));
  });
}
