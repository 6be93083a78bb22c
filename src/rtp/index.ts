export { RtpDecodeError } from './errors.js';
export { RtpHeader, RTP_FIXED_HEADER_SIZE, MAX_CSRCS } from './rtp-header.js';
export type { RtpHeaderInit } from './rtp-header.js';
export { RtpHeaderView } from './rtp-header-view.js';
export { RtpPacket } from './rtp-packet.js';
export {
  RTP_EXTENSION_PROFILE_ONE_BYTE,
  RTP_EXTENSION_PROFILE_TWO_BYTE,
  isRfc8285Profile,
  chooseExtensionProfile,
} from './header-extension.js';
export type { RtpHeaderExtension } from './header-extension.js';
export {
  absSendTime,
  absSendTimeFromMs,
  transportSequenceNumber,
  audioLevel,
  sdesMid,
  sdesRtpStreamId,
  sdesRepairedRtpStreamId,
  videoOrientation,
  playoutDelay,
} from './extension-codecs.js';
export type { RtpExtensionCodec } from './extension-codecs.js';
export {
  seqDiff,
  isNewerSeq,
  seqAdd,
  timestampDiff,
  isNewerTimestamp,
  SeqUnwrapper,
  TimestampUnwrapper,
} from './sequence.js';
