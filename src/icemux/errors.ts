import { TernError } from '../common/errors.js';

export type IceMuxErrorCode = 'ERR_ICE_MUX_CLOSED' | 'ERR_ICE_MUX_UFRAG_IN_USE' | 'ERR_ICE_MUX_CONFIG';

/** Errors of the single-port ICE server, with stable codes. */
export class IceMuxError extends TernError {
  declare readonly code: IceMuxErrorCode;

  constructor(code: IceMuxErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
