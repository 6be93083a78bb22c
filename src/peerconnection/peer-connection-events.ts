import type { RTCDataChannel } from '../datachannel/rtc-data-channel.js';
import type { MediaEngine } from './media-engine.js';
import type { RTCRtpReceiver } from './rtp-receiver.js';
import type { SettingEngine } from './setting-engine.js';
import type { TrackRemote } from './track-remote.js';
import type { RTCRtpTransceiver } from './transceiver.js';
import type { RTCIceCandidateInit } from './types.js';

/** What `ontrack` / `track$` deliver: a remote track and where it arrives. */
export interface RTCTrackEvent {
  track: TrackRemote;
  receiver: RTCRtpReceiver;
  transceiver: RTCRtpTransceiver;
  streams: string[];
}

/** What `onicecandidate` / `icecandidate$` deliver; `candidate` null once gathering is complete. */
export interface RTCPeerConnectionIceEvent {
  candidate: RTCIceCandidateInit | null;
}

/** tern-rtc's additions to the RTCPeerConnection constructor (Pion's API options). */
export interface PeerConnectionOptions {
  settingEngine?: SettingEngine;
  mediaEngine?: MediaEngine;
}

/** What `ondatachannel` / `datachannel$` deliver: a channel the remote opened in-band. */
export interface RTCDataChannelEvent {
  readonly type: 'datachannel';
  readonly channel: RTCDataChannel;
}
