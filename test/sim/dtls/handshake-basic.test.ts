import { beforeAll, describe, expect, it } from 'vitest';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

describe('DTLS handshake over a clean memory pipe', () => {
  it('connects, exports equal keying material and exchanges data', async () => {
    const p = startPair({ seed: 1, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    expect(c).toBeInstanceOf(DtlsConnection);
    expect(s).toBeInstanceOf(DtlsConnection);
    expect(c.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56)).toEqual(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56));
    const got: string[] = [];
    s.onData((d) => got.push(`s:${d.toString()}`));
    c.onData((d) => got.push(`c:${d.toString()}`));
    c.send(Buffer.from('hello'));
    s.send(Buffer.from('world'));
    await p.clock.advance(10);
    expect(got.sort()).toEqual(['c:world', 's:hello']);
  });
});
