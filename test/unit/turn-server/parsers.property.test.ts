import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TernError } from '../../../src/common/errors.js';
import { AddressPolicy, parseIpRange } from '../../../src/turn-server/address-policy.js';
import { NonceIssuer, restApiExpiry } from '../../../src/turn-server/auth.js';
import { classifyStreamStart, STREAM_START_MAX_BYTES } from '../../../src/turn-server/stream-start.js';
import { CoreHarness, T0 } from './harness.js';

describe('TURN server parsers (property)', () => {
  it('classifyStreamStart never throws, and only asks for more below 10 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const k = classifyStreamStart(b);
        if (b.length >= STREAM_START_MAX_BYTES) expect(k).not.toBe('need-more');
        // The decision never changes once made, whatever follows.
        if (k !== 'need-more') expect(classifyStreamStart(Buffer.concat([b, Buffer.from([1, 2, 3])]))).toBe(k);
      }),
    );
  });

  it('classifyStreamStart recognises each kind', () => {
    expect(classifyStreamStart(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('http');
    expect(classifyStreamStart(Buffer.from('GE'))).toBe('need-more');
    expect(classifyStreamStart(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe('tls');
    const stun = Buffer.from([0x00, 0x03, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4]);
    expect(classifyStreamStart(stun)).toBe('turn');
    expect(classifyStreamStart(Buffer.concat([Buffer.from([0x00, 0x50]), Buffer.from([0x00, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42])]))).toBe('ice-tcp');
    expect(classifyStreamStart(Buffer.alloc(10, 0xff))).toBe('unknown');
  });

  it('parseIpRange throws only typed errors; policy verdicts are stable', () => {
    const policy = new AddressPolicy({ allowed: ['127.0.0.0/8'] });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4().map((ip) => `${ip}/${ip.length % 33}`), fc.ipV6()), (text) => {
        try {
          const r = parseIpRange(text);
          expect(r.prefixLength).toBeLessThanOrEqual(r.family === 4 ? 32 : 128);
        } catch (err) {
          expect(err).toBeInstanceOf(TernError);
        }
        expect(policy.allows(text)).toBe(policy.allows(text));
      }),
    );
    fc.assert(fc.property(fc.ipV4(), (ip) => {
      expect(policy.allows(ip), ip).toBe(!/^(0|10|127|169\.254|172\.(1[6-9]|2\d|3[01])|192\.168|192\.0\.0|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])|198\.1[89]|22[4-9]|23\d|24\d|25\d)\./.test(ip) || ip.startsWith('127.'));
    }));
  });

  it('nonces verify only for their client and time; garbage is invalid', () => {
    const n = new NonceIssuer(Buffer.alloc(32, 1), 60_000);
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 0, max: 120_000 }), (garbage, client, dt) => {
        const nonce = n.issue(client, T0);
        expect(n.check(nonce, client, T0 + dt)).toBe(dt >= 60_000 ? 'stale' : 'valid');
        expect(n.check(nonce, `${client}x`, T0)).toBe('invalid');
        if (garbage !== nonce) expect(n.check(garbage, client, T0)).toBe('invalid');
        restApiExpiry(garbage);
      }),
    );
  });

  it('random datagrams never throw out of the core and create no allocation', () => {
    const h = new CoreHarness();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 65535 }), (bytes, port) => {
        // Half of the inputs get a valid STUN header so the decoder's deeper paths run.
        const b = Buffer.from(bytes);
        if (port & 1 && b.length >= 20) {
          b[0] = 0;
          b[1] = port & 0x1f;
          b.writeUInt16BE((b.length - 20) & ~3, 2);
          b.writeUInt32BE(0x2112a442, 4);
        }
        h.core.handleUdp(h.listener, b, { address: '203.0.113.1', port }, h.now);
      }),
      { numRuns: 2000 },
    );
    expect(h.core.allocationCount).toBe(0);
  });
});
