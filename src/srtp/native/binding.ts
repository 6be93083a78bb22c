import { getLogger } from '../../common/log.js';
import { opensslModuleCheck, lazyNativeModule, type NativeModuleStatus } from '../../common/native-module.js';

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
export type NativeSrtpStatus = NativeModuleStatus;

const accelerator = lazyNativeModule<NativeSrtp>(
  {
    file: 'tern_srtp.node',
    disableEnv: 'TERN_SRTP_NATIVE',
    pathEnv: 'TERN_SRTP_NATIVE_PATH',
    fromUrl: import.meta.url,
    check: opensslModuleCheck<NativeSrtp>(['createKey', 'opensslVersions']),
  },
  getLogger('srtp'),
  { what: 'SRTP ciphers', native: 'native accelerator', fallback: 'Node crypto' },
);

/** The native accelerator, or undefined when it is not built, disabled or does not fit this Node. */
export function nativeSrtp(): NativeSrtp | undefined {
  return accelerator.binding();
}

/** Whether SRTP ciphers run natively in this process, and if not, why. */
export function nativeSrtpStatus(): NativeSrtpStatus {
  return accelerator.status();
}
