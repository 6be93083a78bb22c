import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { DtlsCertificate } from '../../../src/dtls/certificate.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import type { DtlsConfig } from '../../../src/dtls/types.js';
import { createMemoryPipe, type MemoryDatagramTransport, type PipeImpairment } from '../../support/memory-pipe.js';

export interface Certs {
  ecdsaA: DtlsCertificate;
  ecdsaB: DtlsCertificate;
  rsaA: DtlsCertificate;
  rsaB: DtlsCertificate;
}

export async function makeCerts(): Promise<Certs> {
  const [ecdsaA, ecdsaB, rsaA, rsaB] = await Promise.all([
    DtlsCertificate.generate(),
    DtlsCertificate.generate(),
    DtlsCertificate.generate({ keyType: 'rsa-2048' }),
    DtlsCertificate.generate({ keyType: 'rsa-2048' }),
  ]);
  return { ecdsaA, ecdsaB, rsaA, rsaB };
}

export type Side = Omit<DtlsConfig, 'role' | 'certificate' | 'clock' | 'rng'>;

export interface PairResult {
  clock: FakeClock;
  pipe: [MemoryDatagramTransport, MemoryDatagramTransport];
  client: Promise<DtlsConnection>;
  server: Promise<DtlsConnection>;
  settled: () => boolean;
  results: { client?: DtlsConnection | Error; server?: DtlsConnection | Error };
}

/** Starts a client and a server over an impaired in-memory pipe on virtual time. */
export function startPair(options: {
  seed: number;
  clientCert: DtlsCertificate;
  serverCert: DtlsCertificate;
  impairment?: PipeImpairment;
  client?: Side;
  server?: Side;
}): PairResult {
  const clock = new FakeClock();
  const pipe = createMemoryPipe({ clock, seed: options.seed, ...options.impairment });
  const fp = (c: DtlsCertificate) => [{ algorithm: 'sha-256', value: c.fingerprint() }];
  const results: PairResult['results'] = {};
  const client = DtlsConnection.connect(pipe[0], {
    role: 'client',
    certificate: options.clientCert,
    remoteFingerprints: fp(options.serverCert),
    clock,
    rng: new SeededRng(options.seed * 2 + 1),
    ...options.client,
  });
  const server = DtlsConnection.connect(pipe[1], {
    role: 'server',
    certificate: options.serverCert,
    remoteFingerprints: fp(options.clientCert),
    clock,
    rng: new SeededRng(options.seed * 2 + 2),
    remoteAddressKey: 'client',
    ...options.server,
  });
  client.then((c) => (results.client = c), (e: Error) => (results.client = e));
  server.then((c) => (results.server = c), (e: Error) => (results.server = e));
  return { clock, pipe, client, server, results, settled: () => results.client !== undefined && results.server !== undefined };
}
