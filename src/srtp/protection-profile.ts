/**
 * SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2), defined in
 * dtls (the layer below, which negotiates them) and re-exported here for
 * SRTP's own users.
 */
export { SrtpProtectionProfile, SRTP_PROFILE_PARAMS, DEFAULT_SRTP_PROFILES, isSrtpProtectionProfile } from '../dtls/srtp-protection-profile.js';
export type { SrtpProfileParams } from '../dtls/srtp-protection-profile.js';
