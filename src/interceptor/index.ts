export { SendHistory, DEFAULT_SEND_HISTORY_SIZE } from './send-history.js';
export { ReceiveLog, DEFAULT_RECEIVE_LOG_SIZE, DEFAULT_MAX_NACKS_PER_PACKET } from './receive-log.js';
export { ReceiverStats } from './receiver-stats.js';
export type { ReportBlockData } from './receiver-stats.js';
export { SenderStats, ntpTime, ntpMiddle32 } from './sender-stats.js';
export type { RemoteReceptionStats } from './sender-stats.js';
