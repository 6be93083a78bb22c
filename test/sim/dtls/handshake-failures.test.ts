import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { AlertDescription } from '../../../src/dtls/constants.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { DtlsError } from '../../../src/dtls/errors.js';
import type { DtlsCloseReason } from '../../../src/dtls/types.js';
import { SrtpProtectionProfile } from '../../../src/srtp/protection-profile.js';
import { createMemoryPipe } from '../../support/memory-pipe.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

function code(x: unknown): string | undefined {
  return x instanceof DtlsError ? x.code : undefined;
}

describe('DTLS handshake failures', () => {
  it('fingerprint mismatch: the client aborts with bad_certificate, the server sees the alert', async () => {
    const p = startPair({
      seed: 7,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { remoteFingerprints: [{ algorithm: 'sha-256', value: certs.ecdsaA.fingerprint() }] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(code(p.results.client)).toBe('ERR_DTLS_FINGERPRINT_MISMATCH');
    expect((p.results.client as DtlsError).alert).toBe(AlertDescription.BadCertificate);
    expect(code(p.results.server)).toBe('ERR_DTLS_ALERT');
    expect((p.results.server as DtlsError).alert).toBe(AlertDescription.BadCertificate);
  });

  it('fingerprint mismatch on the server side (client certificate)', async () => {
    const p = startPair({
      seed: 8,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      server: { remoteFingerprints: [{ algorithm: 'sha-256', value: certs.ecdsaB.fingerprint() }] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(code(p.results.server)).toBe('ERR_DTLS_FINGERPRINT_MISMATCH');
    expect(code(p.results.client)).toBe('ERR_DTLS_ALERT');
    expect((p.results.client as DtlsError).alert).toBe(AlertDescription.BadCertificate);
  });

  it('accepts a sha-512 fingerprint in lowercase', async () => {
    const p = startPair({
      seed: 9,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { remoteFingerprints: [{ algorithm: 'SHA-512', value: certs.ecdsaB.fingerprint('sha-512').toLowerCase() }] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(p.results.client).toBeInstanceOf(DtlsConnection);
  });

  it('no use_srtp overlap: the server fails with ERR_DTLS_NO_SRTP_PROFILE and handshake_failure', async () => {
    const p = startPair({
      seed: 10,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { srtpProfiles: [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32] },
      server: { srtpProfiles: [SrtpProtectionProfile.AEAD_AES_128_GCM] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(code(p.results.server)).toBe('ERR_DTLS_NO_SRTP_PROFILE');
    expect((p.results.server as Error).message).toMatch(/SRTP_AEAD_AES_128_GCM/);
    expect(code(p.results.client)).toBe('ERR_DTLS_ALERT');
    expect((p.results.client as DtlsError).alert).toBe(AlertDescription.HandshakeFailure);
  });

  it('the server picks its preferred SRTP profile among the offered ones', async () => {
    const p = startPair({
      seed: 11,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { srtpProfiles: [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.AEAD_AES_256_GCM] },
      server: { srtpProfiles: [SrtpProtectionProfile.AEAD_AES_256_GCM, SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect((p.results.client as DtlsConnection).srtpProfile).toBe(SrtpProtectionProfile.AEAD_AES_256_GCM);
    expect((p.results.server as DtlsConnection).srtpProfile).toBe(SrtpProtectionProfile.AEAD_AES_256_GCM);
  });

  it('without use_srtp on both sides (data only) the handshake completes with no profile', async () => {
    const p = startPair({ seed: 12, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, client: { srtpProfiles: [] }, server: { srtpProfiles: [] } });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect((p.results.client as DtlsConnection).srtpProfile).toBeUndefined();
  });

  it('no cipher suite in common', async () => {
    const p = startPair({
      seed: 13,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(code(p.results.server)).toBe('ERR_DTLS_NO_CIPHER_SUITE');
    expect(code(p.results.client)).toBe('ERR_DTLS_ALERT');
  });

  it('extended master secret required by the server but disabled by the client', async () => {
    const p = startPair({ seed: 14, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, client: { extendedMasterSecret: 'disable' } });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(code(p.results.server)).toBe('ERR_DTLS_EXTENDED_MASTER_SECRET');
  });

  it('without EMS on both sides the legacy master secret still yields equal keys', async () => {
    const p = startPair({
      seed: 15,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { extendedMasterSecret: 'request' },
      server: { extendedMasterSecret: 'disable' },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    expect(c.session.extendedMasterSecret).toBe(false);
    expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
  });

  it('the peer never answers: ERR_DTLS_HANDSHAKE_TIMEOUT after handshakeTimeoutMs, with doubling retransmissions', async () => {
    const clock = new FakeClock();
    const [a] = createMemoryPipe({ clock });
    const sent: number[] = [];
    a.setFilter(() => {
      sent.push(clock.now());
      return true;
    });
    let result: unknown;
    DtlsConnection.connect(a, {
      role: 'client',
      certificate: certs.ecdsaA,
      insecureSkipVerify: true,
      clock,
      rng: new SeededRng(1),
      handshakeTimeoutMs: 20_000,
    }).then(
      (c) => (result = c),
      (e: unknown) => (result = e),
    );
    await clock.runUntil(() => result !== undefined, 25_000, 100);
    expect(code(result)).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
    expect(clock.now()).toBeGreaterThanOrEqual(20_000);
    expect(clock.now()).toBeLessThan(20_200);
    // Flight 1 at 0, then 1 s, 3 s, 7 s, 15 s (RFC 6347 §4.2.4.1 doubling).
    expect(sent).toEqual([0, 1000, 3000, 7000, 15000]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a server that never hears a ClientHello times out too', async () => {
    const clock = new FakeClock();
    const [, b] = createMemoryPipe({ clock });
    let result: unknown;
    DtlsConnection.connect(b, { role: 'server', certificate: certs.ecdsaB, insecureSkipVerify: true, clock, handshakeTimeoutMs: 5000 }).then(
      (c) => (result = c),
      (e: unknown) => (result = e),
    );
    await clock.runUntil(() => result !== undefined, 6000, 100);
    expect(code(result)).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
  });

  it('a missing remoteFingerprints without insecureSkipVerify is a config error', async () => {
    const clock = new FakeClock();
    const [a] = createMemoryPipe({ clock });
    expect(() => DtlsConnection.connect(a, { role: 'client', certificate: certs.ecdsaA, clock })).toThrow(/remoteFingerprints/);
  });
});

describe('DTLS close', () => {
  it('close_notify both ways: the closer reports local, the peer close-notify', async () => {
    const p = startPair({ seed: 21, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    const reasons: Record<string, DtlsCloseReason> = {};
    c.onClose((r) => (reasons['c'] = r));
    s.closed$.subscribe((r) => (reasons['s'] = r));
    c.close();
    c.close();
    await p.clock.advance(10);
    expect(reasons['c']?.kind).toBe('local');
    expect(reasons['s']?.kind).toBe('close-notify');
    expect(() => c.send(Buffer.from('x'))).toThrow(DtlsError);
    expect(p.clock.pendingTimers).toBe(0);
  });

  it('the server closing works the same way', async () => {
    const p = startPair({ seed: 22, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    let clientReason: DtlsCloseReason | undefined;
    c.onClose((r) => (clientReason = r));
    s.close();
    await p.clock.advance(10);
    expect(clientReason?.kind).toBe('close-notify');
    expect(s.closed).toBe(true);
  });

  it('closing the transport closes the connection with reason transport', async () => {
    const p = startPair({ seed: 23, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    let reason: DtlsCloseReason | undefined;
    c.onClose((r) => (reason = r));
    p.pipe[0].close();
    expect(reason?.kind).toBe('transport');
  });

  it('closing during the handshake rejects connect', async () => {
    const clock = new FakeClock();
    const [a] = createMemoryPipe({ clock });
    const pending = DtlsConnection.connect(a, { role: 'client', certificate: certs.ecdsaA, insecureSkipVerify: true, clock });
    a.close();
    await expect(pending).rejects.toMatchObject({ name: 'DtlsError' });
  });
});
