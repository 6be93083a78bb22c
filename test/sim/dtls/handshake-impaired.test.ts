import { beforeAll, describe, expect, it } from 'vitest';
import type { DtlsCipherSuite } from '../../../src/dtls/cipher-suites/cipher-suite.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

const SUITES: DtlsCipherSuite[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
];
const GROUPS = ['x25519', 'p256'] as const;
const IMPAIRED = { lossRate: 0.3, reorderRate: 0.3, duplicateRate: 0.3, mtu: 500 };
/**
 * 30% loss each way loses a whole flight exchange about half the time; with the RFC's
 * 1 s doubling timer only ~5 attempts fit in 30 s, so these runs cap the timer at 2 s
 * and allow 60 s (the configurable knobs a lossy deployment would turn too).
 */
const LOSSY_TIMERS = { mtu: 500, retransmitMaxMs: 2000, handshakeTimeoutMs: 60_000 };

describe('DTLS handshake with 30% loss, reordering, duplication and MTU 500', () => {
  let seed = 100;
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      it(`${suite} over ${group}`, async () => {
        const s = seed++;
        const rsa = suite.includes('_RSA_');
        const p = startPair({
          seed: s,
          clientCert: rsa ? certs.rsaA : certs.ecdsaA,
          serverCert: rsa ? certs.rsaB : certs.ecdsaB,
          impairment: IMPAIRED,
          client: { cipherSuites: [suite], namedGroups: [group], ...LOSSY_TIMERS },
          server: LOSSY_TIMERS,
        });
        const ok = await p.clock.runUntil(p.settled, 70_000, 50);
        expect(ok, `seed ${s}: handshake did not settle`).toBe(true);
        const c = p.results.client;
        const srv = p.results.server;
        if (!(c instanceof DtlsConnection) || !(srv instanceof DtlsConnection)) throw new Error(`seed ${s}: ${String(c)} / ${String(srv)}`);
        expect(c.cipherSuite).toBe(suite);
        expect(srv.cipherSuite).toBe(suite);
        expect(c.session.namedGroup).toBe(group === 'x25519' ? 29 : 23);
        expect(c.srtpProfile).toBe(srv.srtpProfile);
        expect(c.remoteCertificate.equals(srv === undefined ? Buffer.alloc(0) : (rsa ? certs.rsaB : certs.ecdsaB).der)).toBe(true);
        expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(srv.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
        // Application data both ways over the lossy pipe: count what arrives, all of it authentic.
        const got = { c: 0, s: 0 };
        c.onData((d) => {
          expect(d.toString()).toBe('from server');
          got.c++;
        });
        srv.onData((d) => {
          expect(d.toString()).toBe('from client');
          got.s++;
        });
        for (let i = 0; i < 50; i++) {
          c.send(Buffer.from('from client'));
          srv.send(Buffer.from('from server'));
        }
        await p.clock.advance(200);
        expect(got.c).toBeGreaterThan(10);
        expect(got.s).toBeGreaterThan(10);
        c.close();
        srv.close();
      });
    }
  }

  it('completes for 20 seeds (both roles ours, default suites)', async () => {
    for (let s = 1; s <= 20; s++) {
      const p = startPair({ seed: 1000 + s, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, impairment: IMPAIRED, client: LOSSY_TIMERS, server: LOSSY_TIMERS });
      const ok = await p.clock.runUntil(p.settled, 70_000, 50);
      expect(ok, `seed ${1000 + s}`).toBe(true);
      expect(p.results.client, `seed ${1000 + s}`).toBeInstanceOf(DtlsConnection);
      expect(p.results.server, `seed ${1000 + s}`).toBeInstanceOf(DtlsConnection);
    }
  });
});
