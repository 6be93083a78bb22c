import { describe, expect, it } from 'vitest';
import { exportKeyingMaterial } from '../../../src/dtls/exporter.js';
import { extendedMasterSecret, keyBlock, masterSecret, prf, verifyData } from '../../../src/dtls/prf.js';
import { dtlsCryptoBackends } from '../../support/dtls-crypto-backends.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/**
 * Oracles: the TLS 1.2 PRF vectors posted to the IETF TLS list (msg03416, widely reused by
 * GnuTLS, Botan, NSS tests); the rest were computed with OpenSSL's TLS1-PRF KDF, e.g.
 *   openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:<pre_master>
 *     -kdfopt hexseed:<hex("extended master secret")><session_hash> TLS1-PRF
 */
const PRE_MASTER = Buffer.alloc(32, 0xab);
const SESSION_HASH = hex('7e271a65cbaad75d5e0383bd1c8cb802860a92b0c5e089c7a4551a5a83dc24c2');
const CLIENT_RANDOM = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const SERVER_RANDOM = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i));
const EMS = hex('8D85BB22FF4924CA8333199EFF084D122FA2A49E218391104B4E60C60BE232A49C740ACF9964D6F04438576543715797');

describe.each(dtlsCryptoBackends)('TLS 1.2 PRF (RFC 5246 §5) on $name', ({ crypto }) => {
  it('P_SHA256 known answer (100 bytes)', () => {
    const out = prf('sha256', hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100, crypto);
    expect(out.toString('hex')).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af' +
        '0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('P_SHA384 known answer (148 bytes)', () => {
    const out = prf('sha384', hex('b80b733d6ceefcdc71566ea48e5567df'), 'test label', hex('cd665cf6a8447dd6ff8b27555edb7465'), 148, crypto);
    expect(out.toString('hex')).toBe(
      '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0' +
        'e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425' +
        '9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
    );
  });

  it('a shorter output is a prefix of a longer one', () => {
    const long = prf('sha256', Buffer.from('k'), 'l', Buffer.from('s'), 200, crypto);
    for (const n of [1, 31, 32, 33, 64, 65, 199]) expect(prf('sha256', Buffer.from('k'), 'l', Buffer.from('s'), n, crypto)).toEqual(long.subarray(0, n));
    // An empty secret and a Uint8Array (not a Buffer) secret give Node's answer.
    expect(prf('sha384', new Uint8Array(0), 'l', Buffer.from('s'), 70, crypto)).toEqual(prf('sha384', Buffer.alloc(0), 'l', Buffer.from('s'), 70));
    expect(prf('sha256', new Uint8Array([1, 2, 3]), 'l', new Uint8Array([4]), 33, crypto)).toEqual(prf('sha256', Buffer.from([1, 2, 3]), 'l', Buffer.from([4]), 33));
  });
});

describe.each(dtlsCryptoBackends)('master secrets, key block, Finished and exporter on $name', ({ crypto }) => {
  it('RFC 7627 extended master secret', () => {
    expect(extendedMasterSecret('sha256', PRE_MASTER, SESSION_HASH, crypto)).toEqual(EMS);
  });

  it('RFC 5246 §8.1 legacy master secret', () => {
    expect(masterSecret('sha256', PRE_MASTER, CLIENT_RANDOM, SERVER_RANDOM, crypto).toString('hex').toUpperCase()).toBe(
      'BEBC68CEDF66ADD6B7506A08A6AC04A53251240FB3873EBDFEA6AEDF1583DE24983F0F977872BB45738C4FD47861DF54',
    );
  });

  it('RFC 5246 §6.3 key block for AES-128-GCM (SHA-256), partitioned client key, server key, client IV, server IV', () => {
    const kb = keyBlock('sha256', EMS, CLIENT_RANDOM, SERVER_RANDOM, 16, 4, crypto);
    const whole = hex('FDE6F7894EEAAA6CE760E2891B05662797C77EBBB534C41F2C7D368AC55CAE4616042C98F53E0F7D');
    expect(kb.clientWriteKey).toEqual(whole.subarray(0, 16));
    expect(kb.serverWriteKey).toEqual(whole.subarray(16, 32));
    expect(kb.clientWriteIv).toEqual(whole.subarray(32, 36));
    expect(kb.serverWriteIv).toEqual(whole.subarray(36, 40));
  });

  it('key block for AES-256-GCM (SHA-384)', () => {
    const kb = keyBlock('sha384', EMS, CLIENT_RANDOM, SERVER_RANDOM, 32, 4, crypto);
    const whole = hex(
      '72F33CBA4023780073D9A4236D1F2AF7025890117C7E800F77C9476F7CB7AB7C24407015AAD6B02DDC1CEFABDC4671E00DCEF4A2691E5E3961DA7253B649387700C6347D65D730C0',
    );
    expect(Buffer.concat([kb.clientWriteKey, kb.serverWriteKey, kb.clientWriteIv, kb.serverWriteIv])).toEqual(whole);
  });

  it('key block for ChaCha20-Poly1305 uses 12-byte IVs', () => {
    const kb = keyBlock('sha256', EMS, CLIENT_RANDOM, SERVER_RANDOM, 32, 12);
    const whole = prf('sha256', EMS, 'key expansion', Buffer.concat([SERVER_RANDOM, CLIENT_RANDOM]), 88);
    expect(kb.clientWriteIv).toEqual(whole.subarray(64, 76));
    expect(kb.serverWriteIv).toEqual(whole.subarray(76, 88));
  });

  it('Finished verify_data', () => {
    expect(verifyData('sha256', EMS, 'client finished', SESSION_HASH, crypto).toString('hex').toUpperCase()).toBe('889F20645FAC58DA3B41B25C');
  });

  it('RFC 5705 exporter without and with context', () => {
    expect(exportKeyingMaterial('sha256', EMS, CLIENT_RANDOM, SERVER_RANDOM, 'EXTRACTOR-dtls_srtp', 60)!.toString('hex').toUpperCase()).toBe(
      '84BD8E9434E4CB0187EA57FB273417FAEE81F2097CB328CC4153DFC2813EF8E388A06C3532A9F5FA7DD1289BFF384F5A1C49B3903FC0A278E1927ADD',
    );
    expect(exportKeyingMaterial('sha256', EMS, CLIENT_RANDOM, SERVER_RANDOM, 'EXTRACTOR-dtls_srtp', 20, Buffer.from('abc'))!.toString('hex').toUpperCase()).toBe(
      'E929756C5CC198103F6394C961176713ADA56E92',
    );
  });

  it('exporter refuses reserved labels', () => {
    expect(exportKeyingMaterial('sha256', EMS, CLIENT_RANDOM, SERVER_RANDOM, 'key expansion', 10)).toBeUndefined();
    expect(exportKeyingMaterial('sha256', EMS, CLIENT_RANDOM, SERVER_RANDOM, 'master secret', 10)).toBeUndefined();
  });
});
