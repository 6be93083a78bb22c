import type { SrtpDtlsRole } from '../dtls-keying.js';
import type { SrtpProtectionProfile } from '../protection-profile.js';

/** Keys one session on a worker (RFC 5764 §4.2 keying material, as DTLS exported it). */
export interface SrtpWorkerOpen {
  type: 'open';
  id: number;
  profile: SrtpProtectionProfile;
  material: Uint8Array;
  role: SrtpDtlsRole;
  replayWindow?: number;
}

export interface SrtpWorkerClose {
  type: 'close';
  id: number;
}

/** The messages besides packet batches; postMessage keeps them in order with the batches. */
export type SrtpWorkerControl = SrtpWorkerOpen | SrtpWorkerClose;
