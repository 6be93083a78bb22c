export type {
  MediaDescription,
  SessionDescriptionModel,
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpDirection,
  SdpExtmap,
  SdpFingerprint,
  SdpGroup,
  SdpMsid,
  SdpOrigin,
  SdpRid,
  SdpRtcpFb,
  SdpRtpMap,
  SdpSetupRole,
  SdpSimulcast,
  SdpSsrcAttribute,
  SdpSsrcGroup,
} from './types.js';
export { SdpParseError } from './errors.js';
export { parseSdp, MAX_SDP_LENGTH, MAX_MEDIA_SECTIONS } from './parse.js';
export { writeSdp } from './write.js';
