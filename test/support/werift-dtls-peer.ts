/**
 * A werift-dtls endpoint (client or server) over a UDP socket on 127.0.0.1,
 * for interop tests and benchmarks. werift-dtls 0.5.8 negotiates
 * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 with an ECDSA certificate and
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 with an RSA one, and the SRTP
 * profiles AES128_CM_HMAC_SHA1_80 (1) and AEAD_AES_128_GCM (7).
 *
 * The package's `main` entry is missing from its published files, so the
 * implementation is loaded from its `lib/dtls/src` folder.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import {
  CipherContext,
  DtlsClient,
  DtlsServer,
  HashAlgorithm,
  NamedCurveAlgorithm,
  SignatureAlgorithm,
  type DtlsSocket,
  type SignatureHash,
} from 'werift-dtls/lib/dtls/src/index.js';

export type WeriftKeyType = 'ecdsa' | 'rsa';

export interface WeriftCertificate {
  readonly keyType: WeriftKeyType;
  readonly certPem: string;
  readonly keyPem: string;
  readonly signatureHash: SignatureHash;
  readonly der: Buffer;
  /** SHA-256, 'AB:CD:...' as in SDP. */
  readonly fingerprint: string;
}

/** Generates a self-signed certificate the way werift does (its own helper). */
export async function generateWeriftCertificate(keyType: WeriftKeyType = 'ecdsa'): Promise<WeriftCertificate> {
  const signatureHash: SignatureHash = {
    hash: HashAlgorithm.sha256_4,
    signature: keyType === 'ecdsa' ? SignatureAlgorithm.ecdsa_3 : SignatureAlgorithm.rsa_1,
  };
  const { certPem, keyPem } = await CipherContext.createSelfSignedCertificateWithKey(
    signatureHash,
    keyType === 'ecdsa' ? NamedCurveAlgorithm.secp256r1_23 : undefined,
  );
  const x509 = new X509Certificate(certPem);
  return { keyType, certPem, keyPem, signatureHash, der: x509.raw, fingerprint: x509.fingerprint256 };
}

/** werift's transport interface, implemented over a dgram socket that talks to one remote. */
class WeriftUdpTransport {
  readonly type = 'udp';
  closed = false;
  onData: (data: Buffer, addr: [string, number]) => void = () => undefined;
  remote: { address: string; port: number } | undefined;

  constructor(readonly socket: Socket) {
    socket.on('message', (data, rinfo) => {
      if (this.remote && (rinfo.address !== this.remote.address || rinfo.port !== this.remote.port)) return;
      // A server learns its client from the first datagram.
      this.remote ??= { address: rinfo.address, port: rinfo.port };
      try {
        this.onData(data, [rinfo.address, rinfo.port]);
      } catch {
        // werift reports its own errors through onError
      }
    });
    socket.on('error', () => undefined);
  }

  get address(): AddressInfo {
    return this.socket.address();
  }

  send = (data: Buffer): Promise<void> => {
    const r = this.remote;
    if (!this.closed && r) this.socket.send(data, r.port, r.address);
    return Promise.resolve();
  };

  close = (): Promise<void> => {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  };
}

export interface WeriftDtlsPeerOptions {
  role: 'client' | 'server';
  certificate: WeriftCertificate;
  /** Client: the server to connect to on 127.0.0.1. Server: optional, else learned from the first datagram. */
  remotePort?: number;
  /** Local port on 127.0.0.1 (default 0). */
  localPort?: number;
  /** SRTP profile wire codes (werift supports 1 and 7). Default [7, 1]. Empty = no use_srtp. */
  srtpProfiles?: number[];
  /** Server: send a CertificateRequest. Default true. */
  certificateRequest?: boolean;
  /** Offer/accept extended_master_secret. Default true. */
  extendedMasterSecret?: boolean;
}

export class WeriftDtlsPeer {
  readonly dtls: DtlsSocket;
  readonly #transport: WeriftUdpTransport;
  readonly #role: 'client' | 'server';
  #connected: Promise<void>;
  #received: Buffer[] = [];
  #dataWaiters = new Set<() => void>();

  private constructor(options: WeriftDtlsPeerOptions, transport: WeriftUdpTransport) {
    this.#transport = transport;
    this.#role = options.role;
    const cert = options.certificate;
    const common = {
      transport: transport as unknown as ConstructorParameters<typeof DtlsServer>[0]['transport'],
      cert: cert.certPem,
      key: cert.keyPem,
      signatureHash: cert.signatureHash,
      srtpProfiles: (options.srtpProfiles ?? [7, 1]) as never[],
      extendedMasterSecret: options.extendedMasterSecret ?? true,
      certificateRequest: options.certificateRequest ?? true,
    };
    this.dtls = options.role === 'client' ? new DtlsClient(common) : new DtlsServer(common);
    this.#connected = new Promise((resolve, reject) => {
      this.dtls.onConnect.subscribe(() => resolve());
      this.dtls.onError.subscribe((err: Error) => reject(err));
    });
    this.#connected.catch(() => undefined);
    this.dtls.onData.subscribe((data: Buffer) => {
      if (this.#received.length < 1000) this.#received.push(Buffer.from(data));
      for (const w of [...this.#dataWaiters]) w();
    });
  }

  /** Binds the socket; the server is ready for a ClientHello when this resolves. */
  static async create(options: WeriftDtlsPeerOptions): Promise<WeriftDtlsPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.localPort ?? 0, '127.0.0.1', () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    const transport = new WeriftUdpTransport(socket);
    if (options.remotePort !== undefined) transport.remote = { address: '127.0.0.1', port: options.remotePort };
    return new WeriftDtlsPeer(options, transport);
  }

  get port(): number {
    return this.#transport.address.port;
  }

  /** Client: starts the handshake. Both: resolves when the handshake completed (bounded). */
  async connect(timeoutMs = 10_000): Promise<void> {
    if (this.#role === 'client') void (this.dtls as DtlsClient).connect().catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.#connected,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`werift ${this.#role}: no handshake within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  get srtpProfile(): number | undefined {
    return this.dtls.srtp.srtpProfile;
  }

  /** IANA cipher suite code. */
  get cipherSuite(): number {
    return this.dtls.cipher.cipherSuite;
  }

  get remoteCertificate(): Buffer | undefined {
    return this.dtls.remoteCertificate;
  }

  exportKeyingMaterial(label: string, length: number): Buffer {
    return this.dtls.exportKeyingMaterial(label, length);
  }

  send(data: Uint8Array): void {
    void this.dtls.send(Buffer.from(data)).catch(() => undefined);
  }

  get received(): readonly Buffer[] {
    return this.#received;
  }

  /** Resolves with the first received application data that satisfies `match`. */
  waitForData(match: (data: Buffer) => boolean, timeoutMs = 5_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.#received.find(match);
        if (hit) {
          done();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`werift ${this.#role}: expected data did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#dataWaiters.delete(check);
      };
      this.#dataWaiters.add(check);
      check();
    });
  }

  /** Closes the socket (werift has no close_notify of its own). Idempotent. */
  async close(): Promise<void> {
    this.#dataWaiters.clear();
    await this.#transport.close();
  }
}
