import type { RTCSdpType, RTCSessionDescriptionInit } from './types.js';

/**
 * W3C RTCSessionDescription, for code written against the browser API
 * (simple-peer and other libraries taking a `wrtc` implementation). The peer
 * connection accepts it, or any `{ type, sdp }` object.
 */
export class RTCSessionDescription implements RTCSessionDescriptionInit {
  readonly type: RTCSdpType;
  readonly sdp: string;

  constructor(init: RTCSessionDescriptionInit) {
    const type = init?.type;
    if (type !== 'offer' && type !== 'answer' && type !== 'pranswer' && type !== 'rollback') {
      throw new TypeError(`RTCSessionDescription type must be offer, answer, pranswer or rollback, got ${String(type)}`);
    }
    this.type = type;
    this.sdp = init.sdp ?? '';
  }

  toJSON(): RTCSessionDescriptionInit {
    return { type: this.type, sdp: this.sdp };
  }
}
