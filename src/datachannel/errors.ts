import { TernError } from '../common/errors.js';

/**
 * Errors of the data-channel API: the W3C names (`InvalidStateError`,
 * `OperationError`, `TypeError`, `SyntaxError`, `RangeError`) as `name`, and a
 * stable tern `code`. Defined here rather than imported from the peer
 * connection so the data-channel layer stays below it.
 */
export class DataChannelError extends TernError {
  constructor(name: string, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = name;
  }
}

/** `send` on a channel that is not open, or a channel created on a closed peer connection. */
export function channelNotOpen(message: string): DataChannelError {
  return new DataChannelError('InvalidStateError', 'ERR_DC_NOT_OPEN', message);
}

/** The message is larger than the association's `maxMessageSize` (W3C: TypeError). */
export function messageTooLarge(size: number, max: number): DataChannelError {
  return new DataChannelError('TypeError', 'ERR_DC_MESSAGE_TOO_LARGE', `message of ${size} bytes exceeds maxMessageSize ${max}`);
}

/** `bufferedAmount` would pass the channel's high-water mark: the peer is not reading fast enough. */
export function bufferFull(buffered: number, size: number, highWaterMark: number): DataChannelError {
  return new DataChannelError(
    'OperationError',
    'ERR_DC_BUFFER_FULL',
    `cannot queue ${size} bytes: ${buffered} already buffered, high-water mark ${highWaterMark} (wait for bufferedamountlow)`,
  );
}

/** W3C createDataChannel argument checks. */
export function badInit(name: 'TypeError' | 'SyntaxError' | 'OperationError', message: string): DataChannelError {
  return new DataChannelError(name, name === 'TypeError' ? 'ERR_DC_BAD_INIT' : name === 'SyntaxError' ? 'ERR_DC_BAD_INIT' : 'ERR_DC_NO_ID', message);
}
