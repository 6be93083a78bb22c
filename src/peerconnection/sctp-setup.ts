import type { Clock } from '../common/clock.js';
import type { Rng } from '../common/rng.js';
import type { RTCDataChannel } from '../datachannel/rtc-data-channel.js';
import { RTCSctpTransport } from '../datachannel/rtc-sctp-transport.js';
import type { SettingEngineValues } from './setting-engine.js';

/** The SCTP transport of one peer connection, configured from its SettingEngine values. */
export function newSctpTransport(
  s: Readonly<SettingEngineValues>,
  clock: Clock,
  rng: Rng,
  logId: string,
  onDataChannel: (channel: RTCDataChannel) => void,
): RTCSctpTransport {
  return new RTCSctpTransport({
    clock,
    rng,
    logId,
    ...(s.sctpMaxMessageSize !== undefined ? { maxMessageSize: s.sctpMaxMessageSize } : {}),
    ...(s.dataChannelHighWaterMark !== undefined ? { highWaterMark: s.dataChannelHighWaterMark } : {}),
    detached: s.detachDataChannels,
    zeroChecksum: s.sctpZeroChecksum,
    onDataChannel,
  });
}
