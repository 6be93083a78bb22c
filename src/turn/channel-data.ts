import { CHANNEL_DATA_HEADER_BYTES, CHANNEL_MAX, CHANNEL_MIN } from './constants.js';

/**
 * ChannelData messages (RFC 8656 §12.4):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Channel Number        |            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                       Application Data                        /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

/** True for a bindable channel number (RFC 8656 §12: 0x4000 through 0x4FFF). */
export function isValidChannelNumber(channel: number): boolean {
  return Number.isInteger(channel) && channel >= CHANNEL_MIN && channel <= CHANNEL_MAX;
}

/**
 * RFC 7983 / RFC 8656 §12: the first two bits of a ChannelData message are
 * 0b01 (channel numbers 0x4000–0x7FFF; 0x5000–0x7FFF are reserved and dropped
 * by {@link decodeChannelData}).
 */
export function looksLikeChannelData(data: Uint8Array): boolean {
  return data.length >= CHANNEL_DATA_HEADER_BYTES && (data[0]! & 0xc0) === 0x40;
}

/**
 * Encodes a ChannelData message. RFC 8656 §12.5: over TCP and TLS the message
 * MUST be padded to a multiple of four bytes; over UDP padding is optional and
 * omitted here. The Length field never counts the padding.
 */
export function encodeChannelData(channel: number, data: Uint8Array, padToFour: boolean): Buffer {
  const length = data.length;
  const total = CHANNEL_DATA_HEADER_BYTES + (padToFour ? (length + 3) & ~3 : length);
  const out = Buffer.allocUnsafe(total);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(length, 2);
  out.set(data, CHANNEL_DATA_HEADER_BYTES);
  // Padding bytes are zero (RFC 8656 §12.5 says their contents are ignored).
  out.fill(0, CHANNEL_DATA_HEADER_BYTES + length);
  return out;
}

/** A decoded ChannelData message; `data` is a view into the input. */
export interface ChannelDataMessage {
  channel: number;
  data: Buffer;
}

/**
 * Decodes a ChannelData message, or returns undefined when the input is not a
 * valid one: a reserved or out-of-range channel number, or a Length longer
 * than the input (RFC 8656 §12.6: such messages are silently discarded).
 * Trailing bytes (padding) are ignored.
 */
export function decodeChannelData(input: Uint8Array): ChannelDataMessage | undefined {
  if (input.length < CHANNEL_DATA_HEADER_BYTES) return undefined;
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const channel = buf.readUInt16BE(0);
  if (!isValidChannelNumber(channel)) return undefined;
  const length = buf.readUInt16BE(2);
  if (CHANNEL_DATA_HEADER_BYTES + length > buf.length) return undefined;
  return { channel, data: buf.subarray(CHANNEL_DATA_HEADER_BYTES, CHANNEL_DATA_HEADER_BYTES + length) };
}
