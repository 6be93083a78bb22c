export { SendHistory, DEFAULT_SEND_HISTORY_SIZE } from './send-history.js';
export { ReceiveLog, DEFAULT_RECEIVE_LOG_SIZE, DEFAULT_MAX_NACKS_PER_PACKET } from './receive-log.js';
export { ReceiverStats } from './receiver-stats.js';
export type { ReportBlockData } from './receiver-stats.js';
export { SenderStats, ntpTime, ntpMiddle32 } from './sender-stats.js';
export type { RemoteReceptionStats } from './sender-stats.js';
export {
  NackResponder,
  NACK_RATE_PER_SECOND,
  NACK_BURST,
  MAX_SEQS_PER_NACK,
  MIN_RESEND_INTERVAL_MS,
  MAX_RETRANSMIT_AGE_MS,
  RETRANSMIT_BUDGET_BYTES,
  RETRANSMIT_BUDGET_INTERVAL_MS,
} from './nack-responder.js';
export type { NackResponderLimits } from './nack-responder.js';
export { TwccRecorder, MAX_TWCC_PENDING, MAX_TWCC_SEQ_JUMP, MAX_TWCC_FEEDBACKS_PER_ROUND } from './twcc-recorder.js';
