/**
 * DTLS 1.2 interop with Pion's dtls/v2 (test/interop/pion/dtls-peer) over UDP
 * on 127.0.0.1: both roles, every suite both implement, every SRTP profile,
 * extended master secret required, mutual certificates with fingerprint
 * checks, application data echoed back, and `EXTRACTOR-dtls_srtp` compared.
 */
import { X509Certificate } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DtlsCertificate,
  DtlsConnection,
  DtlsError,
  type DtlsCipherSuite,
  type DtlsConfig,
} from '../../src/dtls/index.js';
import { SRTP_PROFILE_PARAMS, SrtpProtectionProfile } from '../../src/srtp/protection-profile.js';
import { nodeNet } from '../../src/transport/node-net.js';
import { UdpDatagramTransport } from '../../src/transport/udp-datagram-transport.js';
import { GoPeer } from '../support/go-peer.js';
import { freeUdpPort } from '../support/openssl-dtls.js';
import { pionAvailable, pionBinary } from '../support/pion.js';

const LABEL = 'EXTRACTOR-dtls_srtp';
/** The suites both Pion dtls v2.2.6 and we implement (Pion has no ChaCha20-Poly1305). */
const SUITES: DtlsCipherSuite[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
];
const PROFILES = [
  SrtpProtectionProfile.AEAD_AES_128_GCM,
  SrtpProtectionProfile.AEAD_AES_256_GCM,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
  SrtpProtectionProfile.AES128_CM_HMAC_SHA1_32,
] as const;
const ALL_PION_PROFILES = PROFILES.map((p) => SRTP_PROFILE_PARAMS[p].name).join(',');
const isRsa = (s: DtlsCipherSuite): boolean => s.includes('_RSA_');

/**
 * A UDP relay on 127.0.0.1 between our endpoint and Pion that drops chosen
 * datagrams: the `dropIndexes`-th datagram (0-based) from each side.
 */
class LossyRelay {
  pion = 0;
  ours: { address: string; port: number } | undefined;
  dropIndexes = new Set<number>();
  dropped = 0;
  readonly #counts = { ours: 0, pion: 0 };

  private constructor(private readonly socket: Socket) {
    socket.on('message', (data, from) => {
      const fromPion = from.port === this.pion;
      if (!fromPion) this.ours ??= { address: from.address, port: from.port };
      const side = fromPion ? 'pion' : 'ours';
      const index = this.#counts[side]++;
      if (this.dropIndexes.has(index)) {
        this.dropped++;
        return;
      }
      const to = fromPion ? this.ours : { address: '127.0.0.1', port: this.pion };
      if (to && to.port !== 0) socket.send(data, to.port, to.address);
    });
  }

  static async start(): Promise<LossyRelay> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new LossyRelay(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.skipIf(!pionAvailable())('DTLS interop with Pion', () => {
  let binary: string;
  let ecdsa: DtlsCertificate;
  let rsa: DtlsCertificate;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    binary = pionBinary('dtls-peer');
    [ecdsa, rsa] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate({ keyType: 'rsa-2048' })]);
  }, 120_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  interface Session {
    conn: Promise<DtlsConnection>;
    pion: GoPeer;
    received: Buffer[];
    /** Pion's certificate fingerprint (from its `listening` line). */
    pionFingerprint: Promise<string>;
  }

  /**
   * Runs Pion in the other role. As client we verify Pion's certificate
   * against the fingerprint it printed; Pion always verifies ours.
   */
  async function run(role: 'client' | 'server', ours: Partial<DtlsConfig>, pionArgs: string[], relay?: LossyRelay): Promise<Session> {
    const certificate = ours.certificate ?? ecdsa;
    const base = ['-remote-fingerprint', certificate.fingerprint(), '-lifetime', '20s', ...pionArgs];
    let pion: GoPeer;
    let peerPort: number;
    let socketPort: number;
    const received: Buffer[] = [];
    // `remotePort` is asked for once our socket is bound, so a port picked for Pion is never ours.
    const start = async (
      remotePortOf: () => Promise<number> | number,
      config: DtlsConfig,
    ): Promise<{ conn: Promise<DtlsConnection>; port: number }> => {
      const socket = await nodeNet.bindUdp({ address: '127.0.0.1', port: 0 });
      const remotePort = await remotePortOf();
      const transport = new UdpDatagramTransport(socket, { address: '127.0.0.1', port: remotePort });
      cleanups.push(() => transport.close());
      const conn = DtlsConnection.connect(transport, { handshakeTimeoutMs: 10_000, ...config }).then((c) => {
        cleanups.push(() => c.close());
        c.onData((d) => received.push(Buffer.from(d)));
        return c;
      });
      conn.catch(() => undefined);
      return { conn, port: socket.localAddress.port };
    };
    if (role === 'client') {
      pion = new GoPeer(binary, ['-role', 'server', '-local', '127.0.0.1:0', ...base], { maxLifetimeMs: 25_000 });
      cleanups.push(() => pion.close());
      const listening = await pion.next('listening');
      peerPort = Number(listening['port']);
      const fp = String(listening['fingerprint']);
      if (relay) relay.pion = peerPort;
      const o = await start(() => (relay ? relay.port : peerPort), {
        role,
        certificate,
        remoteFingerprints: [{ algorithm: 'sha-256', value: fp }],
        ...ours,
      });
      return { conn: o.conn, pion, received, pionFingerprint: Promise.resolve(fp) };
    }
    peerPort = 0;
    // Pion generates its certificate at start-up, so as server we accept any
    // certificate and compare it with the fingerprint Pion printed afterwards.
    const o = await start(
      async () => {
        peerPort = await freeUdpPort();
        return relay ? relay.port : peerPort;
      },
      { role, certificate, insecureSkipVerify: true, ...ours },
    );
    socketPort = o.port;
    if (relay) {
      relay.pion = peerPort;
      relay.ours = { address: '127.0.0.1', port: socketPort };
    }
    const pionRemote = relay ? relay.port : socketPort;
    pion = new GoPeer(binary, ['-role', 'client', '-local', `127.0.0.1:${peerPort}`, '-remote', `127.0.0.1:${pionRemote}`, ...base], {
      maxLifetimeMs: 25_000,
    });
    cleanups.push(() => pion.close());
    const pionFingerprint = pion.next('listening').then((m) => String(m['fingerprint']));
    pionFingerprint.catch(() => undefined);
    return { conn: o.conn, pion, received, pionFingerprint };
  }

  SUITES.forEach((suite, i) => {
    for (const role of ['client', 'server'] as const) {
      const profile = PROFILES[(i * 2 + (role === 'server' ? 1 : 0)) % PROFILES.length]!;
      const profileName = SRTP_PROFILE_PARAMS[profile].name;
      it(`we are ${role}: ${suite}, ${profileName}, mutual certificates, echo`, async () => {
        const pionKey = role === 'client' && isRsa(suite) ? 'rsa' : 'ecdsa';
        const ourCert = role === 'server' && isRsa(suite) ? rsa : ecdsa;
        const s = await run(role, { certificate: ourCert, cipherSuites: [suite], srtpProfiles: [profile] }, [
          '-suites',
          suite,
          '-srtp',
          ALL_PION_PROFILES,
          '-key',
          pionKey,
        ]);
        const [c, connected] = await Promise.all([s.conn, s.pion.next('connected')]);

        expect(c.cipherSuite).toBe(suite);
        expect(connected['cipherSuite']).toBe(suite);
        expect(c.srtpProfile).toBe(profile);
        expect(connected['srtpProfile']).toBe(profileName);
        expect(c.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(connected['keyingMaterial']);
        // Certificates, both ways (Pion also checked ours against -remote-fingerprint).
        expect(connected['peerCertificate']).toBe(ourCert.der.toString('hex'));
        expect(new X509Certificate(c.remoteCertificate).fingerprint256).toBe(await s.pionFingerprint);

        const payload = Buffer.from(`hello pion ${role} ${suite}`);
        c.send(payload);
        await s.pion.next((m) => m.type === 'data' && m['hex'] === payload.toString('hex'));
        await waitFor('echo from Pion', () => s.received.some((d) => d.equals(payload)));
      });
    }
  });

  it('we are client: fragmented flights at MTU 400 with RSA certificates both ways', async () => {
    const s = await run('client', { certificate: rsa, mtu: 400, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] }, [
      '-key',
      'rsa',
      '-mtu',
      '400',
    ]);
    const [c, connected] = await Promise.all([s.conn, s.pion.next('connected')]);
    expect(c.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(connected['keyingMaterial']);
  });

  it('we are server: fragmented flights at MTU 400 with an RSA certificate', async () => {
    const s = await run('server', { certificate: rsa, mtu: 400 }, ['-suites', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', '-mtu', '400']);
    const [c, connected] = await Promise.all([s.conn, s.pion.next('connected')]);
    expect(c.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(connected['keyingMaterial']);
  });

  it('ECDHE group P-256 in both roles', async () => {
    for (const role of ['client', 'server'] as const) {
      const s = await run(role, { namedGroups: ['p256'] }, []);
      const [c, connected] = await Promise.all([s.conn, s.pion.next('connected')]);
      expect(c.session.namedGroup).toBe(23);
      expect(c.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(connected['keyingMaterial']);
    }
  });

  it('retransmission: lost flights in both directions are recovered with Pion (both roles)', async () => {
    for (const role of ['client', 'server'] as const) {
      const relay = await LossyRelay.start();
      cleanups.push(() => relay.close());
      // Drop the 2nd and 4th datagram each side sends (e.g. a server's first flight after the
      // HelloVerifyRequest, a client's second ClientHello or its key exchange flight).
      relay.dropIndexes = new Set([1, 3]);
      const s = await run(role, { retransmitInitialMs: 300 }, [], relay);
      const [c, connected] = await Promise.all([s.conn, s.pion.next('connected', 15_000)]);
      expect(relay.dropped).toBeGreaterThan(0);
      expect(c.exportKeyingMaterial(LABEL, 60).toString('hex')).toBe(connected['keyingMaterial']);
    }
  });

  it('application data records up to 8 KB both ways (Pion reads datagrams into an 8192-byte buffer)', async () => {
    const s = await run('client', {}, []);
    const [c] = await Promise.all([s.conn, s.pion.next('connected')]);
    for (const size of [1, 1200, 4000, 8000]) {
      const payload = Buffer.alloc(size, size & 0xff);
      c.send(payload);
      await waitFor(`echo of ${size} bytes`, () => s.received.some((d) => d.equals(payload)));
    }
  });

  it('keying material of other lengths and the default suite/profile choice', async () => {
    const s = await run('client', {}, ['-export-length', '32']);
    const [c, connected] = await Promise.all([s.conn, s.pion.next('connected')]);
    expect(c.exportKeyingMaterial(LABEL, 32).toString('hex')).toBe(connected['keyingMaterial']);
    expect(c.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(c.srtpProfile).toBe(SrtpProtectionProfile.AEAD_AES_128_GCM);
  });

  it('we are client: Pion presenting a certificate that does not match the fingerprint aborts with a typed error', async () => {
    const s = await run('client', { remoteFingerprints: [{ algorithm: 'sha-256', value: rsa.fingerprint() }] }, []);
    await expect(s.conn).rejects.toMatchObject({ code: 'ERR_DTLS_FINGERPRINT_MISMATCH' });
    await s.pion.next('error');
  });

  it('we are client: Pion rejecting our certificate surfaces as a DtlsError', async () => {
    const s = await run('client', {}, ['-remote-fingerprint', rsa.fingerprint()]);
    await expect(s.conn).rejects.toBeInstanceOf(DtlsError);
  });

  it('we are server: no SRTP profile in common is a clear error', async () => {
    const s = await run('server', { srtpProfiles: [SrtpProtectionProfile.AEAD_AES_256_GCM] }, ['-srtp', 'SRTP_AES128_CM_HMAC_SHA1_32']);
    await expect(s.conn).rejects.toMatchObject({ code: 'ERR_DTLS_NO_SRTP_PROFILE' });
  });

  it('close_notify from us ends the Pion session', async () => {
    const s = await run('server', {}, []);
    const [c] = await Promise.all([s.conn, s.pion.next('connected')]);
    c.close();
    await s.pion.next('closed');
  });

  it('close_notify from Pion is reported', async () => {
    const s = await run('client', {}, []);
    const [c] = await Promise.all([s.conn, s.pion.next('connected')]);
    let closed = false;
    c.onClose(() => {
      closed = true;
    });
    // On stdin EOF the peer closes its connection (close_notify) and exits. With the whole
    // suite (browsers included) on two cores, the Go process can wait seconds for a core.
    await s.pion.close(10_000);
    await waitFor('close_notify from Pion', () => closed, 15_000);
  });
});
