export { RTCPeerConnection } from './peer-connection.js';
export type { RTCTrackEvent, RTCPeerConnectionIceEvent, RTCDataChannelEvent, PeerConnectionOptions } from './peer-connection.js';
export { RTCSessionDescription } from './session-description.js';
export { RTCIceCandidate } from './ice-candidate.js';
export { SettingEngine, DEFAULT_RECEIVE_MTU } from './setting-engine.js';
export type { SettingEngineValues, IceNetworkType, Nat1To1CandidateType, DtlsRoleSetting, AddressRewriteRuleSetting } from './setting-engine.js';
export { MediaEngine, HeaderExtensionUri, DEFAULT_AUDIO_CODECS, DEFAULT_VIDEO_CODECS, DEFAULT_HEADER_EXTENSIONS, REDUNDANCY_CODECS } from './media-engine.js';
export type { RtpHeaderExtensionCapability } from './media-engine.js';
export { codecsMatch, h264Profile, parseFmtpParameters } from './codec.js';
export type { MediaKind, RtcpFeedback, RtpCodecCapability, RtpCodecParameters, H264Profile } from './codec.js';
export { RTCRtpTransceiver } from './transceiver.js';
export { RTCRtpSender } from './rtp-sender.js';
export type { RTCRtpSendParameters } from './rtp-sender.js';
export { RTCRtpReceiver } from './rtp-receiver.js';
export { TrackLocalStaticRTP, TrackLocalStaticSample, DEFAULT_PAYLOAD_MTU } from './track-local.js';
export type { TrackLocal, TrackLocalBinding, MediaSample } from './track-local.js';
export { TrackRemote, DEFAULT_REMOTE_TRACK_QUEUE } from './track-remote.js';
export { RTCP_READ_QUEUE } from './rtcp-reader.js';
export { IceServerSyntaxError, RTCTypeError } from './errors.js';
export { PeerConnectionError, InvalidStateError, InvalidAccessError, InvalidModificationError, OperationError, ArgumentTypeError, ArgumentRangeError } from './errors.js';
export { MAX_RTP_PACKET_SIZE } from './rtp-checks.js';
export { MAX_RTCP_PACKET_SIZE } from './api-checks.js';
export { DEFAULT_UNANNOUNCED_SSRC_LIMIT } from './media-router.js';
export { SRTP_HOLD_MAX_PACKETS, SRTP_HOLD_MAX_BYTES } from './srtp-hold-buffer.js';
export type { RTCStats, RTCStatsReport } from './stats.js';
export type {
  RTCSdpType,
  RTCSessionDescriptionInit,
  RTCSignalingState,
  RTCPeerConnectionState,
  RTCIceConnectionState,
  RTCIceGatheringState,
  RTCRtpTransceiverDirection,
  RTCBundlePolicy,
  RTCIceTransportPolicy,
  RTCIceServer,
  RTCIceCandidateInit,
  RTCConfiguration,
  RTCRtpEncodingParameters,
  RTCRtpTransceiverInit,
  RTCOfferOptions,
} from './types.js';
