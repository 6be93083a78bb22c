import { InvalidArgumentError } from '../common/errors.js';
import { AesCmHmacTransform } from './aes-cm-hmac-transform.js';
import { AesGcmTransform } from './aes-gcm-transform.js';
import type { SrtpDerivedKeys } from './key-derivation.js';
import { nativeSrtp, nativeSrtpStatus } from './native/binding.js';
import { NativeTransform } from './native/native-transforms.js';
import type { SrtpProfileSpec } from './profile-spec.js';
import type { SrtpTransform } from './transform.js';

/**
 * Where SRTP cipher work runs: `native` is the optional OpenSSL accelerator
 * (native/srtp, built on install when a C compiler is present), `node` is
 * Node's crypto API; `auto` (the default) picks native when it is loaded.
 * Both give byte-identical packets.
 */
export type SrtpCipherBackend = 'auto' | 'native' | 'node';

export function isSrtpCipherBackend(v: unknown): v is SrtpCipherBackend {
  return v === 'auto' || v === 'native' || v === 'node';
}

/** The transform for `spec` and `keys` on the chosen backend, and which backend that is. */
export function createSrtpTransform(
  spec: SrtpProfileSpec,
  keys: SrtpDerivedKeys,
  backend: SrtpCipherBackend = 'auto',
): { transform: SrtpTransform; backend: 'native' | 'node' } {
  if (!isSrtpCipherBackend(backend)) throw new InvalidArgumentError(`SRTP cipher backend must be auto, native or node, not ${String(backend)}`);
  const native = backend === 'node' ? undefined : nativeSrtp();
  if (backend === 'native' && native === undefined) {
    throw new InvalidArgumentError(`the native SRTP accelerator is not available: ${nativeSrtpStatus().reason}`);
  }
  const gcm = spec.kind === 'aead-aes-gcm';
  if (native !== undefined) {
    return { transform: new NativeTransform(native, gcm, keys.rtp, keys.rtcp, spec.rtpTagLength, spec.rtcpTagLength), backend: 'native' };
  }
  const transform = gcm
    ? new AesGcmTransform(keys.rtp, keys.rtcp)
    : new AesCmHmacTransform(keys.rtp, keys.rtcp, spec.rtpTagLength, spec.rtcpTagLength);
  return { transform, backend: 'node' };
}
