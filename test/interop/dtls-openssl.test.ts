/**
 * DTLS 1.2 interop with OpenSSL (`openssl s_server` / `s_client -dtls1_2`) over
 * UDP on 127.0.0.1: both roles, every suite we implement, every SRTP profile,
 * client certificates both ways, application data both ways, and the
 * RFC 5705 / RFC 5764 §4.2 `EXTRACTOR-dtls_srtp` keying material compared
 * byte for byte.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DtlsCertificate,
  DtlsConnection,
  DtlsError,
  type DtlsCipherSuite,
  type DtlsConfig,
} from '../../src/dtls/index.js';
import { SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { nodeNet } from '../../src/transport/node-net.js';
import { UdpDatagramTransport } from '../../src/transport/udp-datagram-transport.js';
import {
  OPENSSL_CIPHER_NAMES,
  OPENSSL_SRTP_NAMES,
  OpensslCertificateStore,
  OpensslDtlsPeer,
  freeUdpPort,
  opensslAvailable,
  type OpensslDtlsOptions,
} from '../support/openssl-dtls.js';

const LABEL = 'EXTRACTOR-dtls_srtp';
const ALL_OPENSSL_PROFILES = Object.values(OPENSSL_SRTP_NAMES);
const PROFILES = [
  SrtpProtectionProfile.AEAD_AES_128_GCM,
  SrtpProtectionProfile.AEAD_AES_256_GCM,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
] as const;
const SUITES = Object.keys(OPENSSL_CIPHER_NAMES) as DtlsCipherSuite[];
const isRsa = (s: DtlsCipherSuite): boolean => s.includes('_RSA_');

interface Ours {
  conn: Promise<DtlsConnection>;
  transport: UdpDatagramTransport;
  port: number;
  received: Buffer[];
}

/** Starts our endpoint on 127.0.0.1 towards `peerPort`; the promise settles with the handshake. */
/** `peerPortOf` is asked for once our socket is bound, so a port picked for the peer is never ours. */
async function startOurs(peerPortOf: () => Promise<number> | number, config: DtlsConfig): Promise<Ours> {
  const socket = await nodeNet.bindUdp({ address: '127.0.0.1', port: 0 });
  const peerPort = await peerPortOf();
  const transport = new UdpDatagramTransport(socket, { address: '127.0.0.1', port: peerPort });
  const received: Buffer[] = [];
  const conn = DtlsConnection.connect(transport, { handshakeTimeoutMs: 10_000, ...config }).then((c) => {
    c.onData((d) => received.push(Buffer.from(d)));
    return c;
  });
  conn.catch(() => undefined);
  return { conn, transport, port: socket.localAddress.port, received };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.skipIf(!opensslAvailable())('DTLS interop with OpenSSL', () => {
  let store: OpensslCertificateStore;
  let ecdsa: DtlsCertificate;
  let rsa: DtlsCertificate;
  const cleanups: Array<() => void> = [];
  const track = <T extends { close(): unknown }>(x: T): T => {
    cleanups.push(() => void x.close());
    return x;
  };

  beforeAll(async () => {
    store = new OpensslCertificateStore();
    [ecdsa, rsa] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate({ keyType: 'rsa-2048' })]);
    store.get('ecdsa-p256');
    store.get('rsa-2048');
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  afterAll(() => store?.dispose());

  /** Runs one handshake with us in `role`; returns both sides. */
  async function run(
    role: 'client' | 'server',
    ours: Partial<DtlsConfig>,
    openssl: Partial<OpensslDtlsOptions>,
  ): Promise<{ conn: Promise<DtlsConnection>; peer: OpensslDtlsPeer; received: Buffer[] }> {
    let peerPort = 0;
    const certificate = ours.certificate ?? ecdsa;
    const theirCert = openssl.certificate ?? store.get('ecdsa-p256');
    // Verify OpenSSL's certificate against its fingerprint, as WebRTC does.
    ours = { remoteFingerprints: [{ algorithm: 'sha-256', value: theirCert.fingerprint }], ...ours };
    if (role === 'client') {
      peerPort = await freeUdpPort();
      const peer = track(await OpensslDtlsPeer.start({ role: 'server', localPort: peerPort, ...openssl, certificate: theirCert }));
      const o = await startOurs(() => peerPort, { role, certificate, ...ours });
      track(o.transport);
      o.conn.then((c) => track(c), () => undefined);
      return { conn: o.conn, peer, received: o.received };
    }
    const o = await startOurs(async () => (peerPort = await freeUdpPort()), { role, certificate, ...ours });
    track(o.transport);
    o.conn.then((c) => track(c), () => undefined);
    const peer = track(
      await OpensslDtlsPeer.start({
        role: 'client',
        localPort: peerPort,
        remotePort: o.port,
        ...openssl,
        certificate: theirCert,
      }),
    );
    return { conn: o.conn, peer, received: o.received };
  }

  SUITES.forEach((suite, i) => {
    for (const role of ['client', 'server'] as const) {
      const profile = PROFILES[(i * 2 + (role === 'server' ? 1 : 0)) % PROFILES.length]!;
      it(`we are ${role}: ${suite}, ${OPENSSL_SRTP_NAMES[profile]}, mutual certificates, data both ways`, async () => {
        const ourCert = role === 'server' && isRsa(suite) ? rsa : ecdsa;
        const theirCert = store.get(role === 'client' && isRsa(suite) ? 'rsa-2048' : 'ecdsa-p256');
        const { conn, peer, received } = await run(
          role,
          {
            certificate: ourCert,
            cipherSuites: [suite],
            srtpProfiles: [profile],
            remoteFingerprints: [{ algorithm: 'sha-256', value: theirCert.fingerprint }],
          },
          { certificate: theirCert, cipher: OPENSSL_CIPHER_NAMES[suite as keyof typeof OPENSSL_CIPHER_NAMES], srtpProfiles: ALL_OPENSSL_PROFILES },
        );
        const [c, theirs] = await Promise.all([conn, peer.handshake()]);

        expect(c.cipherSuite).toBe(suite);
        expect(theirs.cipher).toBe(OPENSSL_CIPHER_NAMES[suite as keyof typeof OPENSSL_CIPHER_NAMES]);
        expect(c.srtpProfile).toBe(profile);
        expect(theirs.srtpProfile).toBe(OPENSSL_SRTP_NAMES[profile]);
        expect(c.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(theirs.keyingMaterial.toString('hex'));
        if (theirs.extendedMasterSecret !== undefined) expect(theirs.extendedMasterSecret).toBe(true);
        // Certificates, both ways.
        expect(Buffer.compare(c.remoteCertificate, theirCert.der)).toBe(0);
        const presented = peer.peerCertificatePem();
        expect(presented).toBeDefined();
        expect(new X509Certificate(presented!).fingerprint256).toBe(ourCert.fingerprint());

        c.send(Buffer.from('tern says hello\n'));
        await peer.waitForData('tern says hello');
        peer.send('openssl says hello');
        await waitFor('data from openssl', () => Buffer.concat(received).toString().includes('openssl says hello'));
      });
    }
  });

  it('we are client: HelloVerifyRequest cookie exchange (s_server -listen)', async () => {
    const { conn, peer } = await run('client', {}, { cookieExchange: true });
    const [c, theirs] = await Promise.all([conn, peer.handshake()]);
    expect(c.exportKeyingMaterial(LABEL, 60).equals(theirs.keyingMaterial)).toBe(true);
  });

  it('we are client: fragmented flights at MTU 400 with RSA certificates both ways', async () => {
    const { conn, peer } = await run(
      'client',
      { certificate: rsa, mtu: 400, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] },
      { certificate: store.get('rsa-2048'), mtu: 400 },
    );
    const [c, theirs] = await Promise.all([conn, peer.handshake()]);
    expect(c.exportKeyingMaterial(LABEL, 60).equals(theirs.keyingMaterial)).toBe(true);
  });

  it('we are server: fragmented flights at MTU 400 with an RSA certificate', async () => {
    const { conn, peer } = await run(
      'server',
      { certificate: rsa, mtu: 400 },
      { cipher: OPENSSL_CIPHER_NAMES.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, mtu: 400 },
    );
    const [c, theirs] = await Promise.all([conn, peer.handshake()]);
    expect(c.cipherSuite).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(c.exportKeyingMaterial(LABEL, 60).equals(theirs.keyingMaterial)).toBe(true);
  });

  it('we are server: SRTP profile chosen from the client offer by our preference', async () => {
    const { conn, peer } = await run(
      'server',
      { srtpProfiles: [SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.AEAD_AES_128_GCM] },
      { srtpProfiles: ['SRTP_AES128_CM_SHA1_32', 'SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_SHA1_80'] },
    );
    const [c, theirs] = await Promise.all([conn, peer.handshake()]);
    expect([SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.AEAD_AES_128_GCM]).toContain(c.srtpProfile);
    expect(theirs.srtpProfile).toBe(OPENSSL_SRTP_NAMES[c.srtpProfile!]);
  });

  it('signature schemes: RSA-PSS and RSA PKCS#1 v1.5, whichever the peer offers, both directions', async () => {
    for (const [sigalgs, expected] of [
      ['rsa_pss_rsae_sha256', 'RSA-PSS'],
      ['RSA+SHA256', 'RSA'],
    ] as const) {
      // Our RSA server signs ServerKeyExchange with what the client offered.
      const a = await run(
        'server',
        { certificate: rsa, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] },
        // (OpenSSL's own certificate must be RSA too: -sigalgs also limits what it may sign with.)
        { extraArgs: ['-sigalgs', sigalgs], certificate: store.get('rsa-2048') },
      );
      const [ca, ta] = await Promise.all([a.conn, a.peer.handshake()]);
      expect(ta.peerSignatureType).toBe(expected);
      expect(ca.exportKeyingMaterial(LABEL, 60).equals(ta.keyingMaterial)).toBe(true);
      // Our RSA client signs CertificateVerify with what the server's CertificateRequest offered.
      const b = await run('client', { certificate: rsa }, { extraArgs: ['-client_sigalgs', sigalgs] });
      const [cb, tb] = await Promise.all([b.conn, b.peer.handshake()]);
      expect(tb.peerSignatureType).toBe(expected);
      expect(cb.exportKeyingMaterial(LABEL, 60).equals(tb.keyingMaterial)).toBe(true);
    }
  });

  it('ECDHE groups: P-256 and X25519 both ways', async () => {
    // Our client offering only P-256.
    const a = await run('client', { namedGroups: ['p256'] }, {});
    const [ca, ta] = await Promise.all([a.conn, a.peer.handshake()]);
    expect(ca.session.namedGroup).toBe(23);
    expect(ca.exportKeyingMaterial(LABEL, 60).equals(ta.keyingMaterial)).toBe(true);
    // Our server choosing P-256 / X25519 from OpenSSL's offer; the client reports the server's key.
    for (const [groups, temp, code] of [
      [['p256'], /prime256v1/, 23],
      [['x25519'], /X25519/, 29],
    ] as const) {
      const b = await run('server', { namedGroups: [...groups] }, {});
      const [cb, tb] = await Promise.all([b.conn, b.peer.handshake()]);
      expect(cb.session.namedGroup).toBe(code);
      expect(tb.serverTempKey).toMatch(temp);
      expect(cb.exportKeyingMaterial(LABEL, 60).equals(tb.keyingMaterial)).toBe(true);
    }
  });

  it('we are server without requiring a client certificate: OpenSSL client presents none', async () => {
    const { conn, peer } = await run('server', { requireClientCertificate: false }, { presentCertificate: false });
    const [c, theirs] = await Promise.all([conn, peer.handshake()]);
    expect(c.exportKeyingMaterial(LABEL, 60).equals(theirs.keyingMaterial)).toBe(true);
  });

  it('we are server requiring a client certificate: a client without one is rejected', async () => {
    const { conn } = await run('server', {}, { presentCertificate: false });
    await expect(conn).rejects.toBeInstanceOf(DtlsError);
  });

  it('we are client: a certificate that does not match the fingerprint aborts with a typed error', async () => {
    const { conn, peer } = await run('client', { remoteFingerprints: [{ algorithm: 'sha-256', value: ecdsa.fingerprint() }] }, {});
    await expect(conn).rejects.toMatchObject({ code: 'ERR_DTLS_FINGERPRINT_MISMATCH' });
    // We told OpenSSL why (fatal alert).
    await peer.waitForOutput(/alert/i, 5_000);
  });

  it('we are client: no SRTP profile in common is a clear error', async () => {
    const { conn } = await run(
      'client',
      { srtpProfiles: [SrtpProtectionProfile.AEAD_AES_256_GCM] },
      { srtpProfiles: ['SRTP_AES128_CM_SHA1_32'] },
    );
    await expect(conn).rejects.toMatchObject({ code: 'ERR_DTLS_NO_SRTP_PROFILE' });
  });

  it('close_notify both ways', async () => {
    // Ours closes: OpenSSL's server sees close_notify and ends the session.
    const a = await run('client', {}, {});
    const [ca] = await Promise.all([a.conn, a.peer.handshake()]);
    ca.close();
    ca.close(); // idempotent
    await a.peer.waitForOutput(/DONE|shutting down|CONNECTION CLOSED/, 5_000);

    // OpenSSL's client closes (stdin EOF sends close_notify): ours reports the close.
    const b = await run('server', {}, {});
    const [cb] = await Promise.all([b.conn, b.peer.handshake()]);
    let closed = false;
    cb.onClose(() => {
      closed = true;
    });
    b.peer.endInput();
    await waitFor('close_notify from OpenSSL', () => closed);
  });
});

