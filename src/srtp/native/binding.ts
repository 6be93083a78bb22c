import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLogger } from '../../common/log.js';

const log = getLogger('srtp');

/** An OpenSSL context keyed with one SRTP or SRTCP session key (opaque). */
export type NativeSrtpKey = { readonly __nativeSrtpKey: unique symbol };

/**
 * The optional SRTP cipher accelerator (native/srtp/tern_srtp.c). Each call
 * writes a caller-allocated `out` of exactly the stated length; lengths are
 * checked again natively (RangeError). The unprotect calls return whether
 * the tag verified.
 */
export interface NativeSrtp {
  createKey(gcm: boolean, key: Buffer, salt: Buffer, authKey: Buffer): NativeSrtpKey;
  /** out: input.length + tagLength (16 for GCM). */
  gcmProtectRtp: RtpCall<void>;
  /** out: input.length - tagLength; may be input itself (in place). */
  gcmUnprotectRtp: RtpCall<boolean>;
  /** out: input.length + tagLength + 4; `encrypted` is ignored (always true). */
  gcmProtectRtcp: RtcpCall<void>;
  /** out: input.length - tagLength - 4. */
  gcmUnprotectRtcp: RtcpCall<boolean>;
  cmProtectRtp: RtpCall<void>;
  cmUnprotectRtp: RtpCall<boolean>;
  cmProtectRtcp: RtcpCall<void>;
  cmUnprotectRtcp: RtcpCall<boolean>;
  /** [compiled against, running on], OPENSSL_VERSION_NUMBER form. */
  opensslVersions(): [number, number];
}

/** One argument layout for every RTP call; unprotect returns whether the tag verified. */
export type RtpCall<R> = (
  key: NativeSrtpKey,
  input: Buffer,
  headerLength: number,
  ssrc: number,
  roc: number,
  seq: number,
  tagLength: number,
  out: Buffer,
) => R;

/** One argument layout for every RTCP call. */
export type RtcpCall<R> = (key: NativeSrtpKey, input: Buffer, ssrc: number, index: number, encrypted: boolean, tagLength: number, out: Buffer) => R;

/** Whether SRTP runs on the native accelerator, and if not, why. */
export interface NativeSrtpStatus {
  readonly loaded: boolean;
  /** The module's path when loaded. */
  readonly path?: string;
  /** Why it is not in use. */
  readonly reason?: string;
}

const MODULE = join('build', 'native', 'tern_srtp.node');
/** How far above this file the package root may be (src/srtp/native, dist/srtp/native, build/bench-js/src/srtp/native). */
const MAX_LEVELS = 6;

let loaded: { binding: NativeSrtp | undefined; status: NativeSrtpStatus } | undefined;

function findModule(): string | undefined {
  const override = process.env.TERN_SRTP_NATIVE_PATH;
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < MAX_LEVELS; i++) {
    const candidate = join(dir, MODULE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function load(): { binding: NativeSrtp | undefined; status: NativeSrtpStatus } {
  if (process.env.TERN_SRTP_NATIVE === '0') return { binding: undefined, status: { loaded: false, reason: 'disabled by TERN_SRTP_NATIVE=0' } };
  const path = findModule();
  if (path === undefined) return { binding: undefined, status: { loaded: false, reason: `${MODULE} not built (npm run build:native)` } };
  try {
    const mod = { exports: {} as NativeSrtp };
    // RTLD_NOW: every OpenSSL symbol resolves at load time or the load fails here, never at a later call.
    process.dlopen(mod, path, constants.dlopen.RTLD_NOW);
    const [built, running] = mod.exports.opensslVersions();
    // OPENSSL_VERSION_NUMBER carries the major version in its top nibble (3.x: 0x3...).
    if (Math.floor(built / 2 ** 28) !== Math.floor(running / 2 ** 28)) {
      return { binding: undefined, status: { loaded: false, reason: `built for OpenSSL ${built.toString(16)}, running on ${running.toString(16)}` } };
    }
    return { binding: mod.exports, status: { loaded: true, path } };
  } catch (err) {
    return { binding: undefined, status: { loaded: false, reason: `${path} failed to load: ${(err as Error).message}` } };
  }
}

function ensureLoaded(): { binding: NativeSrtp | undefined; status: NativeSrtpStatus } {
  if (loaded === undefined) {
    loaded = load();
    if (loaded.status.loaded) log.debug(`SRTP ciphers: native accelerator ${loaded.status.path}`);
    else log.debug(`SRTP ciphers: Node crypto (${loaded.status.reason})`);
  }
  return loaded;
}

/** The native accelerator, or undefined when it is not built, disabled or does not fit this Node. */
export function nativeSrtp(): NativeSrtp | undefined {
  return ensureLoaded().binding;
}

/** Whether SRTP ciphers run natively in this process, and if not, why. */
export function nativeSrtpStatus(): NativeSrtpStatus {
  return ensureLoaded().status;
}
