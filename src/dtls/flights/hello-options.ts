import { SRTP_PROFILE_PARAMS, type SrtpProtectionProfile } from '../srtp-protection-profile.js';
import { AlertDescription } from '../constants.js';
import { fatal } from '../errors.js';

/** RFC 5746 §3.4/§3.6: an initial handshake's renegotiation_info must be empty. */
export function checkRenegotiationInfo(info: Buffer | undefined): void {
  if (info && info.length !== 0) throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'non-empty renegotiation_info on an initial handshake');
}

/**
 * RFC 5764 §4.1.1: the server picks one profile both sides support; its own
 * preference order decides. No overlap is fatal for WebRTC.
 */
export function chooseSrtpProfile(
  preference: readonly SrtpProtectionProfile[],
  offered: readonly number[] | undefined,
): SrtpProtectionProfile {
  const pick = offered ? preference.find((p) => offered.includes(p)) : undefined;
  if (pick === undefined) {
    throw fatal(
      'ERR_DTLS_NO_SRTP_PROFILE',
      offered
        ? `no common SRTP protection profile (ours: ${preference.map(profileName).join(', ')}; peer's: ${offered.join(', ')})`
        : 'peer did not offer use_srtp',
      AlertDescription.HandshakeFailure,
    );
  }
  return pick;
}

export function profileName(p: number): string {
  return SRTP_PROFILE_PARAMS[p as SrtpProtectionProfile]?.name ?? `0x${p.toString(16)}`;
}
