import { TernError } from '../common/errors.js';

/** Malformed RTCP input; the only error RTCP parsers throw. Code `ERR_RTCP_DECODE`. */
export class RtcpDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_RTCP_DECODE', message);
  }
}
