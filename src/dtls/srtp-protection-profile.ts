/**
 * SRTP protection profiles as negotiated by the DTLS use_srtp extension
 * (RFC 5764 §4.1.2, RFC 7714 §14.2). Shared by DTLS (negotiation) and SRTP
 * (keying); the values are the IANA wire codes. It lives in dtls, the lower
 * of the two layers, so DTLS never imports SRTP.
 */
export const SrtpProtectionProfile = {
  AES128_CM_HMAC_SHA1_80: 0x0001,
  AES128_CM_HMAC_SHA1_32: 0x0002,
  AEAD_AES_128_GCM: 0x0007,
  AEAD_AES_256_GCM: 0x0008,
} as const;

export type SrtpProtectionProfile = (typeof SrtpProtectionProfile)[keyof typeof SrtpProtectionProfile];

export interface SrtpProfileParams {
  readonly name: string;
  /** Master key length in bytes. */
  readonly keyLength: number;
  /** Master salt length in bytes. */
  readonly saltLength: number;
}

export const SRTP_PROFILE_PARAMS: Readonly<Record<SrtpProtectionProfile, SrtpProfileParams>> = {
  [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80]: { name: 'SRTP_AES128_CM_HMAC_SHA1_80', keyLength: 16, saltLength: 14 },
  [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32]: { name: 'SRTP_AES128_CM_HMAC_SHA1_32', keyLength: 16, saltLength: 14 },
  [SrtpProtectionProfile.AEAD_AES_128_GCM]: { name: 'SRTP_AEAD_AES_128_GCM', keyLength: 16, saltLength: 12 },
  [SrtpProtectionProfile.AEAD_AES_256_GCM]: { name: 'SRTP_AEAD_AES_256_GCM', keyLength: 32, saltLength: 12 },
};

/** Default preference order offered and accepted (GCM first, as browsers do). */
export const DEFAULT_SRTP_PROFILES: readonly SrtpProtectionProfile[] = [
  SrtpProtectionProfile.AEAD_AES_128_GCM,
  SrtpProtectionProfile.AEAD_AES_256_GCM,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
];

export function isSrtpProtectionProfile(value: number): value is SrtpProtectionProfile {
  return value in SRTP_PROFILE_PARAMS;
}
