import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Network namespaces created by tests (never the root namespace's
 * interfaces, routes or firewall). A namespace with only `lo` up is a
 * sandbox in which everything can reach only its own 127.0.0.1.
 */

export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `tern-probe-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class LoopbackNamespace {
  readonly name: string;
  #deleted = false;

  constructor(prefix = 'tern') {
    this.name = `${prefix}-${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', this.name], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  }

  /** Spawns `command args` inside the namespace. */
  spawn(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Kills whatever is left inside, then deletes the namespace. Idempotent. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    deleteNamespace(this.name);
  }
}

/** Kills every process left in network namespace `name`, then deletes it; a missing namespace is fine. */
export function deleteNamespace(name: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // namespace already gone
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already deleted
  }
}

/**
 * Runs a TypeScript file with `node --import tsx` inside a fresh loopback-only
 * namespace and resolves with its stdout; the namespace is always deleted.
 */
export async function runInLoopbackNamespace(script: string, args: string[], timeoutMs: number): Promise<string> {
  const ns = new LoopbackNamespace();
  try {
    const child = ns.spawn(process.execPath, ['--import', 'tsx', script, ...args]);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, timeoutMs);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`${script} exited with ${String(code)}:\n${err.slice(-4000)}\n${out.slice(-2000)}`);
    return out;
  } finally {
    ns.delete();
  }
}
