import { TernError } from '../common/errors.js';
import { AlertDescription } from './constants.js';

/** Stable codes of {@link DtlsError}. */
export type DtlsErrorCode =
  | 'ERR_DTLS_FINGERPRINT_MISMATCH'
  | 'ERR_DTLS_NO_SRTP_PROFILE'
  | 'ERR_DTLS_NO_CIPHER_SUITE'
  | 'ERR_DTLS_NO_SHARED_GROUP'
  | 'ERR_DTLS_HANDSHAKE_TIMEOUT'
  | 'ERR_DTLS_HANDSHAKE_FAILURE'
  | 'ERR_DTLS_BAD_CERTIFICATE'
  | 'ERR_DTLS_BAD_SIGNATURE'
  | 'ERR_DTLS_BAD_FINISHED'
  | 'ERR_DTLS_EXTENDED_MASTER_SECRET'
  | 'ERR_DTLS_UNEXPECTED_MESSAGE'
  | 'ERR_DTLS_ALERT'
  | 'ERR_DTLS_CLOSED'
  | 'ERR_DTLS_NOT_CONNECTED'
  | 'ERR_DTLS_CONFIG';

/**
 * A DTLS failure. `alert` is the fatal alert this side sent (or, for
 * `ERR_DTLS_ALERT`, the one it received).
 */
export class DtlsError extends TernError {
  declare readonly code: DtlsErrorCode;
  readonly alert: number | undefined;

  constructor(code: DtlsErrorCode, message: string, options?: { alert?: number; cause?: unknown }) {
    super(code, message, options);
    this.alert = options?.alert;
  }
}

/** Malformed DTLS input; the only error the record and handshake decoders throw. */
export class DtlsDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_DTLS_DECODE', message);
  }
}

/** Builds a DtlsError that carries the fatal alert to send. */
export function fatal(code: DtlsErrorCode, message: string, alert: number = AlertDescription.HandshakeFailure): DtlsError {
  return new DtlsError(code, message, { alert });
}
