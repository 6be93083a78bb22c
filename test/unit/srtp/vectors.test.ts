import { describe, expect, it } from 'vitest';
import { AesCmKeystream } from '../../../src/srtp/aes-cm-keystream.js';
import { deriveSrtpSessionKeys, srtpPrf, SrtpLabel } from '../../../src/srtp/key-derivation.js';
import { srtpProfileSpec } from '../../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../../src/srtp/protection-profile.js';
import { SrtpContext } from '../../../src/srtp/srtp-context.js';
import { SRTP_BACKENDS } from '../../support/srtp-backends.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RFC 3711 Appendix B.2: AES-CM keystream', () => {
  it('matches the first and last blocks of the 65282-block segment', () => {
    const ks = new AesCmKeystream(hex('2B7E151628AED2A6ABF7158809CF4F3C'));
    const out = ks.generate(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'), 65282 * 16);
    expect(out.subarray(0, 48).toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
    );
    expect(out.subarray(out.length - 48).toString('hex').toUpperCase()).toBe(
      'EC8CDF7398607CB0F2D21675EA9EA1E4362B7C3C6773516318A077D7FC5073AE6A2CC3787889374FBEB4C81B17BA6C44',
    );
  });

  it.each(SRTP_BACKENDS)('is what SRTP encrypts an all-zero payload with (SSRC 0, index 0), %s ciphers', (cipherBackend) => {
    const keys = {
      encryptionKey: hex('2B7E151628AED2A6ABF7158809CF4F3C'),
      salt: hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
      authKey: Buffer.alloc(20),
    };
    const ctx = SrtpContext.fromSessionKeys(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, { rtp: keys, rtcp: keys }, { cipherBackend });
    const rtp = Buffer.alloc(12 + 32);
    rtp[0] = 0x80;
    const srtp = ctx.protectRtp(rtp);
    expect(srtp.subarray(12, 44).toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB',
    );
  });
});

describe('RFC 3711 Appendix B.3: key derivation', () => {
  const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');
  it('derives the cipher key, salt and auth key', () => {
    expect(srtpPrf(masterKey, masterSalt, SrtpLabel.RtpEncryption, 16).toString('hex').toUpperCase()).toBe(
      'C61E7A93744F39EE10734AFE3FF7A087',
    );
    expect(srtpPrf(masterKey, masterSalt, SrtpLabel.RtpSalt, 14).toString('hex').toUpperCase()).toBe(
      '30CBBC08863D8C85D49DB34A9AE1',
    );
    expect(srtpPrf(masterKey, masterSalt, SrtpLabel.RtpAuthentication, 32).toString('hex').toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE',
    );
    const keys = deriveSrtpSessionKeys(srtpProfileSpec(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80), masterKey, masterSalt);
    expect(keys.rtp.authKey.toString('hex').toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });
});

// RFC 7714 §16 and §17 are stated in session keys (no KDF).
const GCM_KEY_128 = hex('000102030405060708090a0b0c0d0e0f');
const GCM_KEY_256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const GCM_SALT = hex('517569642070726f2071756f');
const RTP = hex('8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573');
const RTCP = hex('81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef');

function gcmContext(profile: SrtpProtectionProfile, key: Buffer, cipherBackend: 'node' | 'native'): SrtpContext {
  const k = { encryptionKey: key, salt: GCM_SALT, authKey: Buffer.alloc(0) };
  return SrtpContext.fromSessionKeys(profile, { rtp: k, rtcp: k }, { cipherBackend });
}

const GCM_CASES = [
  {
    name: 'AEAD_AES_128_GCM',
    profile: SrtpProtectionProfile.AEAD_AES_128_GCM,
    key: GCM_KEY_128,
    srtp: '8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce',
    srtcp:
      '81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4',
  },
  {
    name: 'AEAD_AES_256_GCM',
    profile: SrtpProtectionProfile.AEAD_AES_256_GCM,
    key: GCM_KEY_256,
    srtp: '8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13',
    srtcp:
      '81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4',
  },
] as const;

describe.each(SRTP_BACKENDS)('%s ciphers', (backend) => {
  describe('RFC 7714 §16: GCM SRTP', () => {
    for (const c of GCM_CASES) {
      it(`${c.name} encrypts and decrypts the RTP vector`, () => {
        expect(gcmContext(c.profile, c.key, backend).protectRtp(RTP).toString('hex')).toBe(c.srtp);
        expect(gcmContext(c.profile, c.key, backend).unprotectRtp(hex(c.srtp)).toString('hex')).toBe(RTP.toString('hex'));
      });
    }
  });

  describe('RFC 7714 §17: GCM SRTCP', () => {
    for (const c of GCM_CASES) {
      it(`${c.name} encrypts and decrypts the RTCP vector (index 0x5d4)`, () => {
        const sender = gcmContext(c.profile, c.key, backend);
        sender.setRtcpIndex(0x4d617273, 0x5d4);
        expect(sender.protectRtcp(RTCP).toString('hex')).toBe(c.srtcp);
        expect(gcmContext(c.profile, c.key, backend).unprotectRtcp(hex(c.srtcp)).toString('hex')).toBe(RTCP.toString('hex'));
      });
    }
    it('§17.3: accepts a tagged, unencrypted packet (E = 0)', () => {
      const tagged = hex(
        '81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef841dd9683dd78ec92ae58790125f62b3000005d4',
      );
      const ctx = gcmContext(SrtpProtectionProfile.AEAD_AES_128_GCM, GCM_KEY_128, backend);
      expect(ctx.unprotectRtcp(tagged).toString('hex')).toBe(RTCP.toString('hex'));
    });
  });

  describe('Pion srtp known answers (AEAD_AES_128_GCM with KDF)', () => {
    it('matches srtp_cipher_aead_aes_gcm_test.go', () => {
      const masterKey = hex('000102030405060708090a0b0c0d0e0f');
      const masterSalt = hex('a0a1a2a3a4a5a6a7a8a9aaab');
      const profile = SrtpProtectionProfile.AEAD_AES_128_GCM;
      const rtp = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
      const srtp = hex(
        '800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392',
      );
      expect(new SrtpContext({ profile, masterKey, masterSalt, cipherBackend: backend }).protectRtp(rtp).toString('hex')).toBe(srtp.toString('hex'));
      expect(new SrtpContext({ profile, masterKey, masterSalt, cipherBackend: backend }).unprotectRtp(srtp).toString('hex')).toBe(rtp.toString('hex'));
      const rtcp = hex('81c8000bcafebabe' + 'ab'.repeat(16));
      const srtcp = hex(
        '81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001',
      );
      const sender = new SrtpContext({ profile, masterKey, masterSalt, cipherBackend: backend });
      sender.setRtcpIndex(0xcafebabe, 1);
      expect(sender.protectRtcp(rtcp).toString('hex')).toBe(srtcp.toString('hex'));
      expect(new SrtpContext({ profile, masterKey, masterSalt, cipherBackend: backend }).unprotectRtcp(srtcp).toString('hex')).toBe(rtcp.toString('hex'));
    });
  });
});
