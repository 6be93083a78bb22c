import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES } from '../../../src/dtls/cipher-suites/cipher-suite.js';
import { ContentType } from '../../../src/dtls/constants.js';
import { Aead } from '../../../src/dtls/record/aead.js';
import { parseRecords } from '../../../src/dtls/record/header.js';
import { RecordProtection } from '../../../src/dtls/record/protection.js';
import { dtlsCryptoBackends } from '../../support/dtls-crypto-backends.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe.each(dtlsCryptoBackends)('AEAD wrapper vectors on $name', ({ crypto }) => {
  it('ChaCha20-Poly1305: RFC 8439 §2.8.2', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('070000004041424344454647');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = new Aead('chacha20-poly1305', key, crypto).seal(nonce, aad, plaintext);
    expect(sealed.subarray(0, plaintext.length).toString('hex')).toBe(
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
        '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
        '3ff4def08e4b7a9de576d26586cec64b6116',
    );
    expect(sealed.subarray(plaintext.length).toString('hex')).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect(new Aead('chacha20-poly1305', key, crypto).open(nonce, aad, sealed)).toEqual(plaintext);
  });

  const GCM_P = hex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  );
  const GCM_A = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const GCM_IV = hex('cafebabefacedbaddecaf888');

  it('AES-128-GCM: GCM specification test case 4', () => {
    const sealed = new Aead('aes-128-gcm', hex('feffe9928665731c6d6a8f9467308308'), crypto).seal(GCM_IV, GCM_A, GCM_P);
    expect(sealed.subarray(0, GCM_P.length).toString('hex')).toBe(
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    );
    expect(sealed.subarray(GCM_P.length).toString('hex')).toBe('5bc94fbc3221a5db94fae95ae7121a47');
  });

  it('AES-256-GCM: GCM specification test case 16', () => {
    const key = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    const sealed = new Aead('aes-256-gcm', key, crypto).seal(GCM_IV, GCM_A, GCM_P);
    expect(sealed.subarray(0, GCM_P.length).toString('hex')).toBe(
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    );
    expect(sealed.subarray(GCM_P.length).toString('hex')).toBe('76fc6ece0f4e1768cddf8853bb2d551b');
  });

  it('rejects a forged tag, ciphertext or AAD', () => {
    const aead = new Aead('aes-128-gcm', Buffer.alloc(16, 1), crypto);
    const sealed = aead.seal(GCM_IV, GCM_A, GCM_P);
    for (const i of [0, 10, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 1;
      expect(aead.open(GCM_IV, GCM_A, bad)).toBeUndefined();
    }
    expect(aead.open(GCM_IV, Buffer.from('other'), sealed)).toBeUndefined();
    expect(aead.open(GCM_IV, GCM_A, sealed.subarray(0, 15))).toBeUndefined();
  });
});

describe.each(dtlsCryptoBackends)('DTLS record protection on $name', ({ crypto }) => {
  const key16 = hex('000102030405060708090a0b0c0d0e0f');
  const key32 = Buffer.concat([key16, key16]);

  it('AES-GCM records: RFC 5288 nonce = salt || epoch||seq sent explicitly, RFC 6347 AAD', () => {
    const salt = hex('a0a1a2a3');
    const p = new RecordProtection(CIPHER_SUITES.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, key16, salt, crypto);
    const record = p.seal(ContentType.ApplicationData, 1, 0x0102030405, Buffer.from('hello'));
    expect(record.subarray(0, 13).toString('hex')).toBe('17fefd' + '0001' + '000102030405' + (8 + 5 + 16).toString(16).padStart(4, '0'));
    expect(record.subarray(13, 21).toString('hex')).toBe('0001000102030405');
    // Independent construction with node:crypto.
    const nonce = Buffer.concat([salt, hex('0001000102030405')]);
    const aad = hex('0001000102030405' + '17' + 'fefd' + '0005');
    const c = createCipheriv('aes-128-gcm', key16, nonce);
    c.setAAD(aad);
    const expected = Buffer.concat([c.update(Buffer.from('hello')), c.final(), c.getAuthTag()]);
    expect(record.subarray(21)).toEqual(expected);
    const [parsed] = parseRecords(record);
    expect(p.open(parsed!)).toEqual(Buffer.from('hello'));
  });

  it('ChaCha20-Poly1305 records: RFC 7905 nonce = iv XOR padded epoch||seq, nothing explicit', () => {
    const iv = hex('0c0d0e0f1011121314151617');
    const p = new RecordProtection(CIPHER_SUITES.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, key32, iv, crypto);
    const record = p.seal(ContentType.ApplicationData, 1, 7, Buffer.from('data!'));
    expect(record.readUInt16BE(11)).toBe(5 + 16);
    const nonce = Buffer.from(iv);
    const seq = hex('0001000000000007');
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seq[i]!;
    const c = createCipheriv('chacha20-poly1305', key32, nonce, { authTagLength: 16 });
    c.setAAD(hex('0001000000000007' + '17' + 'fefd' + '0005'), { plaintextLength: 5 });
    const expected = Buffer.concat([c.update(Buffer.from('data!')), c.final(), c.getAuthTag()]);
    expect(record.subarray(13)).toEqual(expected);
    expect(p.open(parseRecords(record)[0]!)).toEqual(Buffer.from('data!'));
  });

  for (const name of Object.keys(CIPHER_SUITES) as Array<keyof typeof CIPHER_SUITES>) {
    it(`${name}: round trip, header tampering and wrong key are rejected`, () => {
      const suite = CIPHER_SUITES[name];
      const key = suite.keyLength === 16 ? key16 : key32;
      const iv = Buffer.alloc(suite.fixedIvLength, 9);
      const p = new RecordProtection(suite, key, iv, crypto);
      const record = p.seal(ContentType.Handshake, 1, 3, Buffer.alloc(100, 0x42));
      expect(p.open(parseRecords(record)[0]!)).toEqual(Buffer.alloc(100, 0x42));
      const wrongType = Buffer.from(record);
      wrongType[0] = ContentType.ApplicationData;
      expect(p.open(parseRecords(wrongType)[0]!)).toBeUndefined();
      const wrongSeq = Buffer.from(record);
      wrongSeq[12 - 2]! ^= 1;
      expect(p.open(parseRecords(wrongSeq)[0]!)).toBeUndefined();
      const other = new RecordProtection(suite, Buffer.alloc(key.length, 1), iv, crypto);
      expect(other.open(parseRecords(record)[0]!)).toBeUndefined();
    });
  }
});
