/**
 * An OpenSSL DTLS 1.2 peer for interop tests: `openssl s_server -dtls1_2` or
 * `openssl s_client -dtls1_2` on 127.0.0.1 with a freshly generated
 * self-signed certificate, `-use_srtp`, `-keymatexport EXTRACTOR-dtls_srtp`.
 *
 * The harness parses OpenSSL's (stable, human-readable) output for the
 * negotiated cipher, SRTP profile and exported keying material, sends
 * application data through stdin and reads what the peer sent from stdout.
 * Every wait is bounded; `close()` kills the process and removes the
 * temporary directory.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Our suite names → OpenSSL's names. */
export const OPENSSL_CIPHER_NAMES = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
} as const;

/** SRTP protection profile wire code → OpenSSL's `-use_srtp` name (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export const OPENSSL_SRTP_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'SRTP_AES128_CM_SHA1_80',
  0x0002: 'SRTP_AES128_CM_SHA1_32',
  0x0007: 'SRTP_AEAD_AES_128_GCM',
  0x0008: 'SRTP_AEAD_AES_256_GCM',
};

export type OpensslKeyType = 'ecdsa-p256' | 'rsa-2048';

export interface OpensslCertificate {
  readonly keyType: OpensslKeyType;
  readonly certPath: string;
  readonly keyPath: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly der: Buffer;
  /** SHA-256, 'AB:CD:...' as in SDP. */
  readonly fingerprint: string;
}

export interface OpensslDtlsOptions {
  role: 'server' | 'client';
  /** Server: the port to accept on. Client: the local port to bind (so the peer can filter on it). */
  localPort: number;
  /** Client only: the server port on 127.0.0.1. */
  remotePort?: number;
  /** The certificate to present; generated when absent. */
  certificate?: OpensslCertificate;
  /** An OpenSSL cipher list (`-cipher`), e.g. 'ECDHE-ECDSA-AES128-GCM-SHA256'. */
  cipher?: string;
  /** OpenSSL SRTP profile names in preference order; empty = no use_srtp. */
  srtpProfiles?: string[];
  /** Bytes of EXTRACTOR-dtls_srtp to export (default 60). */
  exportLength?: number;
  /** Server: send a CertificateRequest (`-verify 1`). Default true. */
  requestClientCertificate?: boolean;
  /** Client: present a certificate (`-cert`). Default true. */
  presentCertificate?: boolean;
  /** Server: stateless cookie exchange first (`-listen`, HelloVerifyRequest). */
  cookieExchange?: boolean;
  /** Link MTU (`-mtu`). */
  mtu?: number;
  /** Bound on how long the process may live (default 20 s); it is killed afterwards. */
  lifetimeMs?: number;
  /** More `s_server`/`s_client` options, e.g. ['-sigalgs', 'rsa_pss_rsae_sha256'] or ['-groups', 'P-256']. */
  extraArgs?: string[];
}

export interface OpensslHandshakeResult {
  /** OpenSSL cipher name, e.g. 'ECDHE-ECDSA-AES128-GCM-SHA256'. */
  readonly cipher: string;
  /** OpenSSL SRTP profile name, or undefined when use_srtp was not negotiated. */
  readonly srtpProfile: string | undefined;
  readonly keyingMaterial: Buffer;
  /** Client role only (the server does not print it). */
  readonly extendedMasterSecret: boolean | undefined;
  /** How the peer signed (ServerKeyExchange as seen by a client, CertificateVerify by a server), e.g. 'ECDSA', 'RSA-PSS', 'RSA'. */
  readonly peerSignatureType: string | undefined;
  /** Client role: the server's ephemeral key, e.g. 'X25519, 253 bits' or 'ECDH, prime256v1, 256 bits'. */
  readonly serverTempKey: string | undefined;
}

const DEFAULT_LIFETIME_MS = 20_000;
const DEFAULT_WAIT_MS = 10_000;
/** Output kept for parsing is bounded (the peer echoes application data). */
const MAX_OUTPUT_CHARS = 1 << 20;

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Generates a self-signed certificate with `openssl req` into `dir`. */
export function generateOpensslCertificate(dir: string, keyType: OpensslKeyType, name: string = keyType): OpensslCertificate {
  const certPath = join(dir, `${name}.cert.pem`);
  const keyPath = join(dir, `${name}.key.pem`);
  const newkey =
    keyType === 'ecdsa-p256' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
  execFileSync(
    'openssl',
    ['req', '-x509', ...newkey, '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=openssl-dtls-peer'],
    { stdio: 'ignore', timeout: 15_000 },
  );
  const certificatePem = readFileSync(certPath, 'utf8');
  const x509 = new X509Certificate(certificatePem);
  return {
    keyType,
    certPath,
    keyPath,
    certificatePem,
    privateKeyPem: readFileSync(keyPath, 'utf8'),
    der: x509.raw,
    fingerprint: x509.fingerprint256,
  };
}

/** A temp directory holding generated certificates; `dispose()` removes it. */
export class OpensslCertificateStore {
  readonly dir = mkdtempSync(join(tmpdir(), 'tern-openssl-'));
  #cache = new Map<string, OpensslCertificate>();

  get(keyType: OpensslKeyType, name: string = keyType): OpensslCertificate {
    const key = `${keyType}/${name}`;
    let c = this.#cache.get(key);
    if (!c) {
      c = generateOpensslCertificate(this.dir, keyType, name);
      this.#cache.set(key, c);
    }
    return c;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class OpensslDtlsPeer {
  readonly certificate: OpensslCertificate;
  #proc: ChildProcessWithoutNullStreams;
  #output = '';
  /** Offset in #output where application data may start (after the handshake summary). */
  #dataFrom = -1;
  #waiters = new Set<() => void>();
  #exited = false;
  #exitCode: number | null = null;
  #lifetime: ReturnType<typeof setTimeout>;
  #store: OpensslCertificateStore | undefined;

  private constructor(options: OpensslDtlsOptions, certificate: OpensslCertificate, store: OpensslCertificateStore | undefined) {
    this.certificate = certificate;
    this.#store = store;
    const args = buildArgs(options, certificate);
    this.#proc = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const onChunk = (chunk: Buffer): void => {
      if (this.#output.length < MAX_OUTPUT_CHARS) this.#output += chunk.toString('latin1');
      for (const w of [...this.#waiters]) w();
    };
    this.#proc.stdout.on('data', onChunk);
    this.#proc.stderr.on('data', onChunk);
    this.#proc.stdin.on('error', () => {
      // process gone; reported through exit
    });
    this.#proc.on('exit', (code) => {
      this.#exited = true;
      this.#exitCode = code;
      for (const w of [...this.#waiters]) w();
    });
    this.#proc.on('error', () => {
      this.#exited = true;
      for (const w of [...this.#waiters]) w();
    });
    this.#lifetime = setTimeout(() => this.#proc.kill('SIGKILL'), options.lifetimeMs ?? DEFAULT_LIFETIME_MS);
    this.#lifetime.unref();
  }

  /**
   * Spawns the peer. A server resolves once OpenSSL printed `ACCEPT` (its
   * socket is bound); a client resolves at once (it starts the handshake).
   */
  static async start(options: OpensslDtlsOptions): Promise<OpensslDtlsPeer> {
    let store: OpensslCertificateStore | undefined;
    let certificate = options.certificate;
    if (!certificate) {
      store = new OpensslCertificateStore();
      certificate = store.get('ecdsa-p256');
    }
    const peer = new OpensslDtlsPeer(options, certificate, store);
    if (options.role === 'server') {
      try {
        await peer.waitForOutput('ACCEPT', 5_000);
      } catch (err) {
        peer.close();
        throw err;
      }
    }
    return peer;
  }

  /** Everything OpenSSL printed so far (stdout and stderr). */
  get output(): string {
    return this.#output;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Resolves when `text` (string or pattern) shows in the output; rejects on exit or timeout. */
  waitForOutput(text: string | RegExp, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const pattern = typeof text === 'string' ? new RegExp(escapeRegExp(text)) : text;
      const check = (): void => {
        const m = this.#output.slice(from).match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (this.#exited) {
          done();
          reject(new Error(`openssl exited (${this.#exitCode}) before printing ${String(pattern)}:\n${this.#tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`openssl: no ${String(pattern)} within ${timeoutMs} ms:\n${this.#tail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits for the handshake summary and returns what OpenSSL negotiated and exported. */
  async handshake(timeoutMs = DEFAULT_WAIT_MS): Promise<OpensslHandshakeResult> {
    const m = await this.waitForOutput(/Keying material: ([0-9A-F]+)\r?\n/, timeoutMs);
    this.#dataFrom = (m.index ?? 0) + m[0].length;
    const out = this.#output;
    const cipher = /(?:CIPHER is|Cipher is) (\S+)/.exec(out)?.[1];
    if (!cipher) throw new Error(`openssl: no cipher in output:\n${this.#tail()}`);
    const srtp = /SRTP Extension negotiated, profile=(\S+)/.exec(out)?.[1];
    const ems = /Extended master secret: (yes|no)/.exec(out)?.[1];
    return {
      peerSignatureType: /Peer signature type: (\S+)/.exec(out)?.[1],
      serverTempKey: /Server Temp Key: ([^\r\n]+)/.exec(out)?.[1],
      cipher,
      srtpProfile: srtp,
      keyingMaterial: Buffer.from(m[1]!, 'hex'),
      extendedMasterSecret: ems === undefined ? undefined : ems === 'yes',
    };
  }

  /** PEM of the certificate the peer presented, when OpenSSL printed one. */
  peerCertificatePem(): string | undefined {
    return /(?:Server|Client) certificate\r?\n(-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----)/.exec(
      this.#output,
    )?.[1];
  }

  /** Sends `text` as one application data record (OpenSSL reads stdin line by line). */
  send(text: string): void {
    this.#proc.stdin.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Closes OpenSSL's stdin: a client then sends close_notify and exits. */
  endInput(): void {
    this.#proc.stdin.end();
  }

  /** Resolves when the process exited (bounded). */
  waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#exited) {
          done();
          resolve(this.#exitCode);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`openssl still running after ${timeoutMs} ms:\n${this.#tail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves when application data containing `text` arrived from the peer (after the handshake). */
  async waitForData(text: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.#dataFrom < 0) await this.handshake(timeoutMs);
    await this.waitForOutput(text, timeoutMs, this.#dataFrom);
  }

  /** Kills the process (idempotent) and removes generated files. */
  close(): void {
    clearTimeout(this.#lifetime);
    if (!this.#exited) this.#proc.kill('SIGKILL');
    this.#store?.dispose();
    this.#store = undefined;
  }

  #tail(): string {
    return this.#output.slice(-2000);
  }
}

function buildArgs(o: OpensslDtlsOptions, cert: OpensslCertificate): string[] {
  const args: string[] = [o.role === 'server' ? 's_server' : 's_client', '-dtls1_2'];
  if (o.role === 'server') {
    args.push('-accept', `127.0.0.1:${o.localPort}`, '-cert', cert.certPath, '-key', cert.keyPath);
    if (o.requestClientCertificate ?? true) args.push('-verify', '1');
    if (o.cookieExchange) args.push('-listen');
    args.push('-naccept', '1');
  } else {
    if (o.remotePort === undefined) throw new Error('openssl client needs remotePort');
    args.push('-connect', `127.0.0.1:${o.remotePort}`, '-bind', `127.0.0.1:${o.localPort}`);
    if (o.presentCertificate ?? true) args.push('-cert', cert.certPath, '-key', cert.keyPath);
  }
  if (o.cipher) args.push('-cipher', o.cipher);
  const profiles = o.srtpProfiles ?? ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_SHA1_80'];
  if (profiles.length > 0) args.push('-use_srtp', profiles.join(':'));
  args.push('-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(o.exportLength ?? 60));
  if (o.mtu !== undefined) args.push('-mtu', String(o.mtu));
  if (o.extraArgs) args.push(...o.extraArgs);
  return args;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
