import { isValidAddressValue } from './address.js';

/**
 * Structural checks on known attribute values, run once while decoding so
 * that the typed accessors can read fixed offsets without re-validating.
 * `b[off, off + len)` is the value. Returns a reason when it is malformed (the decoder turns it into a
 * StunDecodeError), undefined when it is acceptable. Text attributes
 * (USERNAME, REALM, NONCE, SOFTWARE) are accepted as they come: their length
 * limits (RFC 8489 §14.3, §14.9, §14.10, §14.14) are advisory for receivers.
 */
// Case labels are literals (StunAttr values, named in comments): this runs for every attribute received.
export function attributeValueProblem(type: number, b: Uint8Array, off: number, len: number): string | undefined {
  switch (type) {
    case 0x0001: // MappedAddress
    case 0x0020: // XorMappedAddress
    case 0x0012: // XorPeerAddress
    case 0x0016: // XorRelayedAddress
    case 0x8023: // AlternateServer
      // RFC 8489 §14.1/§14.2: family 0x01 with 4 address bytes or 0x02 with 16.
      return isValidAddressValue(b, off, len) ? undefined : 'malformed address';
    case 0x0008: // MessageIntegrity
      return len === 20 ? undefined : 'MESSAGE-INTEGRITY must be 20 bytes'; // RFC 8489 §14.5
    case 0x001c: // MessageIntegritySha256
      // RFC 8489 §14.6: 16..32 bytes, a multiple of 4.
      return len >= 16 && len <= 32 && len % 4 === 0 ? undefined : 'bad MESSAGE-INTEGRITY-SHA256 length';
    case 0x8028: // Fingerprint
      return len === 4 ? undefined : 'FINGERPRINT must be 4 bytes'; // RFC 8489 §14.7
    case 0x0009: {
      // ErrorCode, RFC 8489 §14.8: class 3..6, number 0..99.
      if (len < 4) return 'ERROR-CODE too short';
      const cls = b[off + 2]! & 0x07;
      return cls >= 3 && cls <= 6 && b[off + 3]! < 100 ? undefined : 'ERROR-CODE out of range';
    }
    case 0x000a: // UnknownAttributes
      return len % 2 === 0 ? undefined : 'UNKNOWN-ATTRIBUTES length must be even'; // RFC 8489 §14.9
    case 0x0024: // Priority, RFC 8445 §16.1
    case 0x000d: // Lifetime, RFC 8656 §18.4
    case 0x000c: // ChannelNumber, RFC 8656 §18.1
    case 0x0019: // RequestedTransport, RFC 8656 §18.8
    case 0x0017: // RequestedAddressFamily, RFC 8656 §18.9 / RFC 6156
    case 0x002a: // ConnectionId, RFC 6062 §6.2.1
      return len === 4 ? undefined : 'attribute must be 4 bytes';
    case 0x8029: // IceControlled, RFC 8445 §16.1
    case 0x802a: // IceControlling
    case 0x0022: // ReservationToken, RFC 8656 §18.10
      return len === 8 ? undefined : 'attribute must be 8 bytes';
    case 0x0025: // UseCandidate, RFC 8445 §16.1
    case 0x001a: // DontFragment, RFC 8656 §18.7
      return len === 0 ? undefined : 'flag attribute must be empty';
    case 0x0018: // EvenPort
      return len >= 1 ? undefined : 'EVEN-PORT must not be empty'; // RFC 8656 §18.5 (1 byte)
    default:
      return undefined;
  }
}
