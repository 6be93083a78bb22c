export { Candidate } from './candidate.js';
export type { CandidateChanges } from './candidate.js';
export type { CandidateInit } from './candidate-fields.js';
export { isMdnsHostname } from './candidate-fields.js';
export { CandidateParseError } from './candidate-parse-error.js';
export type { CandidateType, CandidateTransport, TcpType } from './candidate-type.js';
export { CANDIDATE_TYPES, TCP_TYPES } from './candidate-type.js';
export {
  TYPE_PREFERENCE,
  MAX_LOCAL_PREFERENCE,
  candidatePriority,
  localPreference,
  tcpDirectionPreference,
} from './priority.js';
export type { CandidatePriorityParams, LocalPreferenceParams } from './priority.js';
export { candidateFoundation } from './foundation.js';
export type { CandidateFoundationParams } from './foundation.js';
export { MAX_CANDIDATE_LINE_LENGTH } from './candidate-line.js';
