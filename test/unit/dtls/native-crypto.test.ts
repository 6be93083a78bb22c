import { createECDH, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { NamedGroup } from '../../../src/dtls/constants.js';
import { DtlsError } from '../../../src/dtls/errors.js';
import { generateEcdheKey } from '../../../src/dtls/key-exchange.js';
import { nativeDtlsCrypto, nativeDtlsCryptoStatus } from '../../../src/dtls/native/binding.js';
import { dtlsCryptoBackends } from '../../support/dtls-crypto-backends.js';

const native = nativeDtlsCrypto();
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('DTLS native crypto accelerator', () => {
  it('is loaded unless switched off (CI builds it)', () => {
    const status = nativeDtlsCryptoStatus();
    if (process.env.TERN_DTLS_NATIVE !== '0') expect(status).toMatchObject({ loaded: true });
    else expect(status.loaded).toBe(false);
  });

  it.runIf(native)('X25519 matches RFC 7748 §6.1', () => {
    const n = native!;
    const alice = n.x25519PrivateKey(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    expect(n.x25519PublicKey(alice).toString('hex')).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(n.x25519(alice, bobPublic)!.toString('hex')).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    // A small-order point gives the all-zero secret, refused (RFC 7748 §6.1).
    expect(n.x25519(alice, Buffer.alloc(32))).toBeNull();
  });

  it.runIf(native)('P-256 ECDH agrees with Node, and points off the curve are refused', () => {
    const n = native!;
    const d = randomBytes(32);
    const key = n.ecPrivateKey(d);
    const nodeSide = createECDH('prime256v1');
    nodeSide.setPrivateKey(d);
    expect(n.ecPublicPoint(key)).toEqual(nodeSide.getPublicKey());
    const peer = createECDH('prime256v1');
    const peerPoint = peer.generateKeys();
    expect(n.ecdh(key, peerPoint)).toEqual(peer.computeSecret(n.ecPublicPoint(key)));
    const off = Buffer.from(peerPoint);
    off[64]! ^= 1;
    expect(n.ecdh(key, off)).toBeNull();
    expect(n.ecPublicKey(off)).toBeNull();
    const compressed = Buffer.from(peerPoint);
    compressed[0] = 2;
    expect(n.ecdh(key, compressed)).toBeNull();
  });

  it.runIf(native)('checks argument kinds and lengths', () => {
    const n = native!;
    expect(() => n.ecPrivateKey(Buffer.alloc(31))).toThrow(RangeError);
    expect(() => n.ecPrivateKey(Buffer.alloc(32))).toThrow(RangeError); // zero scalar
    expect(() => n.ecPrivateKey(Buffer.alloc(32, 0xff))).toThrow(RangeError); // ≥ n
    expect(() => n.ecPublicKey(Buffer.alloc(33))).toThrow(RangeError);
    const x = n.x25519PrivateKey(randomBytes(32));
    const pub = n.ecPublicKey(createECDH('prime256v1').generateKeys())!;
    // A public key cannot sign or agree; an X25519 key is not an EC key and vice versa.
    expect(() => n.ecdsaSign(pub, Buffer.from('x'))).toThrow(TypeError);
    expect(() => n.ecdh(pub, Buffer.alloc(65))).toThrow(TypeError);
    expect(() => n.ecdsaVerify(x, Buffer.from('x'), Buffer.alloc(8))).toThrow(TypeError);
    expect(() => n.x25519(pub, Buffer.alloc(32))).toThrow(TypeError);
    expect(() => n.ecdsaSign({} as never, Buffer.from('x'))).toThrow(TypeError);
    expect(() => n.prf(false, Buffer.alloc(1), Buffer.alloc(1), 0)).toThrow(RangeError);
    expect(() => n.prf(false, Buffer.alloc(1), Buffer.alloc(1), 65537)).toThrow(RangeError);
    expect(() => n.ecdsaSign(n.ecPrivateKey(randomBytes(32)), 'x' as never)).toThrow(TypeError);
  });

  it.runIf(native)('leaves no OpenSSL error behind for Node crypto to trip on', () => {
    const n = native!;
    n.ecPublicKey(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]));
    n.x25519(n.x25519PrivateKey(randomBytes(32)), Buffer.alloc(32));
    // Node's own crypto still works and reports its own errors precisely.
    const k = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: randomBytes(32).toString('base64url'), x: Buffer.alloc(32, 9).toString('base64url') }, format: 'jwk' });
    expect(diffieHellman({ privateKey: k, publicKey: createPublicKey(k) }).length).toBe(32);
  });
});

describe.each(dtlsCryptoBackends)('ECDHE keys on $name', ({ crypto }) => {
  it.each([NamedGroup.X25519, NamedGroup.Secp256r1])('group %i agrees with the other backend and rejects bad peer values', (group) => {
    const rng = new SeededRng(7);
    for (const other of dtlsCryptoBackends) {
      const a = generateEcdheKey(group, rng, crypto);
      const b = generateEcdheKey(group, rng, other.crypto);
      expect(a.computeSecret(b.publicKey)).toEqual(b.computeSecret(a.publicKey));
    }
    const a = generateEcdheKey(group, rng, crypto);
    const bad = group === NamedGroup.X25519 ? [Buffer.alloc(32), Buffer.alloc(31, 1)] : [Buffer.alloc(65, 4), Buffer.alloc(64, 4)];
    for (const p of bad) expect(() => a.computeSecret(p)).toThrow(DtlsError);
  });

  it.runIf(crypto)('native ECDHE private keys come from the injected Rng', () => {
    for (const group of [NamedGroup.X25519, NamedGroup.Secp256r1]) {
      expect(generateEcdheKey(group, new SeededRng(3), crypto).publicKey).toEqual(generateEcdheKey(group, new SeededRng(3), crypto).publicKey);
      expect(generateEcdheKey(group, new SeededRng(3), crypto).publicKey).not.toEqual(generateEcdheKey(group, new SeededRng(4), crypto).publicKey);
    }
  });
});
