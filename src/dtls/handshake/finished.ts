import { DtlsDecodeError } from '../errors.js';

/** RFC 5246 §7.4.9: verify_data is 12 bytes for every suite tern-rtc speaks. */
export const VERIFY_DATA_LENGTH = 12;

export function decodeFinished(body: Buffer): Buffer {
  if (body.length !== VERIFY_DATA_LENGTH) throw new DtlsDecodeError('bad Finished length');
  return body;
}
