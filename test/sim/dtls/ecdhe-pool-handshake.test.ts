import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { NamedGroup } from '../../../src/dtls/constants.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { DtlsEcdheKeyPool } from '../../../src/dtls/ecdhe-key-pool.js';
import { generateEcdheKey, type EcdheKey } from '../../../src/dtls/key-exchange.js';
import { nativeDtlsCrypto } from '../../../src/dtls/native/binding.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

type Done = (err: Error | null, key?: EcdheKey) => void;

/** A pool whose jobs the test completes by hand (deterministic on virtual time). */
function manualPool(size: number): { pool: DtlsEcdheKeyPool; jobs: Array<{ group: NamedGroup; done: Done }>; fill: () => void } {
  const jobs: Array<{ group: NamedGroup; done: Done }> = [];
  const pool = new DtlsEcdheKeyPool({ size, groups: ['x25519', 'p256'], generate: (group, done) => jobs.push({ group, done }) });
  const rng = new SeededRng(9);
  const fill = (): void => {
    for (const j of jobs.splice(0)) j.done(null, generateEcdheKey(j.group, rng, nativeDtlsCrypto()));
  };
  return { pool, jobs, fill };
}

describe('DTLS handshakes with an ECDHE key pool', () => {
  it.each(['x25519', 'p256'] as const)('both sides take a ready %s key; the drivers refill what they took', async (group) => {
    const { pool, jobs, fill } = manualPool(2);
    pool.refill();
    fill();
    const p = startPair({
      seed: 21,
      clientCert: certs.ecdsaA,
      serverCert: certs.ecdsaB,
      client: { ecdhePool: pool, namedGroups: [group] },
      server: { ecdhePool: pool, namedGroups: [group] },
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const c = p.results.client as DtlsConnection;
    const s = p.results.server as DtlsConnection;
    expect(c.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
    expect(pool.stats).toMatchObject({ hits: 2, misses: 0 });
    // The two keys taken are being replaced.
    expect(jobs.length).toBe(2);
    expect(jobs.every((j) => j.group === NamedGroup[group === 'x25519' ? 'X25519' : 'Secp256r1'])).toBe(true);
    c.close();
    s.close();
    pool.close();
  });

  it('an exhausted pool (jobs never complete) does not hold a handshake up: each side makes its own key', async () => {
    const { pool, jobs } = manualPool(4);
    const p = startPair({ seed: 22, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, client: { ecdhePool: pool }, server: { ecdhePool: pool } });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(p.results.client).toBeInstanceOf(DtlsConnection);
    expect(p.results.server).toBeInstanceOf(DtlsConnection);
    expect(pool.stats).toMatchObject({ hits: 0, misses: 2 });
    // Jobs are bounded by the pool size, however many inputs the drivers saw.
    expect(jobs.length).toBe(8);
    pool.close();
  });

  it('a failing pool does not fail the handshake', async () => {
    const pool = new DtlsEcdheKeyPool({ size: 1, generate: (_g, done) => done(new Error('no key today')) });
    const p = startPair({ seed: 23, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, client: { ecdhePool: pool }, server: { ecdhePool: pool } });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(p.results.client).toBeInstanceOf(DtlsConnection);
    expect(p.results.server).toBeInstanceOf(DtlsConnection);
    expect(pool.stats.failed).toBeGreaterThan(0);
    expect(pool.pending).toBe(0);
  });

  it('a connection closed while pool jobs are pending sends nothing more, and the jobs landing later change nothing', async () => {
    const { pool, jobs, fill } = manualPool(2);
    const p = startPair({ seed: 24, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, client: { ecdhePool: pool }, server: { ecdhePool: pool } });
    // Let flight 1 go out, then close the client mid-handshake with jobs in flight.
    await p.clock.advance(1);
    expect(jobs.length).toBeGreaterThan(0);
    const client = p.client.catch((e: Error) => e);
    p.pipe[0].close();
    expect(await client).toBeInstanceOf(Error);
    const sentBefore = p.pipe[0].stats.sent;
    fill();
    await p.clock.advance(5_000);
    expect(p.pipe[0].stats.sent).toBe(sentBefore);
    pool.close();
    fill();
    expect(pool.available(NamedGroup.X25519)).toBe(0);
    p.pipe[1].close();
  });
});
