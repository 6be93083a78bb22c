import { TernError } from '../common/errors.js';

/** Malformed SDP. The message names the offending line. */
export class SdpParseError extends TernError {
  readonly line: number | undefined;

  constructor(message: string, line?: number) {
    super('ERR_SDP_PARSE', line === undefined ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}
