import { createHash, createHmac } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import {
  buildErrorResponse,
  buildSuccessResponse,
  isStunMessage,
  longTermKey,
  newTransactionId,
  opaqueString,
  shortTermKey,
  StunAttr,
  StunClass,
  StunDecodeError,
  StunErrorCode,
  StunIntegrityKey,
  StunMessage,
  StunMethod,
  stunMessageType,
} from '../../../src/stun/index.js';
import { crc32Table } from '../../../src/stun/fingerprint.js';
import { crc32 } from '../../../src/stun/index.js';

const rng = new SeededRng(42);

function roundTrip(m: StunMessage, key?: Buffer): StunMessage {
  const out = StunMessage.decode(m.encode({ fingerprint: true, ...(key ? { integrityKey: key } : {}) }));
  expect(out.verifyFingerprint()).toBe(true);
  if (key) expect(out.verifyIntegrity(key)).toBe(true);
  return out;
}

function expectDecodeError(data: Uint8Array, message?: RegExp): void {
  let err: unknown;
  try {
    StunMessage.decode(data);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StunDecodeError);
  expect((err as StunDecodeError).code).toBe('ERR_STUN_DECODE');
  if (message) expect((err as Error).message).toMatch(message);
}

describe('message type encoding (RFC 8489 §5)', () => {
  it('interleaves method and class bits', () => {
    expect(stunMessageType(StunMethod.Binding, StunClass.Request)).toBe(0x0001);
    expect(stunMessageType(StunMethod.Binding, StunClass.Indication)).toBe(0x0011);
    expect(stunMessageType(StunMethod.Binding, StunClass.SuccessResponse)).toBe(0x0101);
    expect(stunMessageType(StunMethod.Binding, StunClass.ErrorResponse)).toBe(0x0111);
    expect(stunMessageType(StunMethod.Allocate, StunClass.ErrorResponse)).toBe(0x0113);
    expect(stunMessageType(StunMethod.Send, StunClass.Indication)).toBe(0x0016);
    expect(stunMessageType(StunMethod.Data, StunClass.Indication)).toBe(0x0017);
  });

  it('round-trips every method and class', () => {
    for (let method = 0; method <= 0xfff; method += 0x7b) {
      for (const cls of [0, 1, 2, 3] as const) {
        const m = StunMessage.decode(new StunMessage(method, cls, newTransactionId(rng)).encode());
        expect([m.method, m.messageClass]).toEqual([method, cls]);
      }
    }
  });
});

describe('typed accessors round-trip', () => {
  const id = () => newTransactionId(rng);

  it('ICE attributes', () => {
    const m = new StunMessage(StunMethod.Binding, StunClass.Request, id())
      .setUsername('abcd:efgh')
      .setPriority(0xfffffffe)
      .setIceControlling(0xfedcba9876543210n)
      .setIceControlled(1n)
      .setUseCandidate()
      .setSoftware('tern-rtc ✓');
    const d = roundTrip(m, shortTermKey('password-password-password'));
    expect(d.getUsername()).toBe('abcd:efgh');
    expect(d.getPriority()).toBe(0xfffffffe);
    expect(d.getIceControlling()).toBe(0xfedcba9876543210n);
    expect(d.getIceControlled()).toBe(1n);
    expect(d.hasUseCandidate()).toBe(true);
    expect(d.getSoftware()).toBe('tern-rtc ✓');
    expect(d.hasAttr(StunAttr.MessageIntegrity)).toBe(true);
    const bare = roundTrip(new StunMessage(StunMethod.Binding, StunClass.Request, id()));
    expect(bare.getUsername()).toBeUndefined();
    expect(bare.getPriority()).toBeUndefined();
    expect(bare.getIceControlling()).toBeUndefined();
    expect(bare.hasUseCandidate()).toBe(false);
    expect(bare.verifyIntegrity(Buffer.from('x'))).toBe(false);
  });

  it('addresses, IPv4 and IPv6, XOR and plain', () => {
    const addrs = [
      { address: '192.0.2.1', port: 32853 },
      { address: '0.0.0.0', port: 0 },
      { address: '255.255.255.255', port: 65535 },
      { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 1 },
      { address: '::1', port: 5000 },
      { address: '::', port: 5000 },
      { address: 'fe80::1', port: 9 },
      { address: '::ffff:192.0.2.7', port: 9 },
      { address: '2001:db8::', port: 443 },
    ];
    for (const a of addrs) {
      const m = new StunMessage(StunMethod.Allocate, StunClass.SuccessResponse, id())
        .setXorMappedAddress(a)
        .setMappedAddress(a)
        .setXorRelayedAddress(a)
        .addXorPeerAddress(a)
        .addXorPeerAddress({ address: '10.0.0.1', port: 7 })
        .setAlternateServer(a);
      const d = roundTrip(m);
      expect(d.getXorMappedAddress()).toEqual(a);
      expect(d.getMappedAddress()).toEqual(a);
      expect(d.getXorRelayedAddress()).toEqual(a);
      expect(d.getXorRelayedAddresses()).toEqual([a]);
      expect(d.getXorPeerAddress()).toEqual(a);
      expect(d.getXorPeerAddresses()).toEqual([a, { address: '10.0.0.1', port: 7 }]);
      expect(d.getAlternateServer()).toEqual(a);
    }
  });

  it('normalizes IPv6 text (RFC 5952) and ignores zone IDs', () => {
    const m = new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, id());
    expect(m.setXorMappedAddress({ address: '2001:DB8:0:0:0:0:0:1', port: 1 }).getXorMappedAddress()?.address).toBe('2001:db8::1');
    expect(m.setXorMappedAddress({ address: 'fe80::1%eth0', port: 1 }).getXorMappedAddress()?.address).toBe('fe80::1');
    expect(m.setXorMappedAddress({ address: '1:0:0:2:0:0:0:3', port: 1 }).getXorMappedAddress()?.address).toBe('1:0:0:2::3');
    expect(m.setXorMappedAddress({ address: '1:0:2:3:4:5:6:7', port: 1 }).getXorMappedAddress()?.address).toBe('1:0:2:3:4:5:6:7');
    expect(m.setXorMappedAddress({ address: '::1.2.3.4', port: 1 }).getXorMappedAddress()?.address).toBe('::102:304');
    expect(() => m.setXorMappedAddress({ address: 'example.org', port: 1 })).toThrow(/not an IP/);
    expect(() => m.setXorMappedAddress({ address: '1.2.3.4', port: 70000 })).toThrow(/port/);
    expect(() => m.setXorMappedAddress({ address: '1::2::3', port: 1 })).toThrow(/not an IP/);
    expect(() => m.setXorMappedAddress({ address: '01.2.3.4', port: 1 })).toThrow(/not an IP/);
  });

  it('error code, unknown attributes, realm, nonce', () => {
    const m = new StunMessage(StunMethod.Allocate, StunClass.ErrorResponse, id())
      .setErrorCode(420)
      .setUnknownAttributes([0x0003, 0x7fff])
      .setRealm('example.org')
      .setNonce('nonce-value');
    const d = roundTrip(m);
    expect(d.getErrorCode()).toEqual({ code: 420, reason: 'Unknown Attribute' });
    expect(d.getUnknownAttributes()).toEqual([0x0003, 0x7fff]);
    expect(d.getRealm()).toBe('example.org');
    expect(d.getNonce()).toBe('nonce-value');
    expect(roundTrip(new StunMessage(1, 3, id()).setErrorCode(699, 'Custom')).getErrorCode()).toEqual({ code: 699, reason: 'Custom' });
    expect(() => m.setErrorCode(200)).toThrow();
    expect(roundTrip(new StunMessage(1, 2, id())).getUnknownAttributes()).toEqual([]);
  });

  it('TURN attributes', () => {
    const token = Buffer.from('0102030405060708', 'hex');
    const m = new StunMessage(StunMethod.Allocate, StunClass.Request, id())
      .setLifetime(600)
      .setRequestedTransport(17)
      .setRequestedAddressFamily(6)
      .setDontFragment()
      .setEvenPort(true)
      .setReservationToken(token)
      .setChannelNumber(0x4001)
      .setData(Buffer.from('hello'))
      .setConnectionId(0xdeadbeef);
    const d = roundTrip(m, longKey());
    expect(d.getLifetime()).toBe(600);
    expect(d.getRequestedTransport()).toBe(17);
    expect(d.getRequestedAddressFamily()).toBe(6);
    expect(d.hasDontFragment()).toBe(true);
    expect(d.getEvenPort()).toEqual({ reserveNext: true });
    expect(d.getReservationToken()?.equals(token)).toBe(true);
    expect(d.getChannelNumber()).toBe(0x4001);
    expect(d.getData()?.toString()).toBe('hello');
    expect(d.getConnectionId()).toBe(0xdeadbeef);
    expect(roundTrip(new StunMessage(3, 0, id()).setEvenPort()).getEvenPort()).toEqual({ reserveNext: false });
    expect(roundTrip(new StunMessage(3, 0, id()).setRequestedAddressFamily(4)).getRequestedAddressFamily()).toBe(4);
    expect(() => m.setReservationToken(Buffer.alloc(4))).toThrow();
    expect(() => m.setChannelNumber(0x10000)).toThrow();
    expect(() => m.setLifetime(-1)).toThrow();
  });

  it('setters replace, add* appends, removeAttr removes', () => {
    const m = new StunMessage(1, 0, id()).setUsername('a').setUsername('b').setPriority(1).setPriority(2);
    expect(m.attributes.map((a) => a.type)).toEqual([StunAttr.Username, StunAttr.Priority]);
    expect(m.getUsername()).toBe('b');
    m.addAttr(0x7000, Buffer.from([1])).addAttr(0x7000, Buffer.from([2]));
    expect(m.getAttrs(0x7000).map((b) => b[0])).toEqual([1, 2]);
    m.removeAttr(0x7000);
    expect(m.hasAttr(0x7000)).toBe(false);
  });

  it('rejects constructor misuse', () => {
    expect(() => new StunMessage(1, 0, Buffer.alloc(11))).toThrow(/12 bytes/);
    expect(() => new StunMessage(0x1000, 0, Buffer.alloc(12))).toThrow(/method/);
    expect(() => new StunMessage(1, 0, Buffer.alloc(12)).addAttr(0x10000, Buffer.alloc(0))).toThrow();
  });
});

function longKey(): Buffer {
  return Buffer.from('00112233445566778899aabbccddeeff', 'hex');
}

describe('unknown attributes and 420 (RFC 8489 §7.3.1)', () => {
  it('keeps unknown attributes and lists only comprehension-required ones', () => {
    const m = new StunMessage(StunMethod.Binding, StunClass.Request, newTransactionId(rng))
      .addAttr(0x0003, Buffer.from([0, 0, 0, 4])) // CHANGE-REQUEST (RFC 5780): not implemented
      .addAttr(0x7777, Buffer.from('abc'))
      .addAttr(0x0003, Buffer.from([0, 0, 0, 0]))
      .addAttr(0xc001, Buffer.from('optional'));
    const d = roundTrip(m);
    expect(d.attributes.map((a) => a.type)).toEqual([0x0003, 0x7777, 0x0003, 0xc001, StunAttr.Fingerprint]);
    expect(d.getAttr(0x7777)?.toString()).toBe('abc');
    expect(d.getAttr(0xc001)?.toString()).toBe('optional');
    expect(d.unknownComprehensionRequired()).toEqual([0x0003, 0x7777]);
    const err = buildErrorResponse(d, StunErrorCode.UnknownAttribute, 'Unknown Attribute', { software: 'tern' });
    const e = roundTrip(err);
    expect(e.messageClass).toBe(StunClass.ErrorResponse);
    expect(e.transactionId.equals(d.transactionId)).toBe(true);
    expect(e.getErrorCode()).toEqual({ code: 420, reason: 'Unknown Attribute' });
    expect(e.getUnknownAttributes()).toEqual([0x0003, 0x7777]);
    expect(e.getSoftware()).toBe('tern');
  });

  it('builds 401 challenges and success responses', () => {
    const req = new StunMessage(StunMethod.Allocate, StunClass.Request, newTransactionId(rng));
    const e = roundTrip(buildErrorResponse(req, 401, 'Unauthorized', { realm: 'r', nonce: 'n' }));
    expect([e.getRealm(), e.getNonce(), e.hasAttr(StunAttr.UnknownAttributes)]).toEqual(['r', 'n', false]);
    const ok = buildSuccessResponse(req).setXorMappedAddress({ address: '1.2.3.4', port: 5 });
    const d = roundTrip(ok);
    expect([d.method, d.messageClass]).toEqual([StunMethod.Allocate, StunClass.SuccessResponse]);
    expect(d.getXorMappedAddress()).toEqual({ address: '1.2.3.4', port: 5 });
  });
});

describe('integrity rules (RFC 8489 §14.5–§14.7)', () => {
  const key = shortTermKey('the-password');

  it('ignores attributes after MESSAGE-INTEGRITY except FINGERPRINT', () => {
    const m = new StunMessage(StunMethod.Binding, StunClass.Request, newTransactionId(rng)).setUsername('u:v');
    const signed = m.encode({ integrityKey: key });
    // Append a PRIORITY after MESSAGE-INTEGRITY, then a FINGERPRINT.
    const extra = Buffer.concat([signed, Buffer.from('002400040000000a', 'hex')]);
    extra.writeUInt16BE(extra.length - 20, 2);
    const d1 = StunMessage.decode(extra);
    expect(d1.getPriority()).toBeUndefined();
    expect(d1.verifyIntegrity(key)).toBe(true);
    const withFp = Buffer.concat([extra, Buffer.alloc(8)]);
    withFp.writeUInt16BE(withFp.length - 20, 2);
    withFp.writeUInt32BE(0x80280004, withFp.length - 8);
    withFp.writeUInt32BE((crc32(withFp.subarray(0, withFp.length - 8)) ^ 0x5354554e) >>> 0, withFp.length - 4);
    const d2 = StunMessage.decode(withFp);
    expect(d2.verifyIntegrity(key)).toBe(true);
    expect(d2.verifyFingerprint()).toBe(true);
    expect(d2.attributes.map((a) => a.type)).toEqual([StunAttr.Username, StunAttr.MessageIntegrity, StunAttr.Fingerprint]);
  });

  it('ignores attributes after FINGERPRINT and checks it with the length ending there', () => {
    const m = new StunMessage(1, 0, newTransactionId(rng)).setUsername('a:b').encode({ fingerprint: true });
    const extra = Buffer.concat([m, Buffer.from('002400040000000a', 'hex')]);
    extra.writeUInt16BE(extra.length - 20, 2);
    const d = StunMessage.decode(extra);
    expect(d.verifyFingerprint()).toBe(true);
    expect(d.getPriority()).toBeUndefined();
  });

  it('detects any flipped bit', () => {
    const data = new StunMessage(1, 0, newTransactionId(rng)).setUsername('user:frag').setPriority(5).encode({ integrityKey: key, fingerprint: true });
    for (let i = 0; i < data.length * 8; i += 3) {
      const c = Buffer.from(data);
      c[i >> 3]! ^= 1 << (i & 7);
      let d: StunMessage;
      try {
        d = StunMessage.decode(c);
      } catch (e) {
        expect(e).toBeInstanceOf(StunDecodeError);
        continue;
      }
      expect(d.verifyIntegrity(key) && d.verifyFingerprint()).toBe(false);
    }
  });

  it('MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY', () => {
    const m = new StunMessage(StunMethod.Allocate, StunClass.Request, newTransactionId(rng)).setUsername('x');
    const d = StunMessage.decode(m.encode({ integrityKey: key, integritySha256Key: key, fingerprint: true }));
    expect(d.attributes.map((a) => a.type)).toEqual([
      StunAttr.Username,
      StunAttr.MessageIntegrity,
      StunAttr.MessageIntegritySha256,
      StunAttr.Fingerprint,
    ]);
    expect(d.verifyIntegrity(key)).toBe(true);
    expect(d.verifyIntegritySha256(key)).toBe(true);
    expect(d.verifyIntegritySha256(shortTermKey('nope'))).toBe(false);
    expect(d.verifyFingerprint()).toBe(true);
    expect(StunMessage.decode(m.encode()).verifyIntegritySha256(key)).toBe(false);
  });

  it('re-encoding a decoded message recomputes the trailer attributes', () => {
    const first = StunMessage.decode(new StunMessage(1, 0, newTransactionId(rng)).setUsername('a').encode({ integrityKey: key, fingerprint: true }));
    const second = StunMessage.decode(first.encode({ integrityKey: key, fingerprint: true }));
    expect(second.raw?.equals(first.raw!)).toBe(true);
    const plain = StunMessage.decode(first.encode());
    expect(plain.hasAttr(StunAttr.MessageIntegrity)).toBe(false);
  });
});

describe('StunIntegrityKey', () => {
  it('matches node:crypto HMAC-SHA1 for all lengths and key sizes', () => {
    const data = rng.bytes(300);
    for (const keyLen of [0, 1, 16, 22, 63, 64, 65, 200]) {
      const k = rng.bytes(keyLen);
      const ik = new StunIntegrityKey(k);
      for (let len = 0; len <= 200; len++) {
        const expected = createHmac('sha1', k).update(data.subarray(7, 7 + len)).digest();
        const out = Buffer.alloc(20);
        ik.sign(data, 7, 7 + len, out, 0);
        expect(out.equals(expected)).toBe(true);
        expect(ik.verify(data, 7, 7 + len, expected, 0)).toBe(true);
      }
    }
  });

  it('replaces the length field in the hashed input without touching the data', () => {
    const data = rng.bytes(150);
    const before = Buffer.from(data);
    const ik = new StunIntegrityKey(Buffer.from('k'));
    for (const len of [20, 40, 63, 64, 65, 128, 150]) {
      const patched = Buffer.from(data.subarray(0, len));
      patched.writeUInt16BE(0x1234, 2);
      const expected = createHmac('sha1', Buffer.from('k')).update(patched).digest();
      const out = Buffer.alloc(20);
      ik.sign(data, 0, len, out, 0, 0x1234);
      expect(out.equals(expected)).toBe(true);
    }
    expect(data.equals(before)).toBe(true);
  });
});

describe('CRC-32', () => {
  it('slicing-by-8, bytewise and zlib agree', () => {
    const zcrc = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    for (let len = 0; len < 300; len += 7) {
      const d = rng.bytes(len);
      expect(crc32(d)).toBe(crc32Table(d));
      if (zcrc) expect(crc32(d)).toBe(zcrc(d) >>> 0);
      expect(crc32(d, 3, Math.max(3, len - 2))).toBe(crc32Table(d.subarray(3, Math.max(3, len - 2))));
    }
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('decode errors', () => {
  const valid = new StunMessage(1, 0, Buffer.alloc(12, 1)).setUsername('abc').setPriority(1).encode({ fingerprint: true });

  it('rejects malformed headers and attributes with StunDecodeError', () => {
    expectDecodeError(Buffer.alloc(0), /shorter/);
    expectDecodeError(valid.subarray(0, 19), /shorter/);
    const c1 = Buffer.from(valid);
    c1[0] = 0x40;
    expectDecodeError(c1, /leading bits/);
    const c2 = Buffer.from(valid);
    c2[4] = 0;
    expectDecodeError(c2, /cookie/);
    const c3 = Buffer.from(valid);
    c3.writeUInt16BE(valid.length - 20 + 4, 2);
    expectDecodeError(c3, /exceeds/);
    const c4 = Buffer.from(valid);
    c4.writeUInt16BE(valid.length - 20 - 2, 2);
    expectDecodeError(c4, /multiple of 4/);
    const c5 = Buffer.from(valid);
    c5.writeUInt16BE(200, 22); // USERNAME length beyond the message
    expectDecodeError(c5, /exceeds/);
    const bad = (type: number, value: Buffer) =>
      new StunMessage(1, 0, Buffer.alloc(12)).addAttr(type, value).encode();
    expectDecodeError(bad(StunAttr.Priority, Buffer.alloc(3)), /4 bytes/);
    expectDecodeError(bad(StunAttr.IceControlling, Buffer.alloc(4)), /8 bytes/);
    expectDecodeError(bad(StunAttr.UseCandidate, Buffer.alloc(4)), /empty/);
    expectDecodeError(bad(StunAttr.XorMappedAddress, Buffer.from('0003000001020304', 'hex')), /address/);
    expectDecodeError(bad(StunAttr.XorMappedAddress, Buffer.from('00010000010203', 'hex')), /address/);
    const badMi = Buffer.concat([new StunMessage(1, 0, Buffer.alloc(12)).encode(), Buffer.from('00080013', 'hex'), Buffer.alloc(20)]);
    badMi.writeUInt16BE(24, 2);
    expectDecodeError(badMi, /20 bytes/);
    expectDecodeError(bad(StunAttr.ErrorCode, Buffer.from('00000100', 'hex')), /range/);
    expectDecodeError(bad(StunAttr.UnknownAttributes, Buffer.alloc(3)), /even/);
  });

  it('accepts trailing bytes after the message and Uint8Array input', () => {
    const d = StunMessage.decode(Buffer.concat([valid, Buffer.alloc(7)]));
    expect(d.raw?.length).toBe(valid.length);
    expect(d.verifyFingerprint()).toBe(true);
    const u8 = new Uint8Array(valid.length + 4);
    u8.set(valid, 4);
    const d2 = StunMessage.decode(u8.subarray(4));
    expect(d2.getUsername()).toBe('abc');
    expect(d2.verifyFingerprint()).toBe(true);
  });

  it('isStunMessage', () => {
    expect(isStunMessage(valid)).toBe(true);
    expect(isStunMessage(valid.subarray(0, 19))).toBe(false);
    const c = Buffer.from(valid);
    c[0] = 0x80; // RTP
    expect(isStunMessage(c)).toBe(false);
    const d = Buffer.from(valid);
    d[7] = 0;
    expect(isStunMessage(d)).toBe(false);
  });
});

describe('credentials and helpers', () => {
  it('OpaqueString maps non-ASCII spaces and NFC-normalizes (RFC 8265 §4.2)', () => {
    expect(shortTermKey('a\u00a0b\u3000c').toString()).toBe('a b c');
    expect(shortTermKey('e\u0301').equals(Buffer.from('\u00e9', 'utf8'))).toBe(true);
    expect(opaqueString('TheMatrIX')).toBe('TheMatrIX');
  });

  it('long-term key is MD5(username:realm:password)', () => {
    expect(longTermKey('user', 'realm', 'pass').toString('hex')).toBe(createHash('md5').update('user:realm:pass').digest('hex'));
  });

  it('transaction IDs are 12 random bytes', () => {
    const a = newTransactionId(rng);
    expect(a.length).toBe(12);
    expect(a.equals(newTransactionId(rng))).toBe(false);
  });

  it('decoded transaction IDs are views; setting one re-keys XOR addresses on encode', () => {
    const id = newTransactionId(rng);
    const m = StunMessage.decode(
      new StunMessage(1, 2, id).setXorMappedAddress({ address: '2001:db8::5', port: 77 }).encode(),
    );
    expect(m.transactionId.equals(id)).toBe(true);
    expect(m.getXorMappedAddress()).toEqual({ address: '2001:db8::5', port: 77 });
    expect(() => (m.transactionId = Buffer.alloc(3))).toThrow(/12 bytes/);
    const id2 = newTransactionId(rng);
    m.transactionId = id2;
    m.setXorMappedAddress({ address: '2001:db8::6', port: 78 });
    const d = StunMessage.decode(m.encode());
    expect(d.transactionId.equals(id2)).toBe(true);
    expect(d.getXorMappedAddress()).toEqual({ address: '2001:db8::6', port: 78 });
  });

  it('names for traces', () => {
    const m = new StunMessage(StunMethod.Allocate, StunClass.ErrorResponse, Buffer.alloc(12)).setErrorCode(401).addAttr(0x7abc, Buffer.alloc(2));
    expect(String(m)).toBe(`Allocate error response ${'00'.repeat(12)} [ERROR-CODE(16), 0x7abc(2)]`);
    expect(String(StunMessage.decode(m.encode({ integritySha256Key: Buffer.from('k') })))).toContain('MESSAGE-INTEGRITY-SHA256(32)');
  });
});
