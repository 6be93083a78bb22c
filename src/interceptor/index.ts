export { SendHistory, DEFAULT_SEND_HISTORY_SIZE } from './send-history.js';
export { ReceiveLog, DEFAULT_RECEIVE_LOG_SIZE, DEFAULT_MAX_NACKS_PER_PACKET } from './receive-log.js';
export { ReceiverStats } from './receiver-stats.js';
export type { ReportBlockData } from './receiver-stats.js';
export { SenderStats, ntpTime, ntpMiddle32 } from './sender-stats.js';
export type { RemoteReceptionStats } from './sender-stats.js';
export { NoOpInterceptor, Attributes } from './interceptor.js';
export type {
  Interceptor,
  InterceptorContext,
  InterceptorFactory,
  RTPWriter,
  RTPReader,
  RTCPWriter,
  RTCPReader,
  StreamInfo,
  RTPHeaderExtensionInfo,
  RTCPFeedbackInfo,
} from './interceptor.js';
export { InterceptorChain } from './chain.js';
export { InterceptorRegistry, registerDefaultInterceptors } from './registry.js';
export { TwccHeaderExtensionInterceptor, TwccHeaderExtensionFactory, TRANSPORT_CC_URI } from './twcc-header-extension.js';
export { GccCore, DEFAULT_GCC_INITIAL_BITRATE, DEFAULT_GCC_MIN_BITRATE, DEFAULT_GCC_MAX_BITRATE } from './gcc/gcc-core.js';
export type { GccOptions, BandwidthEstimate } from './gcc/gcc-core.js';
export type { BandwidthUsage } from './gcc/trendline-estimator.js';
export type { PacketAck } from './gcc/sent-packet-log.js';
export { PacerCore, DEFAULT_PACING_FACTOR } from './gcc/pacer-core.js';
export { GccInterceptor, GccInterceptorFactory } from './gcc/gcc-interceptor.js';
export type { GccInterceptorOptions } from './gcc/gcc-interceptor.js';
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
