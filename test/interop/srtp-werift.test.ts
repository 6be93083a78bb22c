import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RtpPacket as WeriftRtpPacket, SrtcpSession, SrtpSession } from 'werift-rtp';
import { srtpProfileSpec } from '../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { SrtpContext } from '../../src/srtp/srtp-context.js';

// werift-rtp 0.8 implements these two profiles.
const PROFILES = [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.AEAD_AES_128_GCM] as const;

function rtp(seq: number, ssrc: number, size: number): Buffer {
  const b = Buffer.alloc(12 + size);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(seq * 960, 4);
  b.writeUInt32BE(ssrc, 8);
  randomBytes(size).copy(b, 12);
  return b;
}

function rtcp(ssrc: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  randomBytes(20).copy(b, 8);
  return b;
}

describe.each(PROFILES)('SRTP interop with werift-rtp, profile %i', (profile) => {
  const spec = srtpProfileSpec(profile);
  const ourKey = randomBytes(spec.keyLength);
  const ourSalt = randomBytes(spec.saltLength);
  const theirKey = randomBytes(spec.keyLength);
  const theirSalt = randomBytes(spec.saltLength);
  const keys = { localMasterKey: theirKey, localMasterSalt: theirSalt, remoteMasterKey: ourKey, remoteMasterSalt: ourSalt };

  it('tern protects, werift unprotects (RTP across a wrap, RTCP)', () => {
    const tern = new SrtpContext({ profile, masterKey: ourKey, masterSalt: ourSalt });
    const werift = new SrtpSession({ keys, profile: profile as 1 | 7 });
    for (let i = 0; i < 20; i++) {
      const p = rtp(65525 + i, 0x51, 50 + i * 61);
      expect(werift.decrypt(tern.protectRtp(p)).toString('hex')).toBe(p.toString('hex'));
    }
    const wrtcp = new SrtcpSession({ keys, profile: profile as 1 | 7 });
    for (let i = 0; i < 3; i++) {
      const r = rtcp(0x51);
      expect(wrtcp.decrypt(tern.protectRtcp(r)).toString('hex')).toBe(r.toString('hex'));
    }
  });

  it('werift protects, tern unprotects (RTP across a wrap, RTCP)', () => {
    const tern = new SrtpContext({ profile, masterKey: theirKey, masterSalt: theirSalt });
    const werift = new SrtpSession({ keys, profile: profile as 1 | 7 });
    for (let i = 0; i < 20; i++) {
      const p = rtp(65525 + i, 0x52, 50 + i * 61);
      const parsed = WeriftRtpPacket.deSerialize(p);
      const prot = werift.encrypt(parsed.payload, parsed.header);
      expect(tern.unprotectRtp(prot).toString('hex')).toBe(p.toString('hex'));
    }
    expect(tern.getRolloverCounter(0x52, 'inbound')).toBe(1);
    const wrtcp = new SrtcpSession({ keys, profile: profile as 1 | 7 });
    for (let i = 0; i < 3; i++) {
      const r = rtcp(0x52);
      expect(tern.unprotectRtcp(wrtcp.encrypt(r)).toString('hex')).toBe(r.toString('hex'));
    }
  });
});
