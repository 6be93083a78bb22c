import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { DtlsError } from '../../../src/dtls/errors.js';
import type { DatagramTransport } from '../../../src/transport/datagram-transport.js';
import { createMemoryPipe } from '../../support/memory-pipe.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

/** A transport whose inbound side the test feeds by hand (as a demultiplexing caller would). */
function sendOnly(inner: DatagramTransport): DatagramTransport {
  return {
    send: (d) => inner.send(d),
    onMessage: () => {},
    onClose: (h) => inner.onClose(h),
    close: () => inner.close(),
    get closed() {
      return inner.closed;
    },
  };
}

describe('DtlsConnection driver', () => {
  it('create() + handleDatagram serves callers that demultiplex the transport themselves', async () => {
    const clock = new FakeClock();
    const [a, b] = createMemoryPipe({ clock });
    const fp = (c: typeof certs.ecdsaA) => [{ algorithm: 'sha-256', value: c.fingerprint() }];
    const client = DtlsConnection.create(sendOnly(a), { role: 'client', certificate: certs.ecdsaA, remoteFingerprints: fp(certs.ecdsaB), clock, rng: new SeededRng(1) });
    a.onMessage((d) => client.handleDatagram(d));
    const server = DtlsConnection.create(b, { role: 'server', certificate: certs.ecdsaB, remoteFingerprints: fp(certs.ecdsaA), clock, rng: new SeededRng(2) });
    let done = 0;
    void client.ready.then(() => done++);
    void server.ready.then(() => done++);
    expect(await clock.runUntil(() => done === 2, 5000)).toBe(true);
    expect(client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 16)).toEqual(server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 16));
  });

  it('an unobserved failed create() does not leave an unhandled rejection', async () => {
    const clock = new FakeClock();
    const [a] = createMemoryPipe({ clock });
    const conn = DtlsConnection.create(a, { role: 'client', certificate: certs.ecdsaA, insecureSkipVerify: true, clock, handshakeTimeoutMs: 1000 });
    let reason: string | undefined;
    conn.onClose((r) => (reason = r.error instanceof DtlsError ? r.error.code : r.kind));
    await clock.advance(1500);
    expect(reason).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
    await expect(conn.ready).rejects.toBeInstanceOf(DtlsError);
  });

  it('a throwing data handler does not break the connection', async () => {
    const p = startPair({ seed: 31, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    let n = 0;
    s.onData(() => {
      n++;
      throw new Error('listener bug');
    });
    c.send(Buffer.from('1'));
    c.send(Buffer.from('2'));
    await p.clock.advance(5);
    expect(n).toBe(2);
    expect(s.closed).toBe(false);
    expect(s.session.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  });

  it('API misuse: exporter before connect, reserved labels, oversized records', async () => {
    const p = startPair({ seed: 32, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    expect(() => c.exportKeyingMaterial('master secret', 10)).toThrow(DtlsError);
    expect(() => c.send(Buffer.alloc(16385))).toThrow(DtlsError);
    expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 30, Buffer.from('ctx')).length).toBe(30);
    c.close();
    expect(() => c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 30)).toThrow(DtlsError);
  });

  it('close is reported once to listeners and streams, before and after it happens; the exporter still works once the handshake state is gone', async () => {
    const p = startPair({ seed: 41, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    // Connected: the handshake objects are gone, the session secrets stay for the exporter.
    expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
    const seen: string[] = [];
    s.onClose((r) => seen.push(`listener-before:${r.kind}`));
    s.closed$.subscribe({ next: (r) => seen.push(`stream-before:${r.kind}`), complete: () => seen.push('stream-before:complete') });
    c.close();
    expect(await p.clock.runUntil(() => seen.length >= 3, 5000)).toBe(true);
    s.onClose((r) => seen.push(`listener-after:${r.kind}`));
    s.closed$.subscribe({ next: (r) => seen.push(`stream-after:${r.kind}`), complete: () => seen.push('stream-after:complete') });
    await p.clock.advance(1000);
    expect(seen).toEqual([
      'listener-before:close-notify',
      'stream-before:close-notify',
      'stream-before:complete',
      'listener-after:close-notify',
      'stream-after:close-notify',
      'stream-after:complete',
    ]);
  });
});

