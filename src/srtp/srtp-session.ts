import { DropCounter } from '../common/drop-counter.js';
import { getLogger } from '../common/log.js';
import { srtpContextsFromDtls, type SrtpDtlsRole } from './dtls-keying.js';
import { SrtpError } from './errors.js';
import type { SrtpProtectionProfile } from './protection-profile.js';
import type { SrtpContext, SrtpContextOptions, SrtpContextStats } from './srtp-context.js';

const log = getLogger('srtp');

/**
 * Both directions of a DTLS-SRTP association (RFC 5764): protects with this
 * endpoint's write key, unprotects with the peer's. The `receive*` methods
 * are for a driver's inbound path: they never throw on network input, they
 * return undefined and count the drop by SrtpError code.
 */
export class SrtpSession {
  readonly profile: SrtpProtectionProfile;
  readonly local: SrtpContext;
  readonly remote: SrtpContext;
  /** Inbound packets dropped by the receive* methods, by SrtpError code. */
  readonly drops = new DropCounter(log);

  constructor(
    profile: SrtpProtectionProfile,
    keyingMaterial: Buffer,
    role: SrtpDtlsRole,
    options: Omit<SrtpContextOptions, 'profile' | 'masterKey' | 'masterSalt'> = {},
  ) {
    const { local, remote } = srtpContextsFromDtls(profile, keyingMaterial, role, options);
    this.profile = profile;
    this.local = local;
    this.remote = remote;
  }

  protectRtp(packet: Uint8Array): Buffer {
    return this.local.protectRtp(packet);
  }

  protectRtcp(packet: Uint8Array): Buffer {
    return this.local.protectRtcp(packet);
  }

  /** Unprotects an inbound SRTP packet; undefined (and counted) when rejected. */
  receiveRtp(packet: Uint8Array): Buffer | undefined {
    try {
      return this.remote.unprotectRtp(packet);
    } catch (err) {
      this.#drop(err);
      return undefined;
    }
  }

  /** Unprotects an inbound SRTCP packet; undefined (and counted) when rejected. */
  receiveRtcp(packet: Uint8Array): Buffer | undefined {
    try {
      return this.remote.unprotectRtcp(packet);
    } catch (err) {
      this.#drop(err);
      return undefined;
    }
  }

  #drop(err: unknown): void {
    if (err instanceof SrtpError) this.drops.drop(err.code, err.message);
    else throw err;
  }

  get stats(): { local: SrtpContextStats; remote: SrtpContextStats; drops: Record<string, number> } {
    return { local: this.local.stats, remote: this.remote.stats, drops: this.drops.toJSON() };
  }
}
