/**
 * DTLS 1.2 interop with werift-dtls over UDP on 127.0.0.1: both roles, both
 * suites werift implements (ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM), both
 * SRTP profiles it knows, extended master secret, mutual certificates checked
 * against fingerprints, application data both ways, `EXTRACTOR-dtls_srtp`
 * compared.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DtlsCertificate, DtlsConnection, type DtlsCipherSuite, type DtlsConfig } from '../../src/dtls/index.js';
import { SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { nodeNet } from '../../src/transport/node-net.js';
import { UdpDatagramTransport } from '../../src/transport/udp-datagram-transport.js';
import {
  WeriftDtlsPeer,
  generateWeriftCertificate,
  type WeriftCertificate,
  type WeriftDtlsPeerOptions,
} from '../support/werift-dtls-peer.js';

const LABEL = 'EXTRACTOR-dtls_srtp';
const SUITE_CODES: Partial<Record<DtlsCipherSuite, number>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
};
const CASES: Array<{ suite: DtlsCipherSuite; profile: SrtpProtectionProfile }> = [
  { suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', profile: SrtpProtectionProfile.AEAD_AES_128_GCM },
  { suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', profile: SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80 },
];

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('DTLS interop with werift-dtls', () => {
  let ours: { ecdsa: DtlsCertificate; rsa: DtlsCertificate };
  let theirs: { ecdsa: WeriftCertificate; rsa: WeriftCertificate };
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    const [oe, or, te, tr] = await Promise.all([
      DtlsCertificate.generate(),
      DtlsCertificate.generate({ keyType: 'rsa-2048' }),
      generateWeriftCertificate('ecdsa'),
      generateWeriftCertificate('rsa'),
    ]);
    ours = { ecdsa: oe, rsa: or };
    theirs = { ecdsa: te, rsa: tr };
  }, 60_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function run(
    role: 'client' | 'server',
    config: DtlsConfig,
    werift: Omit<WeriftDtlsPeerOptions, 'role' | 'remotePort'>,
  ): Promise<{ conn: DtlsConnection; peer: WeriftDtlsPeer; received: Buffer[] }> {
    const socket = await nodeNet.bindUdp({ address: '127.0.0.1', port: 0 });
    const peer =
      role === 'client'
        ? await WeriftDtlsPeer.create({ role: 'server', ...werift })
        : await WeriftDtlsPeer.create({ role: 'client', ...werift, remotePort: socket.localAddress.port });
    cleanups.push(() => peer.close());
    const transport = new UdpDatagramTransport(socket, { address: '127.0.0.1', port: peer.port });
    cleanups.push(() => transport.close());
    const received: Buffer[] = [];
    const connecting = DtlsConnection.connect(transport, { handshakeTimeoutMs: 10_000, ...config });
    connecting.catch(() => undefined);
    const [conn] = await Promise.all([connecting, peer.connect()]);
    cleanups.push(() => conn.close());
    conn.onData((d) => received.push(Buffer.from(d)));
    return { conn, peer, received };
  }

  for (const { suite, profile } of CASES) {
    for (const role of ['client', 'server'] as const) {
      it(`we are ${role}: ${suite}, SRTP profile ${profile}, data both ways`, async () => {
        const rsa = suite.includes('_RSA_');
        // The server's key type decides the suite; the client presents ECDSA.
        const ourCert = role === 'server' && rsa ? ours.rsa : ours.ecdsa;
        const theirCert = role === 'client' && rsa ? theirs.rsa : theirs.ecdsa;
        const { conn, peer, received } = await run(
          role,
          {
            role,
            certificate: ourCert,
            cipherSuites: [suite],
            srtpProfiles: [profile],
            remoteFingerprints: [{ algorithm: 'sha-256', value: theirCert.fingerprint }],
          },
          { certificate: theirCert, srtpProfiles: [7, 1] },
        );
        expect(conn.cipherSuite).toBe(suite);
        expect(peer.cipherSuite).toBe(SUITE_CODES[suite]);
        expect(conn.srtpProfile).toBe(profile);
        expect(peer.srtpProfile).toBe(profile);
        expect(conn.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(peer.exportKeyingMaterial(LABEL, 60).toString('hex'));
        expect(Buffer.compare(conn.remoteCertificate, theirCert.der)).toBe(0);
        expect(peer.remoteCertificate?.equals(ourCert.der)).toBe(true);

        conn.send(Buffer.from('from tern'));
        await peer.waitForData((d) => d.toString() === 'from tern');
        peer.send(Buffer.from('from werift'));
        await waitFor('data from werift', () => received.some((d) => d.toString() === 'from werift'));
      });
    }
  }

  it('application data records up to 16 KB both ways', async () => {
    const { conn, peer, received } = await run(
      'client',
      { role: 'client', certificate: ours.ecdsa, remoteFingerprints: [{ algorithm: 'sha-256', value: theirs.ecdsa.fingerprint }] },
      { certificate: theirs.ecdsa },
    );
    for (const size of [1, 1200, 9000, 16_000]) {
      const payload = Buffer.alloc(size, size & 0xff);
      conn.send(payload);
      await peer.waitForData((d) => d.equals(payload));
      peer.send(payload);
      await waitFor(`${size} bytes from werift`, () => received.some((d) => d.equals(payload)));
    }
  });

  it('werift without extended_master_secret is refused by default (RFC 7627 required)', async () => {
    const peer = await WeriftDtlsPeer.create({ role: 'server', certificate: theirs.ecdsa, extendedMasterSecret: false });
    cleanups.push(() => peer.close());
    const socket = await nodeNet.bindUdp({ address: '127.0.0.1', port: 0 });
    const transport = new UdpDatagramTransport(socket, { address: '127.0.0.1', port: peer.port });
    cleanups.push(() => transport.close());
    const connecting = DtlsConnection.connect(transport, {
      role: 'client',
      certificate: ours.ecdsa,
      insecureSkipVerify: true,
      handshakeTimeoutMs: 5_000,
    });
    await expect(connecting).rejects.toMatchObject({ code: 'ERR_DTLS_EXTENDED_MASTER_SECRET' });
  });
});
