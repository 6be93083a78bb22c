import type { RTCSctpTransport } from './rtc-sctp-transport.js';

/** webrtc-stats `data-channel` entries (RTCDataChannelStats), plus the SCTP transport's counters. */
export interface RTCDataChannelStats {
  id: string;
  type: 'data-channel' | 'sctp-transport';
  timestamp: number;
  [key: string]: unknown;
}

export function dataChannelStats(sctp: RTCSctpTransport, now: number): RTCDataChannelStats[] {
  const out: RTCDataChannelStats[] = [];
  for (const ch of sctp.registry.channels()) {
    out.push({
      id: `D${ch.id ?? `-${ch.label}`}`,
      type: 'data-channel',
      timestamp: now,
      label: ch.label,
      protocol: ch.protocol,
      ...(ch.id !== null ? { dataChannelIdentifier: ch.id } : {}),
      state: ch.readyState,
      messagesSent: ch.messagesSent,
      bytesSent: ch.bytesSent,
      messagesReceived: ch.messagesReceived,
      bytesReceived: ch.bytesReceived,
    });
  }
  const s = sctp.started ? sctp.stats : undefined;
  if (s) {
    out.push({
      id: 'SCTP',
      type: 'sctp-transport',
      timestamp: now,
      state: sctp.state,
      maxMessageSize: sctp.maxMessageSize,
      maxChannels: sctp.maxChannels,
      dataChannelsOpened: sctp.registry.dataChannelsOpened,
      dataChannelsClosed: sctp.registry.dataChannelsClosed,
      smoothedRoundTripTime: s.srttMs !== undefined ? s.srttMs / 1000 : undefined,
      congestionWindow: s.cwnd,
      receiverWindow: s.localRwnd,
      retransmissions: s.retransmissions,
    });
  }
  return out;
}
