import { createCipheriv } from 'node:crypto';
import { InvalidArgumentError } from '../common/errors.js';
import type { SrtpProfileSpec } from './profile-spec.js';
import { ownedCopy } from '../common/owned-bytes.js';

/** RFC 3711 §4.3.2: key derivation labels. */
export const SrtpLabel = {
  RtpEncryption: 0x00,
  RtpAuthentication: 0x01,
  RtpSalt: 0x02,
  RtcpEncryption: 0x03,
  RtcpAuthentication: 0x04,
  RtcpSalt: 0x05,
} as const;

/** Session keys of one direction of one protocol (SRTP or SRTCP). */
export interface SrtpSessionKeys {
  readonly encryptionKey: Buffer;
  /** Session salt, `saltLength` bytes (14 for AES-CM, 12 for GCM). */
  readonly salt: Buffer;
  /** HMAC-SHA1 key (empty for AEAD profiles). */
  readonly authKey: Buffer;
}

export interface SrtpDerivedKeys {
  readonly rtp: SrtpSessionKeys;
  readonly rtcp: SrtpSessionKeys;
}

/**
 * The AES-CM PRF of RFC 3711 §4.3.3 with a key derivation rate of 0
 * (RFC 3711 §4.3.1: r = 0, so key_id = label || 0^48):
 * x = key_id XOR master_salt, PRF_n(k_master, x) = first n bytes of the
 * AES-CM keystream with IV = x * 2^16. The master key length selects AES-128
 * or AES-256 (RFC 6188 §7, used by AEAD_AES_256_GCM per RFC 7714 §11). A
 * 96-bit GCM master salt fills the leading 12 bytes of x (RFC 7714 §11;
 * the same layout libsrtp and Pion use).
 */
export function srtpPrf(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  if (masterKey.length !== 16 && masterKey.length !== 32) {
    throw new InvalidArgumentError(`SRTP master key must be 16 or 32 bytes, got ${masterKey.length}`);
  }
  if (masterSalt.length > 14) throw new InvalidArgumentError(`SRTP master salt longer than 14 bytes`);
  const blocks = Math.ceil(length / 16);
  const input = Buffer.alloc(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const off = b * 16;
    masterSalt.copy(input, off);
    // label sits in byte 7: the key_id (7 bytes) is right-aligned within the 14-byte x.
    input[off + 7]! ^= label;
    input.writeUInt16BE(b, off + 14);
  }
  const ecb = createCipheriv(masterKey.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', masterKey, null);
  ecb.setAutoPadding(false);
  return ecb.update(input).subarray(0, length);
}

/** RFC 3711 §4.3: derives the six session keys of a profile from a master key and salt. */
export function deriveSrtpSessionKeys(spec: SrtpProfileSpec, masterKey: Buffer, masterSalt: Buffer): SrtpDerivedKeys {
  if (masterKey.length !== spec.keyLength) {
    throw new InvalidArgumentError(`${spec.name} master key must be ${spec.keyLength} bytes, got ${masterKey.length}`);
  }
  if (masterSalt.length !== spec.saltLength) {
    throw new InvalidArgumentError(`${spec.name} master salt must be ${spec.saltLength} bytes, got ${masterSalt.length}`);
  }
  const empty = Buffer.alloc(0);
  const derive = (label: number, len: number): Buffer =>
    len === 0 ? empty : ownedCopy(srtpPrf(masterKey, masterSalt, label, len));
  return {
    rtp: {
      encryptionKey: derive(SrtpLabel.RtpEncryption, spec.keyLength),
      salt: derive(SrtpLabel.RtpSalt, spec.saltLength),
      authKey: derive(SrtpLabel.RtpAuthentication, spec.authKeyLength),
    },
    rtcp: {
      encryptionKey: derive(SrtpLabel.RtcpEncryption, spec.keyLength),
      salt: derive(SrtpLabel.RtcpSalt, spec.saltLength),
      authKey: derive(SrtpLabel.RtcpAuthentication, spec.authKeyLength),
    },
  };
}
