import { beforeAll, describe, expect, it } from 'vitest';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { dtlsCryptoBackends } from '../../support/dtls-crypto-backends.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

/** Every pairing of Node's crypto and the native accelerator, so each side's output is checked by the other. */
const pairings = dtlsCryptoBackends.flatMap((c) => dtlsCryptoBackends.map((s) => ({ client: c.name, server: s.name })));

describe.each(pairings)('DTLS handshake, client on $client crypto, server on $server crypto', ({ client, server }) => {
  it.each([
    { group: 'x25519' as const, keys: 'ecdsa' as const },
    { group: 'p256' as const, keys: 'ecdsa' as const },
    { group: 'x25519' as const, keys: 'rsa' as const },
  ])('$group with $keys certificates: connected with equal keying material', async ({ group, keys }) => {
    const [clientCert, serverCert] = keys === 'ecdsa' ? [certs.ecdsaA, certs.ecdsaB] : [certs.rsaA, certs.rsaB];
    const p = startPair({
      seed: 11,
      clientCert,
      serverCert,
      client: { nativeCrypto: client === 'native', namedGroups: [group] },
      server: { nativeCrypto: server === 'native', namedGroups: [group] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    expect(c).toBeInstanceOf(DtlsConnection);
    expect(s).toBeInstanceOf(DtlsConnection);
    expect(c.session.namedGroup).toBe(s.session.namedGroup);
    expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
    c.close();
    s.close();
  });

  it('a wrong fingerprint still fails with bad_certificate', async () => {
    const p = startPair({
      seed: 12,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { nativeCrypto: client === 'native', remoteFingerprints: [{ algorithm: 'sha-256', value: certs.ecdsaA.fingerprint() }] },
      server: { nativeCrypto: server === 'native' },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect((p.results.client as { code?: string }).code).toBe('ERR_DTLS_FINGERPRINT_MISMATCH');
    expect(p.results.server).toBeInstanceOf(Error);
  });
});
