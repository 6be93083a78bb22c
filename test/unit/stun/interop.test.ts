import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Message as WeriftMessage, parseMessage as weriftParse, classes, methods } from 'werift-ice';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { pionAvailable, pionBinary } from '../../support/pion.js';
import {
  newTransactionId,
  shortTermKey,
  StunClass,
  StunMessage,
  StunMethod,
} from '../../../src/stun/index.js';

const PASSWORD = 'interop-password-0123456789';
const KEY = shortTermKey(PASSWORD);
const rng = new SeededRng(7064);

function ourBindingRequest(): Buffer {
  return new StunMessage(StunMethod.Binding, StunClass.Request, newTransactionId(rng))
    .setUsername('remote:local')
    .setPriority(1853817087)
    .setIceControlling(0x0123456789abcdefn)
    .setUseCandidate()
    .encode({ integrityKey: KEY, fingerprint: true });
}

function ourResponses(): Buffer[] {
  const id = () => newTransactionId(rng);
  return [
    new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, id())
      .setXorMappedAddress({ address: '192.0.2.33', port: 40000 })
      .encode({ integrityKey: KEY, fingerprint: true }),
    new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, id())
      .setXorMappedAddress({ address: '2001:db8::42', port: 40001 })
      .encode({ integrityKey: KEY, fingerprint: true }),
    new StunMessage(StunMethod.Binding, StunClass.ErrorResponse, id())
      .setErrorCode(487, 'Role Conflict')
      .encode({ integrityKey: KEY, fingerprint: true }),
  ];
}

describe.skipIf(!pionAvailable())('interop with Pion (github.com/pion/stun)', () => {
  const bin = pionAvailable() ? pionBinary('stun-bench') : '';
  const run = (args: string[], input = ''): Record<string, unknown>[] =>
    execFileSync(bin, args, { input, encoding: 'utf8', timeout: 30_000 })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('Pion reads and verifies our messages', () => {
    const msgs = [ourBindingRequest(), ...ourResponses()];
    const out = run(['-mode', 'check', '-password', PASSWORD], msgs.map((m) => m.toString('hex')).join('\n') + '\n');
    expect(out[0]).toMatchObject({
      type: 'Binding request',
      username: 'remote:local',
      priority: 1853817087,
      controlling: String(0x0123456789abcdefn),
      useCandidate: true,
      integrity: true,
      fingerprint: true,
    });
    expect(out[1]).toMatchObject({ type: 'Binding success response', xorMapped: '192.0.2.33:40000', integrity: true, fingerprint: true });
    expect(out[2]).toMatchObject({ xorMapped: '[2001:db8::42]:40001', integrity: true, fingerprint: true });
    expect(out[3]).toMatchObject({ type: 'Binding error response', errorCode: 487, reason: 'Role Conflict', integrity: true, fingerprint: true });
  });

  it('we read and verify Pion-built messages', () => {
    const byName = new Map(run(['-mode', 'encode', '-password', PASSWORD]).map((o) => [o['name'] as string, Buffer.from(o['hex'] as string, 'hex')]));
    const req = StunMessage.decode(byName.get('binding-request')!);
    expect([req.verifyIntegrity(KEY), req.verifyFingerprint()]).toEqual([true, true]);
    expect([req.getUsername(), req.getPriority(), req.getIceControlling(), req.hasUseCandidate()]).toEqual([
      'remote:local',
      1853817087,
      0x0123456789abcdefn,
      true,
    ]);
    const v4 = StunMessage.decode(byName.get('success-v4')!);
    expect([v4.verifyIntegrity(KEY), v4.verifyFingerprint()]).toEqual([true, true]);
    expect(v4.getXorMappedAddress()).toEqual({ address: '192.0.2.33', port: 40000 });
    const v6 = StunMessage.decode(byName.get('success-v6')!);
    expect([v6.verifyIntegrity(KEY), v6.verifyFingerprint()]).toEqual([true, true]);
    expect(v6.getXorMappedAddress()).toEqual({ address: '2001:db8::42', port: 40001 });
    const err = StunMessage.decode(byName.get('error-487')!);
    expect([err.verifyIntegrity(KEY), err.verifyFingerprint()]).toEqual([true, true]);
    expect(err.getErrorCode()).toEqual({ code: 487, reason: 'Role Conflict' });
    // Byte-identical when we build the same message (Pion pads with zeros too).
    expect(
      new StunMessage(StunMethod.Binding, StunClass.Request, Buffer.from(req.transactionId))
        .setUsername('remote:local')
        .setPriority(1853817087)
        .setIceControlling(0x0123456789abcdefn)
        .setUseCandidate()
        .encode({ integrityKey: KEY, fingerprint: true })
        .equals(byName.get('binding-request')!),
    ).toBe(true);
  });
});

describe('browser captures shipped with Pion (Chrome, Firefox)', () => {
  const dir = '/usr/share/gocode/src/github.com/pion/stun/testdata';
  it.skipIf(!existsSync(`${dir}/frombrowsers.csv`))('decodes every captured message and checks fingerprints', () => {
    const lines = readFileSync(`${dir}/frombrowsers.csv`, 'utf8').trim().split('\n').slice(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const b64 = line.split(',')[1]!;
      const m = StunMessage.decode(Buffer.from(b64, 'base64'));
      expect(m.method).toBe(StunMethod.Binding);
      if (m.hasAttr(0x8028)) expect(m.verifyFingerprint()).toBe(true);
    }
    const chrome = StunMessage.decode(readFileSync(`${dir}/ex1_chrome.stun`));
    expect(chrome.method).toBe(StunMethod.Binding);
    expect(chrome.unknownComprehensionRequired()).toEqual([]);
  });
});

describe('interop with werift-ice', () => {
  it('werift parses and authenticates our messages', () => {
    const req = weriftParse(ourBindingRequest(), KEY);
    expect(req).toBeDefined();
    expect(req!.getAttributeValue('USERNAME')).toBe('remote:local');
    expect(req!.getAttributeValue('PRIORITY')).toBe(1853817087);
    expect(req!.getAttributeValue('ICE-CONTROLLING')).toBe(0x0123456789abcdefn);
    const [v4, v6, e] = ourResponses().map((b) => weriftParse(b, KEY));
    expect(v4!.getAttributeValue('XOR-MAPPED-ADDRESS')).toEqual(['192.0.2.33', 40000]);
    expect(v6!.getAttributeValue('XOR-MAPPED-ADDRESS')).toEqual(['2001:db8::42', 40001]);
    expect(e!.getAttributeValue('ERROR-CODE')).toEqual([487, 'Role Conflict']);
  });

  it('we parse and authenticate werift-built messages', () => {
    const tid = newTransactionId(rng);
    const w = new WeriftMessage(methods.BINDING, classes.REQUEST, tid)
      .setAttribute('USERNAME', 'remote:local')
      .setAttribute('PRIORITY', 1853817087)
      .setAttribute('ICE-CONTROLLED', 42n)
      .setAttribute('USE-CANDIDATE', null)
      .addMessageIntegrity(KEY)
      .addFingerprint();
    const m = StunMessage.decode(w.bytes);
    expect(m.transactionId.equals(tid)).toBe(true);
    expect([m.verifyIntegrity(KEY), m.verifyFingerprint()]).toEqual([true, true]);
    expect([m.getUsername(), m.getPriority(), m.getIceControlled(), m.hasUseCandidate()]).toEqual(['remote:local', 1853817087, 42n, true]);
    const r = new WeriftMessage(methods.BINDING, classes.RESPONSE, newTransactionId(rng))
      .setAttribute('XOR-MAPPED-ADDRESS', ['2001:db8::7', 9])
      .addMessageIntegrity(KEY)
      .addFingerprint();
    const d = StunMessage.decode(r.bytes);
    expect([d.verifyIntegrity(KEY), d.verifyFingerprint()]).toEqual([true, true]);
    expect(d.getXorMappedAddress()).toEqual({ address: '2001:db8::7', port: 9 });
  });
});
