import { nativeSrtpStatus } from '../../src/srtp/native/binding.js';

/**
 * The SRTP cipher backends every SRTP test runs on. The native accelerator
 * is part of the tested build (npm install compiles it); only an explicit
 * TERN_SRTP_NATIVE=0 leaves it out, and then native-only tests say so.
 */
export const SRTP_BACKENDS: readonly ('node' | 'native')[] =
  process.env.TERN_SRTP_NATIVE === '0' ? ['node'] : ['node', 'native'];

/** Fails with the loader's reason when the accelerator should be there and is not. */
export function expectNativeLoaded(): void {
  const status = nativeSrtpStatus();
  if (process.env.TERN_SRTP_NATIVE !== '0' && !status.loaded) {
    throw new Error(`native SRTP accelerator not loaded: ${status.reason}`);
  }
}
