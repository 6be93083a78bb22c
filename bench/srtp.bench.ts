/**
 * srtp-protect-unprotect-pkts-per-sec/{aes-cm-80,aead-aes-128-gcm}: one RTP
 * packet (12-byte header, 1200-byte payload) protected by one context and
 * unprotected (with replay check) by another, on one core.
 *   ours   tern SrtpContext (native ciphers when built; notes: the same on Node's crypto)
 *   werift werift-rtp SrtpSession (RTP header pre-parsed, as its sender holds it)
 *   pion   Pion srtp v2 (test/interop/pion/srtp-bench, GOMAXPROCS=1)
 *   bare   node:crypto doing only the cipher work per packet, the way a plain
 *          implementation would: GCM a new cipher + decipher object per packet;
 *          AES-CM a new aes-128-ctr object each way plus HMAC-SHA1 to tag and to verify.
 * Contenders run in alternating batches of 100 packets for about 5 s in
 * all; a batch's rate is packets per CPU-second of the process (user +
 * system, GC threads included), so other load on the shared 2-core machine
 * skews the comparison less than wall time would; medians over batches.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { RtpPacket as WeriftRtpPacket, SrtpSession } from 'werift-rtp';
import { srtpProfileSpec } from '../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../src/srtp/protection-profile.js';
import { nativeSrtpStatus } from '../src/srtp/native/binding.js';
import { SrtpContext } from '../src/srtp/srtp-context.js';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { interleavedRates } from './interleaved.js';
import { median, round } from './stats.js';
import type { Bench, BenchResult } from './types.js';

const PAYLOAD = 1200;
const ROUNDS = 21;
const RUN_MS = 80;
const BATCH = 100;


function makePacket(): Buffer {
  const p = Buffer.alloc(12 + PAYLOAD);
  randomBytes(PAYLOAD).copy(p, 12);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt32BE(0x1234, 8);
  return p;
}


function oursStep(profile: SrtpProtectionProfile, cipherBackend: 'auto' | 'node' = 'auto'): () => void {
  const spec = srtpProfileSpec(profile);
  const masterKey = randomBytes(spec.keyLength);
  const masterSalt = randomBytes(spec.saltLength);
  const tx = new SrtpContext({ profile, masterKey, masterSalt, cipherBackend });
  const rx = new SrtpContext({ profile, masterKey, masterSalt, cipherBackend });
  const p = makePacket();
  let seq = 0;
  return () => {
    seq = (seq + 1) & 0xffff;
    p[2] = seq >>> 8;
    p[3] = seq & 0xff;
    rx.unprotectRtp(tx.protectRtp(p));
  };
}

function weriftStep(profile: SrtpProtectionProfile): () => void {
  const spec = srtpProfileSpec(profile);
  const key = randomBytes(spec.keyLength);
  const salt = randomBytes(spec.saltLength);
  const other = randomBytes(spec.keyLength);
  const otherSalt = randomBytes(spec.saltLength);
  const tx = new SrtpSession({
    keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: other, remoteMasterSalt: otherSalt },
    profile: profile as 1 | 7,
  });
  const rx = new SrtpSession({
    keys: { localMasterKey: other, localMasterSalt: otherSalt, remoteMasterKey: key, remoteMasterSalt: salt },
    profile: profile as 1 | 7,
  });
  const parsed = WeriftRtpPacket.deSerialize(makePacket());
  let seq = 0;
  return () => {
    seq = (seq + 1) & 0xffff;
    parsed.header.sequenceNumber = seq;
    rx.decrypt(tx.encrypt(parsed.payload, parsed.header));
  };
}

function bareStep(profile: SrtpProtectionProfile): () => void {
  const p = makePacket();
  const header = p.subarray(0, 12);
  const payload = p.subarray(12);
  if (profile === SrtpProtectionProfile.AEAD_AES_128_GCM) {
    const key = randomBytes(16);
    const iv = Buffer.alloc(12);
    let i = 0;
    return () => {
      iv.writeUInt32BE(i++ >>> 0, 8);
      const c = createCipheriv('aes-128-gcm', key, iv);
      c.setAAD(header);
      const sealed = c.update(payload);
      c.final();
      const tag = c.getAuthTag();
      const d = createDecipheriv('aes-128-gcm', key, iv);
      d.setAAD(header);
      d.setAuthTag(tag);
      d.update(sealed);
      d.final();
    };
  }
  const key = randomBytes(16);
  const authKey = randomBytes(20);
  const iv = Buffer.alloc(16);
  const roc = Buffer.alloc(4);
  let i = 0;
  return () => {
    iv.writeUInt32BE(i++ >>> 0, 8);
    const enc = createCipheriv('aes-128-ctr', key, iv).update(payload);
    createHmac('sha1', authKey).update(header).update(enc).update(roc).digest();
    createHmac('sha1', authKey).update(header).update(enc).update(roc).digest();
    createCipheriv('aes-128-ctr', key, iv).update(enc);
  };
}

function pionFigure(profile: SrtpProtectionProfile): number | null {
  if (!pionAvailable()) return null;
  try {
    const out = execFileSync(pionBinary('srtp-bench'), ['-profile', String(profile), '-ms', String(RUN_MS), '-runs', String(ROUNDS)], {
      encoding: 'utf8',
      env: { ...process.env, GOMAXPROCS: '1' },
      timeout: 60_000,
    });
    const { pktsPerCpuSec } = JSON.parse(out) as { pktsPerCpuSec: number[] };
    return median(pktsPerCpuSec);
  } catch (err) {
    console.error('pion srtp-bench failed:', err);
    return null;
  }
}

async function runProfile(name: string, profile: SrtpProtectionProfile): Promise<BenchResult> {
  const steps = { ours: oursStep(profile), oursNode: oursStep(profile, 'node'), werift: weriftStep(profile), bare: bareStep(profile) };
  // Fine-grained interleaving: one batch of each contender in turn, so load
  // from other processes on the shared machine hits all of them alike.
  const { ours, oursNode, werift, bare } = interleavedRates(steps, { warmup: 2000, rounds: ROUNDS, runMs: RUN_MS, batch: BATCH });
  const pion = pionFigure(profile);
  return {
    bench: `srtp-protect-unprotect-pkts-per-sec/${name}`,
    unit: 'pkt/cpu-s',
    better: 'higher',
    ours: round(ours),
    werift: round(werift),
    pion: pion === null ? null : round(pion),
    bare: round(bare),
    notes: {
      oursVsWerift: round(ours / werift, 3),
      oursVsBare: round(ours / bare, 3),
      usPerPacketOurs: round(1e6 / ours, 3),
      cipherBackend: nativeSrtpStatus().loaded ? 'native' : 'node',
      ours_node_crypto: round(oursNode),
      payloadBytes: PAYLOAD,
      bareMeans: profile === SrtpProtectionProfile.AEAD_AES_128_GCM ? 'new GCM cipher+decipher per packet' : 'new aes-128-ctr per direction + HMAC-SHA1 tag and verify',
    },
  };
}

export const benches: Bench[] = [
  {
    name: 'srtp-protect-unprotect-pkts-per-sec',
    async run() {
      const gcm = await runProfile('aead-aes-128-gcm', SrtpProtectionProfile.AEAD_AES_128_GCM);
      const cm = await runProfile('aes-cm-80', SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80);
      return [cm, gcm];
    },
  },
];
