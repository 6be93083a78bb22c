import type { RTCSctpTransport } from '../datachannel/rtc-sctp-transport.js';
import { dataChannelStats } from '../datachannel/data-channel-stats.js';
import type { MediaRouter } from './media-router.js';
import type { PeerTransport } from './peer-transport.js';
import { collectStats, type RTCStats, type RTCStatsReport } from './stats.js';
import type { RTCRtpTransceiver } from './transceiver.js';

/** Where getStats() reads from. */
export interface PeerStatsSources {
  now: number;
  peer: PeerTransport;
  transceivers: readonly RTCRtpTransceiver[];
  router: MediaRouter;
  sctp: RTCSctpTransport;
}

/** The W3C stats report of one peer connection: transport, media and data-channel rows. */
export function peerConnectionStats(src: PeerStatsSources): RTCStatsReport {
  const { now, peer } = src;
  const report = collectStats({
    now,
    agent: peer.agent,
    transport: peer.dtls,
    transceivers: src.transceivers,
    router: src.router,
    certificate: peer.certificateValue,
  });
  for (const st of dataChannelStats(src.sctp, now)) report.set(st.id, st as RTCStats);
  return report;
}
