import { describe, expect, it } from 'vitest';
import {
  longTermKey,
  shortTermKey,
  StunAttr,
  StunClass,
  StunIntegrityKey,
  StunMessage,
  StunMethod,
} from '../../../src/stun/index.js';
import {
  LONG_TERM_NONCE,
  LONG_TERM_PASSWORD,
  LONG_TERM_REALM,
  LONG_TERM_USERNAME,
  SAMPLE_IPV4_RESPONSE,
  SAMPLE_IPV6_RESPONSE,
  SAMPLE_LONG_TERM_REQUEST,
  SAMPLE_REQUEST,
  SAMPLE_REQUEST_PASSWORD,
  SAMPLE_RESPONSE_PASSWORD,
  TRANSACTION_ID_2_1,
} from './rfc5769-vectors.js';

describe('RFC 5769 §2.1 sample request', () => {
  const m = StunMessage.decode(SAMPLE_REQUEST);
  const key = shortTermKey(SAMPLE_REQUEST_PASSWORD);

  it('decodes header and attributes', () => {
    expect(m.method).toBe(StunMethod.Binding);
    expect(m.messageClass).toBe(StunClass.Request);
    expect(m.transactionId.equals(TRANSACTION_ID_2_1)).toBe(true);
    expect(m.getSoftware()).toBe('STUN test client');
    expect(m.getPriority()).toBe(0x6e0001ff);
    expect(m.getIceControlled()).toBe(0x932ff9b151263b36n);
    expect(m.getUsername()).toBe('evtj:h6vY');
    expect(m.attributes.map((a) => a.type)).toEqual([
      StunAttr.Software,
      StunAttr.Priority,
      StunAttr.IceControlled,
      StunAttr.Username,
      StunAttr.MessageIntegrity,
      StunAttr.Fingerprint,
    ]);
    expect(m.unknownComprehensionRequired()).toEqual([]);
  });

  it('verifies MESSAGE-INTEGRITY and FINGERPRINT', () => {
    expect(m.verifyIntegrity(key)).toBe(true);
    expect(m.verifyIntegrity(new StunIntegrityKey(key))).toBe(true);
    expect(m.verifyIntegrity(shortTermKey('wrong'))).toBe(false);
    expect(m.verifyFingerprint()).toBe(true);
  });

  it('re-encodes byte-identically (padding 0x20 as in the vector)', () => {
    const out = m.encode({ integrityKey: key, fingerprint: true, paddingByte: 0x20 });
    expect(out.toString('hex')).toBe(SAMPLE_REQUEST.toString('hex'));
  });

  it('builds the same message from scratch', () => {
    const b = new StunMessage(StunMethod.Binding, StunClass.Request, Buffer.from(TRANSACTION_ID_2_1))
      .setSoftware('STUN test client')
      .setPriority(0x6e0001ff)
      .setIceControlled(0x932ff9b151263b36n)
      .setUsername('evtj:h6vY');
    const out = b.encode({ integrityKey: key, fingerprint: true, paddingByte: 0x20 });
    expect(out.equals(SAMPLE_REQUEST)).toBe(true);
  });
});

describe('RFC 5769 §2.2 IPv4 response', () => {
  const m = StunMessage.decode(SAMPLE_IPV4_RESPONSE);
  it('decodes, verifies and re-encodes', () => {
    expect(m.messageClass).toBe(StunClass.SuccessResponse);
    expect(m.getSoftware()).toBe('test vector');
    expect(m.getXorMappedAddress()).toEqual({ address: '192.0.2.1', port: 32853 });
    const key = shortTermKey(SAMPLE_RESPONSE_PASSWORD);
    expect(m.verifyIntegrity(key)).toBe(true);
    expect(m.verifyFingerprint()).toBe(true);
    expect(m.encode({ integrityKey: key, fingerprint: true, paddingByte: 0x20 }).equals(SAMPLE_IPV4_RESPONSE)).toBe(true);
    const b = new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, Buffer.from(TRANSACTION_ID_2_1))
      .setSoftware('test vector')
      .setXorMappedAddress({ address: '192.0.2.1', port: 32853 });
    expect(b.encode({ integrityKey: key, fingerprint: true, paddingByte: 0x20 }).equals(SAMPLE_IPV4_RESPONSE)).toBe(true);
  });
});

describe('RFC 5769 §2.3 IPv6 response', () => {
  const m = StunMessage.decode(SAMPLE_IPV6_RESPONSE);
  it('decodes, verifies and re-encodes', () => {
    expect(m.getXorMappedAddress()).toEqual({ address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    const key = shortTermKey(SAMPLE_RESPONSE_PASSWORD);
    expect(m.verifyIntegrity(key)).toBe(true);
    expect(m.verifyFingerprint()).toBe(true);
    expect(m.encode({ integrityKey: key, fingerprint: true, paddingByte: 0x20 }).equals(SAMPLE_IPV6_RESPONSE)).toBe(true);
    const b = new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, Buffer.from(TRANSACTION_ID_2_1))
      .setSoftware('test vector')
      .setXorMappedAddress({ address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    expect(b.encode({ integrityKey: key, fingerprint: true, paddingByte: 0x20 }).equals(SAMPLE_IPV6_RESPONSE)).toBe(true);
  });
});

describe('RFC 5769 §2.4 long-term authentication request', () => {
  const m = StunMessage.decode(SAMPLE_LONG_TERM_REQUEST);
  const key = longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, LONG_TERM_PASSWORD);

  it('decodes the attributes', () => {
    expect(m.getUsername()).toBe(LONG_TERM_USERNAME);
    expect(m.getNonce()).toBe(LONG_TERM_NONCE);
    expect(m.getRealm()).toBe(LONG_TERM_REALM);
    expect(m.hasAttr(StunAttr.Fingerprint)).toBe(false);
    expect(m.verifyFingerprint()).toBe(false);
  });

  it('derives the MD5 key and verifies MESSAGE-INTEGRITY', () => {
    expect(key.length).toBe(16);
    expect(m.verifyIntegrity(key)).toBe(true);
    expect(m.verifyIntegrity(longTermKey(LONG_TERM_USERNAME, LONG_TERM_REALM, 'thematrix'))).toBe(false);
  });

  it('re-encodes byte-identically (zero padding)', () => {
    expect(m.encode({ integrityKey: key }).equals(SAMPLE_LONG_TERM_REQUEST)).toBe(true);
    const b = new StunMessage(StunMethod.Binding, StunClass.Request, Buffer.from(m.transactionId))
      .setUsername(LONG_TERM_USERNAME)
      .setNonce(LONG_TERM_NONCE)
      .setRealm(LONG_TERM_REALM);
    expect(b.encode({ integrityKey: key }).equals(SAMPLE_LONG_TERM_REQUEST)).toBe(true);
  });
});
