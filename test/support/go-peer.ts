import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One JSON line printed by a Go peer. */
export interface GoPeerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface GoPeerOptions {
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string>;
  /** Print the peer's stderr and every JSON line (also when `TERN_GO_PEER_DEBUG=1`). */
  debug?: boolean;
  /** Hard upper bound on the process's life; it is killed after this. Default 60 s. */
  maxLifetimeMs?: number;
}

const DEFAULT_WAIT_MS = 10_000;
const DEFAULT_MAX_LIFETIME_MS = 60_000;

interface Waiter {
  predicate: (m: GoPeerMessage) => boolean;
  resolve: (m: GoPeerMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A Go peer (see test/interop/pion/<name>/main.go) spawned as a child process
 * that talks JSON lines: `send()` writes one line to its stdin, every stdout
 * line is parsed and kept in `messages`, `next()` waits for one matching line.
 * Always `close()` it in a `finally`/`afterAll`: it ends stdin, then kills.
 */
export class GoPeer {
  readonly messages: GoPeerMessage[] = [];
  readonly stderr: string[] = [];
  #child: ChildProcess;
  #waiters = new Set<Waiter>();
  #listeners = new Set<(m: GoPeerMessage) => void>();
  #exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  #lifetimeTimer: NodeJS.Timeout;
  #debug: boolean;
  #name: string;

  constructor(binary: string, args: readonly string[], options: GoPeerOptions = {}) {
    this.#name = binary.split('/').pop() ?? binary;
    this.#debug = options.debug ?? process.env['TERN_GO_PEER_DEBUG'] === '1';
    this.#child = spawn(binary, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    this.#exited = new Promise((resolve) => {
      const onExit = (code: number | null): void => {
        if (this.#exitCode !== undefined) return;
        this.#exitCode = code;
        clearTimeout(this.#lifetimeTimer);
        for (const w of this.#waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`${this.#name} exited (code ${code}) ${this.#context()}`));
        }
        this.#waiters.clear();
        resolve(code);
      };
      this.#child.once('exit', onExit);
      this.#child.once('error', (err) => {
        this.stderr.push(String(err));
        // A process that never started (missing binary) emits no 'exit'.
        if (this.#child.pid === undefined) onExit(null);
      });
    });
    // stdin errors (EPIPE after the peer exits) are expected during teardown.
    this.#child.stdin?.on('error', () => {});
    const out = createInterface({ input: this.#child.stdout! });
    out.on('line', (line) => this.#onLine(line));
    const err = createInterface({ input: this.#child.stderr! });
    err.on('line', (line) => {
      if (this.stderr.length < 2000) this.stderr.push(line);
      if (this.#debug) console.error(`[${this.#name} stderr] ${line}`);
    });
    this.#lifetimeTimer = setTimeout(() => this.kill(), options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS);
    this.#lifetimeTimer.unref();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exited(): Promise<number | null> {
    return this.#exited;
  }

  get exitCode(): number | null | undefined {
    return this.#exitCode;
  }

  /** Writes one JSON line to the peer's stdin (ignored after exit). */
  send(message: GoPeerMessage): void {
    const stdin = this.#child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    if (this.#debug) console.error(`[${this.#name} <-] ${JSON.stringify(message)}`);
    stdin.write(JSON.stringify(message) + '\n');
  }

  /** Calls `listener` for every line from now on; returns an unsubscribe. */
  onMessage(listener: (m: GoPeerMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The first line (already received or future) matching `predicate`, or of
   * the given type. Rejects after `timeoutMs` or when the peer exits.
   */
  next(typeOrPredicate: string | ((m: GoPeerMessage) => boolean), timeoutMs = DEFAULT_WAIT_MS): Promise<GoPeerMessage> {
    const predicate =
      typeof typeOrPredicate === 'string' ? (m: GoPeerMessage) => m.type === typeOrPredicate : typeOrPredicate;
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    if (this.#exitCode !== undefined) {
      return Promise.reject(new Error(`${this.#name} already exited (code ${this.#exitCode}) ${this.#context()}`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const what = typeof typeOrPredicate === 'string' ? `"${typeOrPredicate}"` : 'a matching line';
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${this.#name} ${this.#context()}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Ends stdin, waits up to `graceMs` for a clean exit, then kills. Idempotent. */
  async close(graceMs = 3000): Promise<number | null> {
    if (this.#exitCode === undefined) {
      this.#child.stdin?.end();
      const timer = setTimeout(() => this.kill(), graceMs);
      try {
        await this.#exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.#exitCode ?? null;
  }

  /** SIGKILLs the peer (no-op once exited). */
  kill(): void {
    if (this.#exitCode === undefined && this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }

  #onLine(line: string): void {
    let message: GoPeerMessage;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { type?: unknown }).type !== 'string') {
        throw new TypeError('not a typed object');
      }
      message = parsed as GoPeerMessage;
    } catch {
      if (this.stderr.length < 2000) this.stderr.push(`(stdout, not JSON) ${line}`);
      return;
    }
    if (this.#debug) console.error(`[${this.#name} ->] ${line}`);
    this.messages.push(message);
    for (const w of [...this.#waiters]) {
      if (w.predicate(message)) {
        clearTimeout(w.timer);
        this.#waiters.delete(w);
        w.resolve(message);
      }
    }
    for (const l of this.#listeners) {
      try {
        l(message);
      } catch (err) {
        this.stderr.push(`listener threw: ${String(err)}`);
      }
    }
  }

  #context(): string {
    const errors = this.messages.filter((m) => m.type === 'error').map((m) => String(m['message']));
    const tail = this.stderr.slice(-10);
    return [errors.length ? `errors: ${errors.join('; ')}` : '', tail.length ? `stderr: ${tail.join(' | ')}` : '']
      .filter(Boolean)
      .join(' ');
  }
}

/** Spawns a JSON-line Go peer; see {@link GoPeer}. */
export function spawnGoPeer(binary: string, args: readonly string[], options?: GoPeerOptions): GoPeer {
  return new GoPeer(binary, args, options);
}
