import { TernError } from '../common/errors.js';

/**
 * A `candidate:` attribute that cannot be parsed. The only exception
 * {@link Candidate.parse} throws; the message names the offending field.
 */
export class CandidateParseError extends TernError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CANDIDATE_PARSE', message, options);
  }
}
