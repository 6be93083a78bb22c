import log from 'loglevel';

/**
 * Scoped logging on `loglevel`. One logger per fixed scope (loglevel caches
 * every named logger forever, so per-connection loggers would leak); a
 * per-instance prefix is added by {@link ScopedLogger.child}.
 *
 * Switched by `TERN_LOG`, e.g. `TERN_LOG=ice=trace,stun=debug,*=warn` or
 * `TERN_LOG=*=debug`. A bare scope (`TERN_LOG=ice`) means trace.
 */
export const LOG_SCOPES = [
  'ice',
  'stun',
  'turn',
  'dtls',
  'srtp',
  'rtp',
  'rtcp',
  'sdp',
  'pc',
  'sctp',
  'sfu',
  'net',
  'mux',
  'mdns',
] as const;

export type LogScope = (typeof LOG_SCOPES)[number];
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: Record<LogLevelName, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 5 };

export interface ScopedLogger {
  readonly scope: LogScope;
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  /** Cheap check to guard expensive formatting on hot paths. */
  readonly traceEnabled: boolean;
  readonly debugEnabled: boolean;
  /** A logger that prefixes every line with `[prefix]` (no new loglevel logger). */
  child(prefix: string): ScopedLogger;
}

function parseSpec(spec: string | undefined): Map<string, LogLevelName> {
  const out = new Map<string, LogLevelName>();
  if (!spec) return out;
  for (const part of spec.split(/[,\s]+/)) {
    if (!part) continue;
    const [scope, level] = part.split('=', 2) as [string, string | undefined];
    const lvl = (level ?? 'trace').toLowerCase();
    if (lvl in LEVELS) out.set(scope.toLowerCase(), lvl as LogLevelName);
  }
  return out;
}

const DEFAULT_LEVEL: LogLevelName = 'warn';
const configured = parseSpec(process.env['TERN_LOG']);

function timestamp(): string {
  return new Date().toISOString().slice(11, 23);
}

class LoglevelScoped implements ScopedLogger {
  readonly scope: LogScope;
  readonly #logger: log.Logger;
  readonly #prefix: string;

  constructor(scope: LogScope, logger: log.Logger, prefix: string) {
    this.scope = scope;
    this.#logger = logger;
    this.#prefix = prefix;
  }

  get traceEnabled(): boolean {
    return this.#logger.getLevel() <= LEVELS.trace;
  }

  get debugEnabled(): boolean {
    return this.#logger.getLevel() <= LEVELS.debug;
  }

  #emit(level: Exclude<LogLevelName, 'silent'>, args: unknown[]): void {
    if (this.#logger.getLevel() > LEVELS[level]) return;
    const head = `${timestamp()} ${level.toUpperCase().padEnd(5)} ${this.scope}${this.#prefix}:`;
    // trace() in loglevel prints a stack trace; route it through debug's sink instead.
    const sink = level === 'trace' ? 'debug' : level;
    this.#logger[sink](head, ...args);
  }

  trace(...args: unknown[]): void {
    this.#emit('trace', args);
  }
  debug(...args: unknown[]): void {
    this.#emit('debug', args);
  }
  info(...args: unknown[]): void {
    this.#emit('info', args);
  }
  warn(...args: unknown[]): void {
    this.#emit('warn', args);
  }
  error(...args: unknown[]): void {
    this.#emit('error', args);
  }

  child(prefix: string): ScopedLogger {
    return new LoglevelScoped(this.scope, this.#logger, `${this.#prefix}[${prefix}]`);
  }
}

const loggers = new Map<LogScope, LoglevelScoped>();

function levelFor(scope: LogScope): LogLevelName {
  return configured.get(scope) ?? configured.get('*') ?? DEFAULT_LEVEL;
}

/** The logger of a scope; created once per scope per process. */
export function getLogger(scope: LogScope): ScopedLogger {
  let l = loggers.get(scope);
  if (!l) {
    const inner = log.getLogger(`tern:${scope}`);
    inner.setLevel(levelFor(scope), false);
    l = new LoglevelScoped(scope, inner, '');
    loggers.set(scope, l);
  }
  return l;
}

/**
 * Changes the level of one scope (or `'*'` for all) at run time, as
 * `TERN_LOG` does at start-up.
 */
export function setLogLevel(scope: LogScope | '*', level: LogLevelName): void {
  const scopes = scope === '*' ? LOG_SCOPES : [scope];
  for (const s of scopes) log.getLogger(`tern:${s}`).setLevel(level, false);
  for (const s of scopes) getLogger(s);
}
