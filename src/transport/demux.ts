/**
 * RFC 7983 §7 (updated by RFC 9443): what a datagram on a WebRTC transport
 * is, from its first byte.
 *
 *   0..3     STUN
 *   16..19   ZRTP
 *   20..63   DTLS
 *   64..79   TURN ChannelData
 *   128..191 RTP/RTCP
 */
export type PacketClass = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'rtcp' | 'unknown';

export function classifyPacket(data: Uint8Array): PacketClass {
  if (data.length === 0) return 'unknown';
  const b = data[0]!;
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'turn-channel';
  if (b >= 128 && b <= 191) return data.length >= 2 && isRtcpPayloadType(data[1]!) ? 'rtcp' : 'rtp';
  return 'unknown';
}

/**
 * RFC 5761 §4: RTCP packet types 192..223 collide with RTP payload types
 * 64..95 with the marker bit set, which is why those payload types are not
 * used for RTP when RTCP is multiplexed.
 */
export function isRtcpPayloadType(secondByte: number): boolean {
  return secondByte >= 192 && secondByte <= 223;
}
