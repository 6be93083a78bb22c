import { TernError } from '../common/errors.js';

export type IceErrorCode =
  | 'ERR_ICE_PORT_RANGE_EXHAUSTED'
  | 'ERR_ICE_NO_CANDIDATES'
  | 'ERR_ICE_BAD_CREDENTIALS'
  | 'ERR_ICE_ROLE'
  | 'ERR_ICE_FAILED'
  | 'ERR_ICE_ABORTED'
  | 'ERR_ICE_CLOSED'
  | 'ERR_ICE_STATE'
  | 'ERR_ICE_BAD_CANDIDATE';

/** Errors of the ICE agent, with stable codes. */
export class IceError extends TernError {
  declare readonly code: IceErrorCode;

  constructor(code: IceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
