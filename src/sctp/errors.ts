import { TernError } from '../common/errors.js';

/** Stable codes of {@link SctpError}. */
export type SctpErrorCode =
  /** The association is closed, closing (shutdown) or aborted: nothing more can be sent. */
  | 'ERR_SCTP_CLOSED'
  /** The message is larger than the negotiated maximum message size. */
  | 'ERR_SCTP_MESSAGE_TOO_BIG'
  /** The send buffer is over its high-water mark (`sendHighWaterMark`); retry after `buffered-amount-low`. */
  | 'ERR_SCTP_BUFFER_FULL'
  /** The stream id is outside the negotiated (or configured) number of outbound streams. */
  | 'ERR_SCTP_BAD_STREAM'
  /** A call that is not valid in the association's current state. */
  | 'ERR_SCTP_INVALID_STATE'
  /** Invalid arguments (an empty message, a bad stream id value). */
  | 'ERR_SCTP_INVALID_ARGUMENT'
  /** Invalid options. */
  | 'ERR_SCTP_CONFIG'
  /** The association timed out (too many retransmissions). */
  | 'ERR_SCTP_TIMEOUT'
  /** The peer aborted the association. */
  | 'ERR_SCTP_ABORTED';

/** An SCTP failure thrown at the API caller or carried by a `closed` event. */
export class SctpError extends TernError {
  declare readonly code: SctpErrorCode;

  constructor(code: SctpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Malformed SCTP input; the only error the packet and chunk decoders throw. */
export class SctpDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_SCTP_DECODE', message);
  }
}
