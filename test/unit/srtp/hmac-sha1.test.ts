import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HMAC_SHA1_PREFIX, HmacSha1 } from '../../../src/srtp/hmac-sha1.js';

describe('HmacSha1', () => {
  it('matches createHmac for any key and message length', () => {
    for (const keyLen of [0, 1, 20, 64, 65, 100]) {
      const key = randomBytes(keyLen);
      const h = new HmacSha1(key);
      for (const len of [0, 1, 55, 56, 63, 64, 65, 1216, 1500]) {
        const msg = randomBytes(len);
        const buf = Buffer.concat([Buffer.alloc(HMAC_SHA1_PREFIX + 3), msg]);
        const mac = Buffer.from(h.macPrefixed(buf, 3, buf.length));
        expect(mac.toString('hex'), `${keyLen}/${len}`).toBe(createHmac('sha1', key).update(msg).digest('hex'));
      }
    }
  });

  it('RFC 2202 test case 2', () => {
    const h = new HmacSha1(Buffer.from('Jefe'));
    const msg = Buffer.from('what do ya want for nothing?');
    const buf = Buffer.concat([Buffer.alloc(HMAC_SHA1_PREFIX), msg]);
    expect(h.macPrefixed(buf, 0, buf.length).toString('hex')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });
});
