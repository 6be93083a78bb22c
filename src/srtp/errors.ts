import { TernError } from '../common/errors.js';

/**
 * Stable codes of every error SRTP/SRTCP processing throws. Unprotect of
 * network input throws only `SrtpError`; the session counts each code
 * ({@link SrtpContextStats.errors}).
 */
export const SrtpErrorCode = {
  /** Malformed packet: too short, wrong RTP version, header longer than the packet. */
  Decode: 'ERR_SRTP_DECODE',
  /** Authentication tag (HMAC-SHA1 or GCM tag) did not verify. */
  Auth: 'ERR_SRTP_AUTH',
  /** Packet index already seen, or older than the replay window (RFC 3711 §3.3.2). */
  Replay: 'ERR_SRTP_REPLAY',
  /** 2^48 SRTP or 2^31 SRTCP packets protected under one key (RFC 3711 §9.2): rekey. */
  KeyExhausted: 'ERR_SRTP_KEY_EXHAUSTED',
} as const;

export type SrtpErrorCode = (typeof SrtpErrorCode)[keyof typeof SrtpErrorCode];

/** An SRTP/SRTCP packet was rejected; `code` says why. */
export class SrtpError extends TernError {
  declare readonly code: SrtpErrorCode;

  constructor(code: SrtpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
