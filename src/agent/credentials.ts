import { IceError } from './errors.js';

/** RFC 8445 §5.3: ufrag 4–256 ice-chars, password 22–256 ice-chars. */
export function validateCredentials(ufrag: string, pwd: string): void {
  const ice = /^[A-Za-z0-9+/]+$/;
  if (ufrag.length < 4 || ufrag.length > 256 || !ice.test(ufrag)) {
    throw new IceError('ERR_ICE_BAD_CREDENTIALS', 'ufrag must be 4 to 256 ice-chars (RFC 8445 §5.3)');
  }
  if (pwd.length < 22 || pwd.length > 256 || !ice.test(pwd)) {
    throw new IceError('ERR_ICE_BAD_CREDENTIALS', 'password must be 22 to 256 ice-chars (RFC 8445 §5.3)');
  }
}

/**
 * Remote credentials are checked loosely: some stacks (werift) use shorter
 * values than RFC 8445 §5.3 asks for, and refusing them would only break interop.
 */
export function validateRemoteCredentials(ufrag: string, pwd: string): void {
  const bad = /[\s:]/;
  if (ufrag.length === 0 || ufrag.length > 256 || bad.test(ufrag) || pwd.length === 0 || pwd.length > 256 || bad.test(pwd)) {
    throw new IceError('ERR_ICE_BAD_CREDENTIALS', 'remote ufrag/password must be 1 to 256 characters without spaces or colons');
  }
}
