import { TernError } from '../../common/errors.js';

/** A malformed codec payload (VP8 descriptor, H.264 NAL header, ...). */
export class PayloadDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_RTP_PAYLOAD_DECODE', message);
  }
}
