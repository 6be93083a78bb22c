import { isValidAddressValue } from './address.js';
import { StunAttr } from './constants.js';

/**
 * Structural checks on known attribute values, run once while decoding so
 * that the typed accessors can read fixed offsets without re-validating.
 * Returns a reason when the value is malformed (the decoder turns it into a
 * StunDecodeError), undefined when it is acceptable. Text attributes
 * (USERNAME, REALM, NONCE, SOFTWARE) are accepted as they come: their length
 * limits (RFC 8489 §14.3, §14.9, §14.10, §14.14) are advisory for receivers.
 */
export function attributeValueProblem(type: number, v: Buffer): string | undefined {
  const len = v.length;
  switch (type) {
    case StunAttr.MappedAddress:
    case StunAttr.XorMappedAddress:
    case StunAttr.XorPeerAddress:
    case StunAttr.XorRelayedAddress:
    case StunAttr.AlternateServer:
      // RFC 8489 §14.1/§14.2: family 0x01 with 4 address bytes or 0x02 with 16.
      return isValidAddressValue(v) ? undefined : 'malformed address';
    case StunAttr.MessageIntegrity:
      return len === 20 ? undefined : 'MESSAGE-INTEGRITY must be 20 bytes'; // RFC 8489 §14.5
    case StunAttr.MessageIntegritySha256:
      // RFC 8489 §14.6: 16..32 bytes, a multiple of 4.
      return len >= 16 && len <= 32 && len % 4 === 0 ? undefined : 'bad MESSAGE-INTEGRITY-SHA256 length';
    case StunAttr.Fingerprint:
      return len === 4 ? undefined : 'FINGERPRINT must be 4 bytes'; // RFC 8489 §14.7
    case StunAttr.ErrorCode: {
      // RFC 8489 §14.8: class 3..6, number 0..99.
      if (len < 4) return 'ERROR-CODE too short';
      const cls = v[2]! & 0x07;
      return cls >= 3 && cls <= 6 && v[3]! < 100 ? undefined : 'ERROR-CODE out of range';
    }
    case StunAttr.UnknownAttributes:
      return len % 2 === 0 ? undefined : 'UNKNOWN-ATTRIBUTES length must be even'; // RFC 8489 §14.9
    case StunAttr.Priority: // RFC 8445 §16.1
    case StunAttr.Lifetime: // RFC 8656 §18.4
    case StunAttr.ChannelNumber: // RFC 8656 §18.1
    case StunAttr.RequestedTransport: // RFC 8656 §18.8
    case StunAttr.RequestedAddressFamily: // RFC 8656 §18.9 / RFC 6156
    case StunAttr.ConnectionId: // RFC 6062 §6.2.1
      return len === 4 ? undefined : 'attribute must be 4 bytes';
    case StunAttr.IceControlled: // RFC 8445 §16.1
    case StunAttr.IceControlling:
    case StunAttr.ReservationToken: // RFC 8656 §18.10
      return len === 8 ? undefined : 'attribute must be 8 bytes';
    case StunAttr.UseCandidate: // RFC 8445 §16.1
    case StunAttr.DontFragment: // RFC 8656 §18.7
      return len === 0 ? undefined : 'flag attribute must be empty';
    case StunAttr.EvenPort:
      return len >= 1 ? undefined : 'EVEN-PORT must not be empty'; // RFC 8656 §18.5 (1 byte)
    default:
      return undefined;
  }
}
