import { ArgumentRangeError, ArgumentTypeError } from './errors.js';

/**
 * The largest plain RTP packet a sender takes: once protected (SRTP adds up to
 * 16 bytes) and sent as RTX (2 more), it still fits the 1460-byte receive
 * buffer Pion and tern use by default (SettingEngine.setReceiveMTU), so the
 * peer neither truncates nor drops it. Larger packets are refused with an
 * ArgumentRangeError and not counted as sent.
 */
export const MAX_RTP_PACKET_SIZE = 1460 - 16 - 2;

/** A serialized RTP packet given to a track or sender: bytes, a version 2 header, within the MTU. */
export function checkRtpBytes(raw: unknown, argument = 'packet'): Uint8Array {
  if (!(raw instanceof Uint8Array)) throw new ArgumentTypeError(argument, 'expected a Uint8Array (a serialized RTP packet)');
  if (raw.length < 12) throw new ArgumentRangeError(argument, `${raw.length} bytes: an RTP packet has at least 12`);
  if ((raw[0]! & 0xc0) !== 0x80) throw new ArgumentRangeError(argument, 'not RTP version 2');
  if (raw.length > MAX_RTP_PACKET_SIZE) throw new ArgumentRangeError(argument, `${raw.length} bytes, over the ${MAX_RTP_PACKET_SIZE}-byte MTU`);
  return raw;
}
