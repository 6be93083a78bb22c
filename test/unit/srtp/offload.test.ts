import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { SettingEngine } from '../../../src/peerconnection/setting-engine.js';
import { srtpContextsFromDtls, srtpKeyingMaterialLength, type SrtpDtlsRole } from '../../../src/srtp/dtls-keying.js';
import { SrtpWorkerPool, type SrtpOffloadHandlers, type SrtpOffloadSession } from '../../../src/srtp/offload/srtp-worker-pool.js';
import { srtpProfileSpec } from '../../../src/srtp/profile-spec.js';
import { SrtpProtectionProfile } from '../../../src/srtp/protection-profile.js';
import { waitFor } from '../../support/pc.js';

function rtp(seq: number, ssrc = 0x1234): Buffer {
  const b = Buffer.alloc(12 + 200);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(seq * 3000, 4);
  b.writeUInt32BE(ssrc, 8);
  for (let i = 12; i < b.length; i++) b[i] = (seq + i) & 0xff;
  return b;
}

function rtcpSr(ssrc = 0x1234): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  return b;
}

/** Collects a session's results. */
function collector(): SrtpOffloadHandlers & { out: Buffer[]; rtpIn: Buffer[]; rtcpIn: Buffer[]; drops: string[] } {
  const c = {
    out: [] as Buffer[],
    rtpIn: [] as Buffer[],
    rtcpIn: [] as Buffer[],
    drops: [] as string[],
    protected: (p: Buffer) => c.out.push(Buffer.from(p)),
    rtp: (p: Buffer) => c.rtpIn.push(p),
    rtcp: (p: Buffer) => c.rtcpIn.push(p),
    dropped: (r: string) => c.drops.push(r),
  };
  return c;
}

const PROFILES = [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.AEAD_AES_128_GCM, SrtpProtectionProfile.AEAD_AES_256_GCM];

describe('SRTP on worker threads', () => {
  const pools: SrtpWorkerPool[] = [];
  afterEach(() => {
    for (const p of pools.splice(0)) p.close();
  });
  function pool(size = 1): SrtpWorkerPool {
    const p = new SrtpWorkerPool(size);
    pools.push(p);
    return p;
  }

  it.each(PROFILES.map((p) => [srtpProfileSpec(p).name, p] as const))('%s: protects byte for byte as the inline context does, and the peer role opens it again', async (_name, profile) => {
    const material = randomBytes(srtpKeyingMaterialLength(profile));
    const workers = pool();
    const keys = (role: SrtpDtlsRole) => ({ profile, keyingMaterial: material, role });
    const client = collector();
    const server = collector();
    const tx = workers.open(keys('client'), client);
    const rx = workers.open(keys('server'), server);
    const inline = srtpContextsFromDtls(profile, material, 'client');
    const sent = Array.from({ length: 50 }, (_, i) => rtp(65_500 + i)); // crosses a rollover
    for (const p of sent) expect(tx.protectRtp(p)).toBe(true);
    expect(tx.protectRtcp(rtcpSr())).toBe(true);
    await waitFor(() => client.out.length === 51);
    expect(client.out.slice(0, 50)).toEqual(sent.map((p) => inline.local.protectRtp(p)));
    expect(client.out[50]).toEqual(inline.local.protectRtcp(rtcpSr()));

    for (const p of client.out.slice(0, 50)) rx.unprotectRtp(p);
    rx.unprotectRtcp(client.out[50]!);
    await waitFor(() => server.rtpIn.length === 50 && server.rtcpIn.length === 1);
    expect(server.rtpIn).toEqual(sent);
    expect(server.rtcpIn[0]).toEqual(rtcpSr());
    expect(server.drops).toEqual([]);
    expect(workers.workerCount).toBe(1);
  });

  it('drops forged and replayed packets with the SRTP error code, and keeps going', async () => {
    const profile = SrtpProtectionProfile.AEAD_AES_128_GCM;
    const material = randomBytes(srtpKeyingMaterialLength(profile));
    const workers = pool();
    const client = collector();
    const server = collector();
    const tx = workers.open({ profile, keyingMaterial: material, role: 'client' }, client);
    const rx = workers.open({ profile, keyingMaterial: material, role: 'server' }, server);
    tx.protectRtp(rtp(1));
    tx.protectRtp(rtp(2));
    await waitFor(() => client.out.length === 2);
    const forged = Buffer.from(client.out[0]!);
    forged[forged.length - 1]! ^= 1;
    rx.unprotectRtp(forged);
    rx.unprotectRtp(client.out[0]!);
    rx.unprotectRtp(client.out[0]!);
    rx.unprotectRtp(client.out[1]!);
    await waitFor(() => server.rtpIn.length === 2);
    expect(server.drops).toEqual(['ERR_SRTP_AUTH', 'ERR_SRTP_REPLAY']);
    expect(server.rtpIn).toEqual([rtp(1), rtp(2)]);
  });

  it('starts workers up to its size, spreads sessions, and stops each worker with its last session', async () => {
    const profile = SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80;
    const keys = { profile, keyingMaterial: randomBytes(srtpKeyingMaterialLength(profile)), role: 'client' as const };
    const workers = pool(2);
    const results = [collector(), collector(), collector()];
    const sessions: SrtpOffloadSession[] = results.map((c) => workers.open(keys, c));
    expect(workers.workerCount).toBe(2);
    for (const s of sessions) s.protectRtp(rtp(7));
    await waitFor(() => results.every((c) => c.out.length === 1));
    sessions[0]!.close();
    expect(sessions[0]!.protectRtp(rtp(8))).toBe(false);
    sessions[1]!.close();
    expect(workers.workerCount).toBe(1);
    sessions[2]!.close();
    expect(workers.workerCount).toBe(0);
  });

  it('a closed session gets no results still in flight; closing the pool ends its sessions', async () => {
    const profile = SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80;
    const keys = { profile, keyingMaterial: randomBytes(srtpKeyingMaterialLength(profile)), role: 'client' as const };
    const workers = pool();
    const early = collector();
    const late = collector();
    const a = workers.open(keys, early);
    const b = workers.open(keys, late);
    a.protectRtp(rtp(1));
    a.close();
    b.protectRtp(rtp(1));
    await waitFor(() => late.out.length === 1);
    expect(early.out).toEqual([]);
    workers.close();
    expect(late.drops).toEqual(['srtp-worker-lost']);
    expect(b.closed).toBe(true);
    expect(workers.workerCount).toBe(0);
  });

  it('rejects bad worker counts at the call', () => {
    expect(() => new SrtpWorkerPool(0)).toThrow(InvalidArgumentError);
    expect(() => new SrtpWorkerPool(1.5)).toThrow(InvalidArgumentError);
    const settings = new SettingEngine();
    expect(() => settings.setSRTPWorkers(-1)).toThrow(InvalidArgumentError);
    expect(() => settings.setSRTPWorkers(65)).toThrow(InvalidArgumentError);
    settings.setSRTPWorkers(0);
    expect(settings.srtpWorkerPool()).toBeUndefined();
    settings.setSRTPWorkers(2);
    expect(settings.srtpWorkerPool()?.size).toBe(2);
  });
});
