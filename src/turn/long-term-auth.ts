import { createHash } from 'node:crypto';
import { StunAttr } from '../stun/constants.js';
import { longTermKey, opaqueString } from '../stun/credentials.js';
import { StunIntegrityKey } from '../stun/integrity-key.js';
import type { StunMessage } from '../stun/message.js';

/**
 * Long-term credential state (RFC 8489 §9.2) learned from a 401 or 438:
 * REALM, NONCE, the key, and the RFC 8489 security features a server may
 * announce in a "nonce cookie" (§9.2.1): password algorithms (SHA-256 keys
 * and MESSAGE-INTEGRITY-SHA256) and username anonymity (USERHASH).
 */
export interface LongTermAuth {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  /** The HMAC key (§9.2.2), with its HMAC state precomputed. */
  readonly key: StunIntegrityKey;
  /** Sign with MESSAGE-INTEGRITY-SHA256 instead of MESSAGE-INTEGRITY (password algorithms in use). */
  readonly sha256: boolean;
  /** PASSWORD-ALGORITHMS value to echo and the PASSWORD-ALGORITHM value chosen (§9.2.3.2). */
  readonly passwordAlgorithms?: Buffer;
  readonly passwordAlgorithm?: Buffer;
  /** USERHASH to send instead of USERNAME (§9.2.3.2, §14.4). */
  readonly userhash?: Buffer;
}

/** RFC 8489 §9.2.1: the nonce cookie, followed by 4 base64 characters of 24 feature bits. */
export const NONCE_COOKIE = 'obMatJos2';
/** RFC 8489 §18.5: PASSWORD-ALGORITHM values. */
export const PASSWORD_ALGORITHM_MD5 = 0x0001;
export const PASSWORD_ALGORITHM_SHA256 = 0x0002;

/** RFC 8489 §18.1 Security Feature bits (bit 0 is the most significant bit of the first byte). */
function securityFeatures(nonce: string): { passwordAlgorithms: boolean; usernameAnonymity: boolean } | undefined {
  if (!nonce.startsWith(NONCE_COOKIE) || nonce.length < NONCE_COOKIE.length + 4) return undefined;
  const bits = Buffer.from(nonce.slice(NONCE_COOKIE.length, NONCE_COOKIE.length + 4), 'base64');
  const first = bits[0] ?? 0;
  return { passwordAlgorithms: (first & 0x80) !== 0, usernameAnonymity: (first & 0x40) !== 0 };
}

/** RFC 8489 §14.11: PASSWORD-ALGORITHMS is a list of (algorithm 16 bits, length 16 bits, parameters padded). */
function firstSupportedAlgorithm(value: Buffer): number | undefined {
  for (let off = 0; off + 4 <= value.length; ) {
    const algorithm = value.readUInt16BE(off);
    const length = value.readUInt16BE(off + 2);
    if (algorithm === PASSWORD_ALGORITHM_MD5 || algorithm === PASSWORD_ALGORITHM_SHA256) return algorithm;
    off += 4 + ((length + 3) & ~3);
  }
  return undefined;
}

/**
 * Credentials for the REALM and NONCE of a 401/438 response (RFC 8489
 * §9.2.5), reusing `previous` when nothing but the nonce changed. Undefined
 * when the response lacks them, or announces password algorithms without a
 * PASSWORD-ALGORITHMS list the client can use (§9.2.5: then it MUST NOT retry).
 */
export function authFromChallenge(
  msg: StunMessage,
  username: string,
  password: string,
  previous: LongTermAuth | undefined,
): LongTermAuth | undefined {
  const nonce = msg.getNonce();
  const realm = msg.getRealm() ?? previous?.realm;
  if (nonce === undefined || realm === undefined) return undefined;
  const features = securityFeatures(nonce);
  let algorithm = PASSWORD_ALGORITHM_MD5;
  let passwordAlgorithms: Buffer | undefined;
  if (features?.passwordAlgorithms) {
    const list = msg.getAttr(StunAttr.PasswordAlgorithms);
    const chosen = list ? firstSupportedAlgorithm(list) : undefined;
    if (!list || chosen === undefined) return undefined;
    algorithm = chosen;
    passwordAlgorithms = Buffer.from(list);
  }
  const sameKey =
    previous !== undefined &&
    previous.realm === realm &&
    (previous.passwordAlgorithm?.readUInt16BE(0) ?? PASSWORD_ALGORITHM_MD5) === algorithm;
  // RFC 8489 §9.2.2: MD5 or SHA-256 of username ":" OpaqueString(realm) ":" OpaqueString(password).
  const key = sameKey
    ? previous.key
    : new StunIntegrityKey(
        algorithm === PASSWORD_ALGORITHM_SHA256
          ? createHash('sha256')
              .update(`${opaqueString(username)}:${opaqueString(realm)}:${opaqueString(password)}`, 'utf8')
              .digest()
          : longTermKey(username, realm, password),
      );
  const auth: {
    -readonly [K in keyof LongTermAuth]: LongTermAuth[K];
  } = { username, realm, nonce, key, sha256: passwordAlgorithms !== undefined };
  if (passwordAlgorithms) {
    auth.passwordAlgorithms = passwordAlgorithms;
    const chosen = Buffer.alloc(4);
    chosen.writeUInt16BE(algorithm, 0);
    auth.passwordAlgorithm = chosen;
  }
  // RFC 8489 §14.4: USERHASH = SHA-256(OpaqueString(username) ":" OpaqueString(realm)).
  if (features?.usernameAnonymity) {
    auth.userhash = createHash('sha256').update(`${opaqueString(username)}:${opaqueString(realm)}`, 'utf8').digest();
  }
  return auth;
}

/** Adds the credential attributes and signs (RFC 8489 §9.2.3.2); integrity is the last attribute. */
export function signRequest(msg: StunMessage, auth: LongTermAuth): Buffer {
  if (auth.userhash) msg.addAttr(StunAttr.Userhash, auth.userhash);
  else msg.setUsername(auth.username);
  msg.setRealm(auth.realm).setNonce(auth.nonce);
  if (auth.passwordAlgorithms && auth.passwordAlgorithm) {
    msg.addAttr(StunAttr.PasswordAlgorithms, auth.passwordAlgorithms);
    msg.addAttr(StunAttr.PasswordAlgorithm, auth.passwordAlgorithm);
  }
  return auth.sha256 ? msg.encode({ integritySha256Key: auth.key }) : msg.encode({ integrityKey: auth.key });
}

/**
 * RFC 8489 §9.2.5: the response's MESSAGE-INTEGRITY-SHA256 or MESSAGE-INTEGRITY
 * verifies with the key. 'absent' when it carries neither.
 */
export function checkResponseIntegrity(msg: StunMessage, auth: LongTermAuth): 'valid' | 'invalid' | 'absent' {
  if (msg.hasAttr(StunAttr.MessageIntegritySha256)) return msg.verifyIntegritySha256(auth.key) ? 'valid' : 'invalid';
  if (msg.hasAttr(StunAttr.MessageIntegrity)) return msg.verifyIntegrity(auth.key) ? 'valid' : 'invalid';
  return 'absent';
}
