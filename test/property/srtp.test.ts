import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SrtpError } from '../../src/srtp/errors.js';
import { srtpProfileSpec } from '../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { SrtpContext } from '../../src/srtp/srtp-context.js';

const PROFILES = [
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
  SrtpProtectionProfile.AEAD_AES_128_GCM,
  SrtpProtectionProfile.AEAD_AES_256_GCM,
] as const;

function onlySrtpErrors(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SrtpError)) throw err;
  }
}

describe.each(PROFILES)('unprotect under fuzzing, profile %i', (profile) => {
  const spec = srtpProfileSpec(profile);
  const masterKey = randomBytes(spec.keyLength);
  const masterSalt = randomBytes(spec.saltLength);

  it('throws only SrtpError on arbitrary bytes, and accepts none', () => {
    const rx = new SrtpContext({ profile, masterKey, masterSalt });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.boolean(), (bytes, asV2) => {
        const b = Buffer.from(bytes);
        if (asV2 && b.length > 0) b[0] = 0x80 | (b[0]! & 0x3f);
        onlySrtpErrors(() => {
          rx.unprotectRtp(b);
          throw new Error('forged SRTP packet accepted');
        });
        onlySrtpErrors(() => {
          rx.unprotectRtcp(b);
          throw new Error('forged SRTCP packet accepted');
        });
      }),
      { numRuns: 1000 },
    );
    expect(rx.stats.rtpUnprotected + rx.stats.rtcpUnprotected).toBe(0);
  });

  it('round-trips arbitrary RTP packets and rejects any single-byte change', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seq, ssrc, payload, at, flip) => {
          const tx = new SrtpContext({ profile, masterKey, masterSalt });
          const rx = new SrtpContext({ profile, masterKey, masterSalt });
          const p = Buffer.alloc(12 + payload.length);
          p[0] = 0x80;
          p.writeUInt16BE(seq, 2);
          p.writeUInt32BE(ssrc, 8);
          Buffer.from(payload).copy(p, 12);
          const prot = tx.protectRtp(p);
          const bad = Buffer.from(prot);
          bad[at % bad.length]! ^= flip;
          onlySrtpErrors(() => {
            rx.unprotectRtp(bad);
            throw new Error('tampered packet accepted');
          });
          expect(rx.unprotectRtp(prot)).toEqual(p);
        },
      ),
      { numRuns: 300 },
    );
  });
});
