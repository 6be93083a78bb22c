import { InvalidArgumentError } from '../common/errors.js';
import { RtpDecodeError } from './errors.js';

/**
 * A typed value of one header extension: `getExtensionValue(id, codec)` /
 * `setExtensionValue(id, codec, value)` on RtpHeader and RtpHeaderView.
 * `decode` throws only RtpDecodeError.
 */
export interface RtpExtensionCodec<T> {
  readonly uri: string;
  decode(data: Uint8Array): T;
  encode(value: T): Buffer;
}

function need(data: Uint8Array, n: number, what: string): void {
  if (data.length < n) throw new RtpDecodeError(`${what} extension needs ${n} bytes, got ${data.length}`);
}

/** abs-send-time: 24-bit 6.18 fixed-point seconds (webrtc.org/experiments/rtp-hdrext/abs-send-time). */
export const absSendTime: RtpExtensionCodec<number> = {
  uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  decode(data) {
    need(data, 3, 'abs-send-time');
    return (data[0]! << 16) | (data[1]! << 8) | data[2]!;
  },
  encode(value) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffff) throw new InvalidArgumentError('abs-send-time is 24 bits');
    return Buffer.from([value >>> 16, (value >>> 8) & 0xff, value & 0xff]);
  },
};

/** abs-send-time value (6.18 fixed point, wraps every 64 s) for a time in milliseconds. */
export function absSendTimeFromMs(ms: number): number {
  return Math.round((ms * (1 << 18)) / 1000) & 0xffffff;
}

/** transport-wide-cc sequence number, 16 bits (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2). */
export const transportSequenceNumber: RtpExtensionCodec<number> = {
  uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  decode(data) {
    need(data, 2, 'transport-cc');
    return (data[0]! << 8) | data[1]!;
  },
  encode(value) {
    return Buffer.from([(value >>> 8) & 0xff, value & 0xff]);
  },
};

/** RFC 6464 client-to-mixer audio level: V flag and level in -dBov (0..127). */
export const audioLevel: RtpExtensionCodec<{ voiceActivity: boolean; level: number }> = {
  uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  decode(data) {
    need(data, 1, 'audio level');
    return { voiceActivity: (data[0]! & 0x80) !== 0, level: data[0]! & 0x7f };
  },
  encode(value) {
    return Buffer.from([(value.voiceActivity ? 0x80 : 0) | (value.level & 0x7f)]);
  },
};

function sdesCodec(uri: string): RtpExtensionCodec<string> {
  return {
    uri,
    decode(data) {
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    },
    encode(value) {
      return Buffer.from(value, 'utf8');
    },
  };
}

/** RFC 8843 §15: MID as an SDES item in a header extension. */
export const sdesMid = sdesCodec('urn:ietf:params:rtp-hdrext:sdes:mid');
/** RFC 8852: RtpStreamId. */
export const sdesRtpStreamId = sdesCodec('urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
/** RFC 8852: RepairedRtpStreamId. */
export const sdesRepairedRtpStreamId = sdesCodec('urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id');

/** 3GPP TS 26.114 §7.4.5 coordination of video orientation: camera, flip, rotation in degrees. */
export const videoOrientation: RtpExtensionCodec<{ camera: boolean; flip: boolean; rotation: 0 | 90 | 180 | 270 }> = {
  uri: 'urn:3gpp:video-orientation',
  decode(data) {
    need(data, 1, 'video orientation');
    const b = data[0]!;
    return { camera: (b & 0x08) !== 0, flip: (b & 0x04) !== 0, rotation: ((b & 0x03) * 90) as 0 | 90 | 180 | 270 };
  },
  encode(value) {
    return Buffer.from([(value.camera ? 0x08 : 0) | (value.flip ? 0x04 : 0) | ((value.rotation / 90) & 0x03)]);
  },
};

/** playout-delay: min and max delay in 10 ms units, 12 bits each (webrtc.org/experiments/rtp-hdrext/playout-delay). */
export const playoutDelay: RtpExtensionCodec<{ minMs: number; maxMs: number }> = {
  uri: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
  decode(data) {
    need(data, 3, 'playout-delay');
    const min = (data[0]! << 4) | (data[1]! >>> 4);
    const max = ((data[1]! & 0x0f) << 8) | data[2]!;
    return { minMs: min * 10, maxMs: max * 10 };
  },
  encode(value) {
    const min = Math.min(0xfff, Math.round(value.minMs / 10));
    const max = Math.min(0xfff, Math.round(value.maxMs / 10));
    return Buffer.from([min >>> 4, ((min & 0x0f) << 4) | (max >>> 8), max & 0xff]);
  },
};
