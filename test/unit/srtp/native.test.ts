import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { nativeSrtp, nativeSrtpStatus, type NativeSrtpKey } from '../../../src/srtp/native/binding.js';
import { SrtpProtectionProfile } from '../../../src/srtp/protection-profile.js';
import { SrtpContext, type SrtpContextOptions } from '../../../src/srtp/srtp-context.js';
import { expectNativeLoaded, SRTP_BACKENDS } from '../../support/srtp-backends.js';

const native = SRTP_BACKENDS.includes('native');

describe('native SRTP accelerator', () => {
  it.runIf(native)('is built and loaded, and contexts use it by default', () => {
    expectNativeLoaded();
    expect(nativeSrtpStatus().path).toMatch(/tern_srtp\.node$/);
    const ctx = new SrtpContext({ profile: SrtpProtectionProfile.AEAD_AES_128_GCM, masterKey: randomBytes(16), masterSalt: randomBytes(12) });
    expect(ctx.cipherBackend).toBe('native');
  });

  it('honours cipherBackend and rejects an unknown one at the call', () => {
    const opts: SrtpContextOptions = { profile: SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, masterKey: randomBytes(16), masterSalt: randomBytes(14) };
    expect(new SrtpContext({ ...opts, cipherBackend: 'node' }).cipherBackend).toBe('node');
    expect(() => new SrtpContext({ ...opts, cipherBackend: 'fast' as 'node' })).toThrow(InvalidArgumentError);
  });

  it.runIf(native)('checks every length and argument natively, throwing instead of touching memory', () => {
    const n = nativeSrtp()!;
    const gcm = n.createKey(true, randomBytes(16), randomBytes(12), Buffer.alloc(0));
    const cm = n.createKey(false, randomBytes(16), randomBytes(14), randomBytes(20));
    const pkt = Buffer.alloc(100, 1);
    pkt[0] = 0x80;
    expect(() => n.createKey(true, randomBytes(15), randomBytes(12), Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.createKey(false, randomBytes(16), randomBytes(12), randomBytes(20))).toThrow(RangeError);
    // Output buffers of the wrong size, headers longer than the packet, short packets, bad tag lengths.
    expect(() => n.gcmProtectRtp(gcm, pkt, 12, 1, 0, 1, 16, Buffer.alloc(100))).toThrow(RangeError);
    expect(() => n.gcmProtectRtp(gcm, pkt, 101, 1, 0, 1, 16, Buffer.alloc(116))).toThrow(RangeError);
    expect(() => n.gcmUnprotectRtp(gcm, Buffer.alloc(10), 0, 1, 0, 1, 16, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.gcmUnprotectRtcp(gcm, Buffer.alloc(20), 1, 1, true, 16, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.gcmProtectRtcp(gcm, pkt, 1, 0x80000000, true, 16, Buffer.alloc(120))).toThrow(RangeError);
    expect(() => n.cmProtectRtp(cm, pkt, 12, 1, 0, 1, 3, Buffer.alloc(103))).toThrow(RangeError);
    expect(() => n.cmUnprotectRtp(cm, Buffer.alloc(8), 12, 1, 0, 1, 10, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.cmUnprotectRtcp(cm, Buffer.alloc(12), 1, 1, true, 10, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.gcmProtectRtp(gcm, Buffer.alloc(2 << 20), 12, 1, 0, 1, 16, Buffer.alloc((2 << 20) + 16))).toThrow(RangeError);
    // Wrong kinds of argument.
    expect(() => n.cmProtectRtp(gcm, pkt, 12, 1, 0, 1, 10, Buffer.alloc(110))).toThrow(TypeError);
    expect(() => n.gcmProtectRtp(gcm, pkt, 12, 1, 0, 1, 10, Buffer.alloc(110))).toThrow(RangeError); // GCM tags are 16 bytes
    // Output that partly overlaps the input.
    expect(() => n.gcmUnprotectRtp(gcm, pkt, 12, 1, 0, 1, 16, pkt.subarray(1, 85))).toThrow(RangeError);
    expect(() => n.gcmProtectRtp({} as NativeSrtpKey, pkt, 12, 1, 0, 1, 16, Buffer.alloc(116))).toThrow(TypeError);
    expect(() => n.gcmProtectRtp(gcm, 'x' as unknown as Buffer, 12, 1, 0, 1, 16, Buffer.alloc(116))).toThrow(TypeError);
    // Valid calls still work after the rejected ones.
    const out = Buffer.alloc(116);
    n.gcmProtectRtp(gcm, pkt, 12, 1, 0, 1, 16, out);
    const back = Buffer.alloc(100);
    expect(n.gcmUnprotectRtp(gcm, out, 12, 1, 0, 1, 16, back)).toBe(true);
    expect(back).toEqual(pkt);
    out[50]! ^= 1;
    expect(n.gcmUnprotectRtp(gcm, out, 12, 1, 0, 1, 16, back)).toBe(false);
  });
});

describe('native SRTP build and switch', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

  it('a failed build says so in one line and leaves the install working, unless required', () => {
    const soft = run(['scripts/build-native.mjs'], { CC: '/bin/false' });
    expect(soft.status).toBe(0);
    expect(soft.stdout).toMatch(/not built .*SRTP uses Node's crypto/);
    const hard = run(['scripts/build-native.mjs', '--require'], { CC: '/bin/false' });
    expect(hard.status).toBe(1);
    expect(hard.stderr).toMatch(/not built/);
  });

  it('TERN_SRTP_NATIVE=0 keeps every context on Node crypto', () => {
    const script = `
      const { nativeSrtpStatus } = await import('./src/srtp/native/binding.ts');
      const { SrtpContext } = await import('./src/srtp/srtp-context.ts');
      // profile 7: AEAD_AES_128_GCM (RFC 7714 §14.2)
      const ctx = new SrtpContext({ profile: 7, masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(12) });
      console.log(JSON.stringify({ status: nativeSrtpStatus(), backend: ctx.cipherBackend }));`;
    const r = run(['--import', 'tsx', '--input-type=module', '-e', script], { TERN_SRTP_NATIVE: '0' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: { loaded: boolean; reason: string }; backend: string };
    expect(out).toEqual({ status: { loaded: false, reason: 'disabled by TERN_SRTP_NATIVE=0' }, backend: 'node' });
  });
});
