import { beforeAll, describe, expect, it } from 'vitest';
import { DtlsCertificateCache } from '../../../src/dtls/certificate-cache.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

describe('DTLS with a shared certificate cache', () => {
  it('repeated handshakes reuse the parsed peer keys and still verify fingerprints', async () => {
    const clientCache = new DtlsCertificateCache();
    const serverCache = new DtlsCertificateCache();
    for (const seed of [61, 62]) {
      const p = startPair({
        seed,
        clientCert: certs.ecdsaA,
        serverCert: certs.rsaB,
        client: { certificateCache: clientCache },
        server: { certificateCache: serverCache },
      });
      expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
      expect(p.results.client).toBeInstanceOf(DtlsConnection);
      expect(p.results.server).toBeInstanceOf(DtlsConnection);
      const data: Buffer[] = [];
      (p.results.server as DtlsConnection).onData((d) => data.push(d));
      (p.results.client as DtlsConnection).send(Buffer.from('x'));
      await p.clock.runUntil(() => data.length > 0, 1_000);
      expect(data).toHaveLength(1);
    }
    expect(clientCache.size).toBe(1);
    expect(serverCache.size).toBe(1);
    // A cached key does not bypass the fingerprint check.
    const p = startPair({
      seed: 63,
      clientCert: certs.ecdsaA,
      serverCert: certs.rsaB,
      client: { certificateCache: clientCache, remoteFingerprints: [{ algorithm: 'sha-256', value: certs.rsaA.fingerprint() }] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(p.results.client).toMatchObject({ code: 'ERR_DTLS_FINGERPRINT_MISMATCH' });
  });
});
