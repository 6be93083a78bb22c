import { TernError } from '../common/errors.js';

/** Malformed RTP input; the only error RTP parsers throw. Code `ERR_RTP_DECODE`. */
export class RtpDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_RTP_DECODE', message);
  }
}
