import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TurnServer, type TurnServerOptions } from '../../src/turn-server/turn-server.js';

/** A self-signed P-256 certificate for 127.0.0.1 / localhost (PEM strings). */
export function selfSignedCert(host = '127.0.0.1'): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tern-turn-cert-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', `subjectAltName=IP:${host},DNS:localhost`],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tern-rtc's TURN server on 127.0.0.1 (UDP, TCP and optionally TLS, system-chosen ports), loopback peers allowed. */
export async function startTernTurn(options: Partial<TurnServerOptions> & { withTls?: boolean } = {}): Promise<TurnServer> {
  const { withTls, ...rest } = options;
  const tls = withTls ? selfSignedCert() : undefined;
  return TurnServer.listen({
    realm: 'tern',
    users: { test: 'test' },
    udp: [{ address: '127.0.0.1', port: 0 }],
    tcp: [{ address: '127.0.0.1', port: 0 }],
    ...(tls ? { tls: [{ address: '127.0.0.1', port: 0 }], tlsCert: tls.cert, tlsKey: tls.key } : {}),
    relayAddresses: { 4: '127.0.0.1' },
    allowedPeers: ['127.0.0.0/8'],
    ...rest,
  });
}
