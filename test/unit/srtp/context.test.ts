import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { srtpContextsFromDtls, srtpKeyingMaterialLength } from '../../../src/srtp/dtls-keying.js';
import { SrtpError } from '../../../src/srtp/errors.js';
import { srtpProfileSpec } from '../../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../../src/srtp/protection-profile.js';
import { SrtpContext } from '../../../src/srtp/srtp-context.js';
import { SRTP_BACKENDS } from '../../support/srtp-backends.js';

const PROFILES = [
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
  SrtpProtectionProfile.AEAD_AES_128_GCM,
  SrtpProtectionProfile.AEAD_AES_256_GCM,
] as const;

function rtp(seq: number, ssrc: number, payloadLength = 40, extra?: { csrc?: number; ext?: boolean }): Buffer {
  const cc = extra?.csrc ?? 0;
  const ext = extra?.ext ? 8 : 0;
  const b = Buffer.alloc(12 + cc * 4 + ext + payloadLength);
  b[0] = 0x80 | (extra?.ext ? 0x10 : 0) | cc;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  for (let i = 0; i < cc; i++) b.writeUInt32BE(0x1000 + i, 12 + i * 4);
  if (extra?.ext) {
    b.writeUInt16BE(0xbede, 12 + cc * 4);
    b.writeUInt16BE(1, 14 + cc * 4);
    b[16 + cc * 4] = 0x10; // id 1, len 1
    b[17 + cc * 4] = 0x42;
  }
  for (let i = 0; i < payloadLength; i++) b[12 + cc * 4 + ext + i] = (seq + i) & 0xff;
  return b;
}

function rtcpSr(ssrc: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  for (let i = 8; i < 28; i++) b[i] = i;
  return b;
}

function pair(
  profile: SrtpProtectionProfile,
  replayWindow?: number,
  cipherBackend: 'node' | 'native' = 'node',
): { tx: SrtpContext; rx: SrtpContext } {
  const spec = srtpProfileSpec(profile);
  const masterKey = randomBytes(spec.keyLength);
  const masterSalt = randomBytes(spec.saltLength);
  const opts = replayWindow === undefined ? { cipherBackend } : { replayWindow, cipherBackend };
  return {
    tx: new SrtpContext({ profile, masterKey, masterSalt, ...opts }),
    rx: new SrtpContext({ profile, masterKey, masterSalt, ...opts }),
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SrtpError);
    return (err as SrtpError).code;
  }
  return undefined;
}

const PROFILE_BACKENDS = PROFILES.flatMap((profile) => SRTP_BACKENDS.map((backend) => [profile, backend] as const));

describe.each(PROFILE_BACKENDS)('SRTP round trips, profile %i, %s ciphers', (profile, backend) => {
  const spec = srtpProfileSpec(profile);

  it('protects and unprotects across the sequence wrap, ROC 0 -> 2', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    const ssrc = 0xdeadbeef;
    const start = 65536 - 300;
    for (let n = 0; n < 65536 + 600; n += 97) {
      const seq = (start + n) & 0xffff;
      const plain = rtp(seq, ssrc, (n % 300) + 1);
      const prot = tx.protectRtp(plain);
      expect(prot.length).toBe(plain.length + spec.rtpTagLength);
      expect(prot.subarray(12)).not.toEqual(plain.subarray(12, prot.length));
      expect(rx.unprotectRtp(prot)).toEqual(plain);
    }
    expect(tx.getRolloverCounter(ssrc, 'outbound')).toBe(2);
    expect(rx.getRolloverCounter(ssrc, 'inbound')).toBe(2);
  });

  it('unprotects in place: a view of the datagram itself on native ciphers, rejected tampering counted', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    for (const [i, p] of [rtp(1, 9, 0), rtp(2, 9, 33, { csrc: 2, ext: true }), rtp(3, 9, 1200)].entries()) {
      const datagram = tx.protectRtp(p);
      const plain = rx.unprotectRtpInPlace(datagram);
      expect(plain).toEqual(p);
      if (backend === 'native') expect(plain.buffer === datagram.buffer && plain.byteOffset === datagram.byteOffset).toBe(true);
      const bad = tx.protectRtp(rtp(10 + i, 9, 40));
      bad[bad.length - 1]! ^= 1;
      expect(code(() => rx.unprotectRtpInPlace(bad))).toBe('ERR_SRTP_AUTH');
    }
    expect(rx.stats.errors.ERR_SRTP_AUTH).toBe(3);
  });

  it('handles CSRCs, header extensions and empty payloads', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    for (const p of [rtp(1, 5, 0), rtp(2, 5, 17, { csrc: 3 }), rtp(3, 5, 1, { ext: true }), rtp(4, 5, 1000, { csrc: 15, ext: true })]) {
      const prot = tx.protectRtp(p);
      // The header stays in the clear.
      expect(prot.subarray(0, p.length - (p.length > 12 ? 0 : 0)).subarray(0, 12)).toEqual(p.subarray(0, 12));
      expect(rx.unprotectRtp(prot)).toEqual(p);
    }
  });

  it('decrypts packets reordered across a wrap and rejects duplicates', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];
    const prot = seqs.map((s) => tx.protectRtp(rtp(s, 7)));
    const order = [0, 1, 6, 2, 7, 5, 3, 9, 4, 8];
    for (const i of order) expect(rx.unprotectRtp(prot[i]!)).toEqual(rtp(seqs[i]!, 7));
    expect(rx.getRolloverCounter(7, 'inbound')).toBe(1);
    for (const i of [0, 6, 9]) expect(code(() => rx.unprotectRtp(prot[i]!))).toBe('ERR_SRTP_REPLAY');
    expect(rx.stats.errors.ERR_SRTP_REPLAY).toBe(3);
    expect(rx.stats.rtpUnprotected).toBe(10);
  });

  it('rejects packets older than the replay window', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    const prot = Array.from({ length: 200 }, (_, i) => tx.protectRtp(rtp(1000 + i, 9)));
    rx.unprotectRtp(prot[199]!);
    expect(code(() => rx.unprotectRtp(prot[199 - 64]!))).toBe('ERR_SRTP_REPLAY');
    expect(rx.unprotectRtp(prot[199 - 63]!)).toEqual(rtp(1000 + 136, 9));
  });

  it('supports a larger window (1024)', () => {
    const { tx, rx } = pair(profile, 1024, backend);
    const prot = Array.from({ length: 1100 }, (_, i) => tx.protectRtp(rtp(i, 9, 4)));
    rx.unprotectRtp(prot[1099]!);
    expect(rx.unprotectRtp(prot[1099 - 1000]!)).toEqual(rtp(99, 9, 4));
    expect(code(() => rx.unprotectRtp(prot[1099 - 1024]!))).toBe('ERR_SRTP_REPLAY');
    expect(code(() => rx.unprotectRtp(prot[99]!))).toBe('ERR_SRTP_REPLAY');
  });

  it('rejects tampered tags, payloads and headers with ERR_SRTP_AUTH, without creating state', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    const good = tx.protectRtp(rtp(10, 11, 100));
    for (const at of [good.length - 1, 20, 1, 9]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x01;
      expect(code(() => rx.unprotectRtp(bad))).toBe('ERR_SRTP_AUTH');
    }
    expect(rx.stats.ssrcs.rtpIn).toBe(1 - 1);
    expect(rx.unprotectRtp(good)).toEqual(rtp(10, 11, 100));
    expect(rx.stats.errors.ERR_SRTP_AUTH).toBe(4);
  });

  it('rejects malformed packets with ERR_SRTP_DECODE', () => {
    const { rx } = pair(profile, undefined, backend);
    expect(code(() => rx.unprotectRtp(Buffer.alloc(5)))).toBe('ERR_SRTP_DECODE');
    const v1 = Buffer.alloc(60);
    v1[0] = 0x40;
    expect(code(() => rx.unprotectRtp(v1))).toBe('ERR_SRTP_DECODE');
    const longExt = Buffer.alloc(40);
    longExt[0] = 0x90;
    longExt.writeUInt16BE(100, 14);
    expect(code(() => rx.unprotectRtp(longExt))).toBe('ERR_SRTP_DECODE');
    expect(code(() => rx.unprotectRtcp(Buffer.alloc(10)))).toBe('ERR_SRTP_DECODE');
  });

  it('SRTCP: round trip, index in the trailer, E flag, replay and tamper', () => {
    const { tx, rx } = pair(profile, undefined, backend);
    const sr = rtcpSr(0x01020304);
    const prot = [0, 1, 2, 3].map(() => tx.protectRtcp(sr));
    expect(prot[0]!.length).toBe(sr.length + 4 + spec.rtcpTagLength);
    const wordAt = spec.kind === 'aead-aes-gcm' ? prot[2]!.length - 4 : prot[2]!.length - 4 - spec.rtcpTagLength;
    expect(prot[2]!.readUInt32BE(wordAt)).toBe(0x80000002);
    for (const i of [1, 0, 3, 2]) expect(rx.unprotectRtcp(prot[i]!)).toEqual(sr);
    expect(code(() => rx.unprotectRtcp(prot[1]!))).toBe('ERR_SRTP_REPLAY');
    const bad = Buffer.from(tx.protectRtcp(sr));
    bad[10]! ^= 0x80;
    expect(code(() => rx.unprotectRtcp(bad))).toBe('ERR_SRTP_AUTH');
    expect(rx.stats.errors).toMatchObject({ ERR_SRTP_REPLAY: 1, ERR_SRTP_AUTH: 1 });
  });
});

describe('SrtpContext bounds and keying', () => {
  it('evicts the least recently used SSRC beyond maxSsrcs', () => {
    const profile = SrtpProtectionProfile.AEAD_AES_128_GCM;
    const key = randomBytes(16);
    const salt = randomBytes(12);
    const tx = new SrtpContext({ profile, masterKey: key, masterSalt: salt, maxSsrcs: 4 });
    const rx = new SrtpContext({ profile, masterKey: key, masterSalt: salt, maxSsrcs: 4 });
    for (let ssrc = 1; ssrc <= 10; ssrc++) rx.unprotectRtp(tx.protectRtp(rtp(1, ssrc)));
    expect(rx.stats.ssrcs.rtpIn).toBe(4);
    expect(tx.stats.ssrcs.rtpOut).toBe(4);
    expect(rx.stats.ssrcEvictions).toBe(6);
  });

  it('srtpContextsFromDtls splits RFC 5764 §4.2 keying material so client and server interoperate', () => {
    for (const profile of PROFILES) {
      const material = randomBytes(srtpKeyingMaterialLength(profile));
      const client = srtpContextsFromDtls(profile, material, 'client');
      const server = srtpContextsFromDtls(profile, material, 'server');
      const p = rtp(5, 99);
      expect(server.remote.unprotectRtp(client.local.protectRtp(p))).toEqual(p);
      expect(client.remote.unprotectRtp(server.local.protectRtp(p))).toEqual(p);
      expect(code(() => client.remote.unprotectRtp(client.local.protectRtp(rtp(6, 99))))).toBe('ERR_SRTP_AUTH');
    }
    expect(srtpKeyingMaterialLength(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80)).toBe(60);
    expect(srtpKeyingMaterialLength(SrtpProtectionProfile.AEAD_AES_128_GCM)).toBe(56);
    expect(srtpKeyingMaterialLength(SrtpProtectionProfile.AEAD_AES_256_GCM)).toBe(88);
  });

  it('rejects bad keys and options with InvalidArgumentError', () => {
    const profile = SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80;
    expect(() => new SrtpContext({ profile, masterKey: Buffer.alloc(15), masterSalt: Buffer.alloc(14) })).toThrow(InvalidArgumentError);
    expect(() => new SrtpContext({ profile, masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(12) })).toThrow(InvalidArgumentError);
    expect(() => new SrtpContext({ profile, masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(14), replayWindow: 8 })).toThrow(InvalidArgumentError);
    expect(() => new SrtpContext({ profile: 0x99 as SrtpProtectionProfile, masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(14) })).toThrow(InvalidArgumentError);
    expect(() => srtpContextsFromDtls(profile, Buffer.alloc(10), 'client')).toThrow(InvalidArgumentError);
  });

  it('honours a signalled ROC', () => {
    const { tx, rx } = pair(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80);
    tx.setRolloverCounter(3, 7);
    rx.setRolloverCounter(3, 7);
    const p = rtp(100, 3);
    expect(rx.unprotectRtp(tx.protectRtp(p))).toEqual(p);
    expect(rx.getRolloverCounter(3, 'inbound')).toBe(7);
  });
});

describe('SrtpSession', () => {
  it('pairs client and server and counts inbound drops by code', async () => {
    const { SrtpSession } = await import('../../../src/srtp/srtp-session.js');
    const profile = SrtpProtectionProfile.AEAD_AES_128_GCM;
    const material = randomBytes(srtpKeyingMaterialLength(profile));
    const client = new SrtpSession(profile, material, 'client');
    const server = new SrtpSession(profile, material, 'server', { replayWindow: 128 });
    const p = rtp(1, 77);
    const prot = client.protectRtp(p);
    expect(server.receiveRtp(prot)).toEqual(p);
    expect(server.receiveRtp(prot)).toBeUndefined();
    expect(server.receiveRtp(Buffer.alloc(3))).toBeUndefined();
    expect(server.receiveRtcp(client.protectRtcp(rtcpSr(77)))).toEqual(rtcpSr(77));
    expect(server.stats.drops).toEqual({ ERR_SRTP_REPLAY: 1, ERR_SRTP_DECODE: 1 });
    expect(server.remote.replayWindow).toBe(128);
  });
});
