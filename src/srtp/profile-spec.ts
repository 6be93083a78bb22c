import { InvalidArgumentError } from '../common/errors.js';
import { SRTP_PROFILE_PARAMS, SrtpProtectionProfile, isSrtpProtectionProfile } from './protection-profile.js';

/**
 * Transform parameters of each protection profile: RFC 5764 §4.1.2 for the
 * AES-CM/HMAC-SHA1 profiles, RFC 7714 §14.2 for the AEAD ones.
 */
export interface SrtpProfileSpec {
  readonly profile: SrtpProtectionProfile;
  readonly name: string;
  readonly kind: 'aes-cm-hmac-sha1' | 'aead-aes-gcm';
  /** Master and session encryption key length, bytes. */
  readonly keyLength: number;
  /** Master and session salt length, bytes. */
  readonly saltLength: number;
  /** HMAC-SHA1 session authentication key length, bytes (0 for AEAD). */
  readonly authKeyLength: number;
  /** Authentication tag appended to SRTP packets, bytes. */
  readonly rtpTagLength: number;
  /** Authentication tag appended to SRTCP packets, bytes. */
  readonly rtcpTagLength: number;
}

const SPECS: Readonly<Record<SrtpProtectionProfile, SrtpProfileSpec>> = {
  // RFC 5764 §4.1.2: SRTP_AES128_CM_HMAC_SHA1_80, 80-bit tags for SRTP and SRTCP.
  [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80]: {
    profile: SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
    name: SRTP_PROFILE_PARAMS[SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80].name,
    kind: 'aes-cm-hmac-sha1',
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  // RFC 5764 §4.1.2: SRTP_AES128_CM_HMAC_SHA1_32, 32-bit SRTP tag but an
  // 80-bit SRTCP tag ("SRTCP_auth_tag_length: 80").
  [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32]: {
    profile: SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
    name: SRTP_PROFILE_PARAMS[SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32].name,
    kind: 'aes-cm-hmac-sha1',
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
  // RFC 7714 §14.2: 128-bit key, 96-bit salt, 16-octet tag.
  [SrtpProtectionProfile.AEAD_AES_128_GCM]: {
    profile: SrtpProtectionProfile.AEAD_AES_128_GCM,
    name: SRTP_PROFILE_PARAMS[SrtpProtectionProfile.AEAD_AES_128_GCM].name,
    kind: 'aead-aes-gcm',
    keyLength: 16,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
  [SrtpProtectionProfile.AEAD_AES_256_GCM]: {
    profile: SrtpProtectionProfile.AEAD_AES_256_GCM,
    name: SRTP_PROFILE_PARAMS[SrtpProtectionProfile.AEAD_AES_256_GCM].name,
    kind: 'aead-aes-gcm',
    keyLength: 32,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
};

/** The transform parameters of `profile`; throws InvalidArgumentError for an unknown code. */
export function srtpProfileSpec(profile: number): SrtpProfileSpec {
  if (!isSrtpProtectionProfile(profile)) {
    throw new InvalidArgumentError(`unknown SRTP protection profile 0x${profile.toString(16).padStart(4, '0')}`);
  }
  return SPECS[profile];
}
