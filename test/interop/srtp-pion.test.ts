import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { srtpProfileSpec } from '../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { SrtpContext } from '../../src/srtp/srtp-context.js';
import { pionAvailable, pionBinary } from '../support/pion.js';

// Pion srtp v2.0.12 (Debian) implements these three; AEAD_AES_256_GCM is covered by RFC 7714 vectors.
const PROFILES = [
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
  SrtpProtectionProfile.AEAD_AES_128_GCM,
] as const;

interface PeerResult {
  data?: string;
  error?: string;
}

function rtpPackets(ssrc: number): Buffer[] {
  const out: Buffer[] = [];
  // 12 packets across the 16-bit wrap (ROC 0 -> 1), with CSRCs and an extension on some.
  for (let i = 0; i < 12; i++) {
    const seq = (65530 + i) & 0xffff;
    const cc = i % 3 === 0 ? 2 : 0;
    const ext = i % 4 === 1;
    const payload = randomBytes(1 + ((i * 137) % 1200));
    const b = Buffer.alloc(12 + cc * 4 + (ext ? 8 : 0) + payload.length);
    b[0] = 0x80 | (ext ? 0x10 : 0) | cc;
    b[1] = 96 | (i === 11 ? 0x80 : 0);
    b.writeUInt16BE(seq, 2);
    b.writeUInt32BE(i * 3000, 4);
    b.writeUInt32BE(ssrc, 8);
    let o = 12;
    for (let c = 0; c < cc; c++, o += 4) b.writeUInt32BE(100 + c, o);
    if (ext) {
      b.writeUInt16BE(0xbede, o);
      b.writeUInt16BE(1, o + 2);
      b[o + 4] = 0x21;
      b[o + 5] = 0x12;
      b[o + 6] = 0x34;
      o += 8;
    }
    payload.copy(b, o);
    out.push(b);
  }
  return out;
}

function rtcpPackets(ssrc: number): Buffer[] {
  return [0, 1, 2].map((i) => {
    const sr = Buffer.alloc(28 + 12);
    sr[0] = 0x80;
    sr[1] = 200;
    sr.writeUInt16BE(6, 2);
    sr.writeUInt32BE(ssrc, 4);
    randomBytes(20).copy(sr, 8);
    // SDES CNAME "ab" after the SR: a compound packet.
    sr[28] = 0x81;
    sr[29] = 202;
    sr.writeUInt16BE(2, 30);
    sr.writeUInt32BE(ssrc, 32);
    sr[36] = 1;
    sr[37] = 2;
    sr[38] = 0x61 + i;
    sr[39] = 0x62;
    return sr;
  });
}

describe.skipIf(!pionAvailable())('SRTP interop with Pion srtp', () => {
  let peer: ChildProcessWithoutNullStreams;
  let lines: AsyncIterator<string>;

  beforeAll(() => {
    peer = spawn(pionBinary('srtp-peer'), [], { stdio: ['pipe', 'pipe', 'pipe'] });
    lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  });

  afterAll(() => {
    peer?.kill('SIGKILL');
  });

  async function call(op: string, profile: number, key: Buffer, salt: Buffer, packets: Buffer[]): Promise<PeerResult[]> {
    peer.stdin.write(
      JSON.stringify({ op, profile, key: key.toString('hex'), salt: salt.toString('hex'), packets: packets.map((p) => p.toString('hex')) }) + '\n',
    );
    const { value } = await lines.next();
    const res = JSON.parse(value as string) as { results?: PeerResult[]; error?: string };
    if (res.error) throw new Error(res.error);
    return res.results ?? [];
  }

  for (const profile of PROFILES) {
    const spec = srtpProfileSpec(profile);

    it(`${spec.name}: tern protects, Pion unprotects (RTP across a wrap, RTCP)`, async () => {
      const key = randomBytes(spec.keyLength);
      const salt = randomBytes(spec.saltLength);
      const tern = new SrtpContext({ profile, masterKey: key, masterSalt: salt });
      const rtp = rtpPackets(0xcafe0001);
      const res = await call('unprotect_rtp', profile, key, salt, rtp.map((p) => tern.protectRtp(p)));
      expect(res.map((r) => r.error)).toEqual(rtp.map(() => undefined));
      expect(res.map((r) => r.data)).toEqual(rtp.map((p) => p.toString('hex')));
      const rtcp = rtcpPackets(0xcafe0001);
      const res2 = await call('unprotect_rtcp', profile, key, salt, rtcp.map((p) => tern.protectRtcp(p)));
      expect(res2.map((r) => r.data)).toEqual(rtcp.map((p) => p.toString('hex')));
    });

    it(`${spec.name}: Pion protects, tern unprotects (RTP across a wrap, RTCP)`, async () => {
      const key = randomBytes(spec.keyLength);
      const salt = randomBytes(spec.saltLength);
      const tern = new SrtpContext({ profile, masterKey: key, masterSalt: salt });
      const rtp = rtpPackets(0xbeef0002);
      const res = await call('protect_rtp', profile, key, salt, rtp);
      expect(res.every((r) => r.data !== undefined)).toBe(true);
      const protectedRtp = res.map((r) => Buffer.from(r.data!, 'hex'));
      expect(protectedRtp.map((p) => tern.unprotectRtp(p).toString('hex'))).toEqual(rtp.map((p) => p.toString('hex')));
      expect(tern.getRolloverCounter(0xbeef0002, 'inbound')).toBe(1);
      const rtcp = rtcpPackets(0xbeef0002);
      const res2 = await call('protect_rtcp', profile, key, salt, rtcp);
      const protectedRtcp = res2.map((r) => Buffer.from(r.data!, 'hex'));
      expect(protectedRtcp.map((p) => tern.unprotectRtcp(p).toString('hex'))).toEqual(rtcp.map((p) => p.toString('hex')));
      // Replays of Pion's packets are rejected by tern.
      expect(() => tern.unprotectRtp(protectedRtp[3]!)).toThrow(/replay/i);
    });

    it(`${spec.name}: Pion rejects a tern packet with a flipped tag bit`, async () => {
      const key = randomBytes(spec.keyLength);
      const salt = randomBytes(spec.saltLength);
      const tern = new SrtpContext({ profile, masterKey: key, masterSalt: salt });
      const p = Buffer.from(tern.protectRtp(rtpPackets(7)[0]!));
      p[p.length - 1]! ^= 1;
      const [r] = await call('unprotect_rtp', profile, key, salt, [p]);
      expect(r!.error).toBeDefined();
    });
  }
});
