import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScopedLogger } from './log.js';

/** Whether an optional native module is in use, and if not, why. */
export interface NativeModuleStatus {
  readonly loaded: boolean;
  /** The module's path when loaded. */
  readonly path?: string;
  /** Why it is not in use. */
  readonly reason?: string;
}

export interface NativeModuleSpec<T> {
  /** File name under build/native/, e.g. `tern_srtp.node`. */
  readonly file: string;
  /** `<disableEnv>=0` switches the module off. */
  readonly disableEnv: string;
  /** `<pathEnv>=/path/to/module.node` loads that file instead. */
  readonly pathEnv: string;
  /** Where the search for the package root starts: the caller's `import.meta.url`. */
  readonly fromUrl: string;
  /** Platforms the module is built for; undefined: all. */
  readonly platforms?: readonly NodeJS.Platform[];
  /** Checks the loaded exports; returns why they do not fit this process, or undefined. */
  readonly check?: (exports: T) => string | undefined;
}

/** How far above the calling file the package root may be (src/x/native, dist/x/native, build/bench-js/src/x/native). */
const MAX_LEVELS = 6;

function findModule(relative: string, fromUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(fromUrl));
  for (let i = 0; i < MAX_LEVELS; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * Loads one of tern-rtc's optional native modules (built by
 * scripts/build-native.mjs into build/native/). Never throws: a module that
 * is missing, switched off or unfit comes back as `binding: undefined` with
 * the reason, and the caller uses its JavaScript path.
 */
/**
 * The check shared by the modules that drive Node's own OpenSSL: every function
 * the binding declares is there (a module left from an older build is refused,
 * not called), and it was compiled against the OpenSSL major version Node runs.
 */
export function opensslModuleCheck<T extends { opensslVersions(): [number, number] }>(functions: readonly (keyof T & string)[]): (exports: T) => string | undefined {
  return (exports) => {
    const missing = functions.filter((f) => typeof exports[f] !== 'function');
    if (missing.length > 0) return `an older build: no ${missing.join(', ')}`;
    const [built, running] = exports.opensslVersions();
    // OPENSSL_VERSION_NUMBER carries the major version in its top nibble (3.x: 0x3...).
    if (Math.floor(built / 2 ** 28) !== Math.floor(running / 2 ** 28)) {
      return `built for OpenSSL ${built.toString(16)}, running on ${running.toString(16)}`;
    }
    return undefined;
  };
}

export function loadNativeModule<T>(spec: NativeModuleSpec<T>): { binding: T | undefined; status: NativeModuleStatus } {
  const off = (reason: string): { binding: undefined; status: NativeModuleStatus } => ({ binding: undefined, status: { loaded: false, reason } });
  if (process.env[spec.disableEnv] === '0') return off(`disabled by ${spec.disableEnv}=0`);
  if (spec.platforms && !spec.platforms.includes(process.platform)) return off(`not available on ${process.platform}`);
  const relative = join('build', 'native', spec.file);
  const path = process.env[spec.pathEnv] || findModule(relative, spec.fromUrl);
  if (!path) return off(`${relative} not built (npm run build:native)`);
  try {
    const mod = { exports: {} as T };
    // RTLD_NOW: every symbol resolves at load time or the load fails here, never at a later call.
    process.dlopen(mod, path, constants.dlopen.RTLD_NOW);
    const unfit = spec.check?.(mod.exports);
    if (unfit !== undefined) return off(unfit);
    return { binding: mod.exports, status: { loaded: true, path } };
  } catch (err) {
    return off(`${path} failed to load: ${(err as Error).message}`);
  }
}

/** One optional native module, loaded on first use and then remembered. */
export interface LazyNativeModule<T> {
  /** The module, or undefined when it is not built, disabled or unfit (loads it on first call). */
  binding(): T | undefined;
  /** Whether it is in use, and if not, why (loads it on first call). */
  status(): NativeModuleStatus;
  /** The module if an earlier call loaded it; never loads it. */
  loadedBinding(): T | undefined;
}

/**
 * {@link loadNativeModule} on first use, remembered, with one debug line on
 * `log` saying what runs: `<what>: <native> <path>` or `<what>: <fallback> (<reason>)`.
 */
export function lazyNativeModule<T>(
  spec: NativeModuleSpec<T>,
  log: ScopedLogger,
  text: { what: string; native: string; fallback: string },
): LazyNativeModule<T> {
  let loaded: { binding: T | undefined; status: NativeModuleStatus } | undefined;
  const ensure = (): { binding: T | undefined; status: NativeModuleStatus } => {
    if (loaded === undefined) {
      loaded = loadNativeModule(spec);
      if (loaded.status.loaded) log.debug(`${text.what}: ${text.native} ${loaded.status.path}`);
      else log.debug(`${text.what}: ${text.fallback} (${loaded.status.reason})`);
    }
    return loaded;
  };
  return {
    binding: () => ensure().binding,
    status: () => ensure().status,
    loadedBinding: () => loaded?.binding,
  };
}
