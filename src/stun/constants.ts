/**
 * STUN wire constants: RFC 8489 §5 (header), §18 (IANA registries), RFC 8445
 * §16.1 (ICE attributes), RFC 8656 §18 (TURN), RFC 6062 (TURN-TCP),
 * RFC 8016 (mobility) and RFC 6156 (address family).
 */

/** RFC 8489 §5: the two class bits C1 C0 of the message type. */
export const StunClass = { Request: 0, Indication: 1, SuccessResponse: 2, ErrorResponse: 3 } as const;
export type StunClass = (typeof StunClass)[keyof typeof StunClass];

/** RFC 8489 §18.2, RFC 8656 §18, RFC 6062 §6.1: methods. */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
} as const;
export type StunMethod = (typeof StunMethod)[keyof typeof StunMethod];

/** Attribute types (RFC 8489 §18.3, RFC 8445 §16.1, RFC 8656 §18, RFC 6062 §6.2, RFC 6156 §4.1.1). */
export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
  ConnectionId: 0x002a,
} as const;
export type StunAttr = (typeof StunAttr)[keyof typeof StunAttr];

/** RFC 8489 §5: fixed value in bytes 4..7 of every STUN message. */
export const MAGIC_COOKIE = 0x2112a442;
/** RFC 8489 §5: header size in bytes. */
export const STUN_HEADER_LENGTH = 20;
/** RFC 8489 §5: transaction ID size in bytes. */
export const TRANSACTION_ID_LENGTH = 12;
/** RFC 8489 §14.7: FINGERPRINT is the CRC-32 of the message XORed with this. */
export const FINGERPRINT_XOR = 0x5354554e;
/** RFC 8489 §14.5: HMAC-SHA1 output size. */
export const MESSAGE_INTEGRITY_LENGTH = 20;
/** RFC 8489 §14.6: MESSAGE-INTEGRITY-SHA256 is 16..32 bytes, a multiple of 4. */
export const MESSAGE_INTEGRITY_SHA256_MIN_LENGTH = 16;
export const MESSAGE_INTEGRITY_SHA256_MAX_LENGTH = 32;
/** RFC 8489 §14.8 address families. */
export const ADDRESS_FAMILY_IPV4 = 0x01;
export const ADDRESS_FAMILY_IPV6 = 0x02;
/** RFC 8656 §14.7: REQUESTED-TRANSPORT protocol numbers. */
export const TRANSPORT_UDP = 17;
export const TRANSPORT_TCP = 6;

/** Common error codes: RFC 8489 §14.8, RFC 8656 §18, RFC 8445 §7.3.1.1, RFC 6062 §6.3. */
export const StunErrorCode = {
  TryAlternate: 300,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  MobilityForbidden: 405,
  UnknownAttribute: 420,
  AllocationMismatch: 437,
  StaleNonce: 438,
  AddressFamilyNotSupported: 440,
  WrongCredentials: 441,
  UnsupportedTransportProtocol: 442,
  PeerAddressFamilyMismatch: 443,
  ConnectionAlreadyExists: 446,
  ConnectionTimeoutOrFailure: 447,
  AllocationQuotaReached: 486,
  RoleConflict: 487,
  ServerError: 500,
  InsufficientCapacity: 508,
} as const;

/** RFC 8489 §14.8 reason phrases for the codes above (used when none is given). */
export const STUN_ERROR_REASONS: Readonly<Record<number, string>> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  405: 'Mobility Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  446: 'Connection Already Exists',
  447: 'Connection Timeout or Failure',
  486: 'Allocation Quota Reached',
  487: 'Role Conflict',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

/** Attribute types this implementation understands (for RFC 8489 §7.3.1 / 420 handling). */
export function isKnownStunAttr(type: number): boolean {
  switch (type) {
    case StunAttr.MappedAddress:
    case StunAttr.Username:
    case StunAttr.MessageIntegrity:
    case StunAttr.ErrorCode:
    case StunAttr.UnknownAttributes:
    case StunAttr.ChannelNumber:
    case StunAttr.Lifetime:
    case StunAttr.XorPeerAddress:
    case StunAttr.Data:
    case StunAttr.Realm:
    case StunAttr.Nonce:
    case StunAttr.XorRelayedAddress:
    case StunAttr.RequestedAddressFamily:
    case StunAttr.EvenPort:
    case StunAttr.RequestedTransport:
    case StunAttr.DontFragment:
    case StunAttr.MessageIntegritySha256:
    case StunAttr.PasswordAlgorithm:
    case StunAttr.Userhash:
    case StunAttr.XorMappedAddress:
    case StunAttr.ReservationToken:
    case StunAttr.Priority:
    case StunAttr.UseCandidate:
    case StunAttr.ConnectionId:
    case StunAttr.PasswordAlgorithms:
    case StunAttr.AlternateDomain:
    case StunAttr.Software:
    case StunAttr.AlternateServer:
    case StunAttr.Fingerprint:
    case StunAttr.IceControlled:
    case StunAttr.IceControlling:
      return true;
    default:
      return false;
  }
}
