import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SrtpError } from '../../src/srtp/errors.js';
import { srtpProfileSpec } from '../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { SrtpContext } from '../../src/srtp/srtp-context.js';
import { SRTP_BACKENDS } from '../support/srtp-backends.js';

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

const PROFILE_BACKENDS = PROFILES.flatMap((profile) => SRTP_BACKENDS.map((backend) => [profile, backend] as const));

describe.each(PROFILE_BACKENDS)('unprotect under fuzzing, profile %i, %s ciphers', (profile, cipherBackend) => {
  const spec = srtpProfileSpec(profile);
  const masterKey = randomBytes(spec.keyLength);
  const masterSalt = randomBytes(spec.saltLength);

  it('throws only SrtpError on arbitrary bytes, and accepts none', () => {
    const rx = new SrtpContext({ profile, masterKey, masterSalt, cipherBackend });
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
          const tx = new SrtpContext({ profile, masterKey, masterSalt, cipherBackend });
          const rx = new SrtpContext({ profile, masterKey, masterSalt, cipherBackend });
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

describe.each(PROFILES)('cipher backends agree, profile %i', (profile) => {
  const spec = srtpProfileSpec(profile);
  const masterKey = randomBytes(spec.keyLength);
  const masterSalt = randomBytes(spec.saltLength);
  const ctx = (cipherBackend: 'node' | 'native'): SrtpContext => new SrtpContext({ profile, masterKey, masterSalt, cipherBackend });

  it.skipIf(SRTP_BACKENDS.length < 2)('protect the same bytes and unprotect each other, RTP and SRTCP', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ maxLength: 1400 }),
        fc.integer({ min: 0, max: 0x7ffffffe }),
        (seq, ssrc, csrcs, payload, rtcpIndex) => {
          const rtp = Buffer.alloc(12 + csrcs * 4 + payload.length);
          rtp[0] = 0x80 | csrcs;
          rtp.writeUInt16BE(seq, 2);
          rtp.writeUInt32BE(ssrc, 8);
          Buffer.from(payload).copy(rtp, 12 + csrcs * 4);
          const rtcp = Buffer.alloc(8 + (payload.length & ~3));
          rtcp[0] = 0x80;
          rtcp[1] = 200;
          rtcp.writeUInt16BE(rtcp.length / 4 - 1, 2);
          rtcp.writeUInt32BE(ssrc, 4);
          Buffer.from(payload.subarray(0, rtcp.length - 8)).copy(rtcp, 8);
          const [node, native] = [ctx('node'), ctx('native')];
          node.setRtcpIndex(ssrc, rtcpIndex);
          native.setRtcpIndex(ssrc, rtcpIndex);
          const a = node.protectRtp(rtp);
          expect(native.protectRtp(rtp)).toEqual(a);
          const c = node.protectRtcp(rtcp);
          expect(native.protectRtcp(rtcp)).toEqual(c);
          expect(ctx('native').unprotectRtp(a)).toEqual(rtp);
          expect(ctx('node').unprotectRtp(a)).toEqual(rtp);
          expect(ctx('native').unprotectRtcp(c)).toEqual(rtcp);
        },
      ),
      { numRuns: 300 },
    );
  });
});
