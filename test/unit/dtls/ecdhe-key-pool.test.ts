import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { NamedGroup } from '../../../src/dtls/constants.js';
import { DtlsEcdheKeyPool } from '../../../src/dtls/ecdhe-key-pool.js';
import { DtlsError } from '../../../src/dtls/errors.js';
import { generateEcdheKey, type EcdheKey } from '../../../src/dtls/key-exchange.js';
import { nativeDtlsCrypto } from '../../../src/dtls/native/binding.js';
import { dtlsCryptoBackends } from '../../support/dtls-crypto-backends.js';

/** Waits (bounded) until `cond` holds; the pool's default generators run on libuv's threadpool. */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

type Done = (err: Error | null, key?: EcdheKey) => void;

/** A generator whose jobs complete only when the test says so. */
function manualGenerator(): { generate: (g: NamedGroup, done: Done) => void; jobs: Array<{ group: NamedGroup; done: Done }> } {
  const jobs: Array<{ group: NamedGroup; done: Done }> = [];
  return { generate: (group, done) => jobs.push({ group, done }), jobs };
}

const rng = new SeededRng(5);

describe.each(dtlsCryptoBackends)('DtlsEcdheKeyPool on $name crypto', ({ crypto }) => {
  it('refills every group to its size off the event loop; each key is handed out once and agrees with a peer', async () => {
    const pool = new DtlsEcdheKeyPool({ size: 3, groups: ['x25519', 'p256'], nativeCrypto: crypto !== undefined });
    expect(pool.available(NamedGroup.X25519)).toBe(0);
    pool.refill();
    expect(pool.pending).toBe(6);
    pool.refill(); // nothing more: ready + in flight already make the size
    expect(pool.pending).toBe(6);
    await until(() => pool.pending === 0);
    expect(pool.stats).toMatchObject({ generated: 6, failed: 0 });
    for (const group of [NamedGroup.X25519, NamedGroup.Secp256r1]) {
      expect(pool.available(group)).toBe(3);
      const keys = [pool.take(group)!, pool.take(group)!, pool.take(group)!];
      expect(new Set(keys.map((k) => k.publicKey.toString('hex'))).size).toBe(3);
      expect(pool.take(group)).toBeUndefined();
      for (const k of keys) {
        const peer = generateEcdheKey(group, rng, undefined);
        expect(k.group).toBe(group);
        expect(k.computeSecret(peer.publicKey)).toEqual(peer.computeSecret(k.publicKey));
      }
    }
    expect(pool.stats).toMatchObject({ hits: 6, misses: 2 });
    // A group the pool does not keep is always a miss-free undefined.
    expect(new DtlsEcdheKeyPool({ groups: ['p256'] }).take(NamedGroup.X25519)).toBeUndefined();
    pool.close();
  });
});

describe('DtlsEcdheKeyPool bookkeeping', () => {
  it('counts a failed job, never retries it by itself, and tries again on the next refill', () => {
    const g = manualGenerator();
    const pool = new DtlsEcdheKeyPool({ size: 2, generate: g.generate });
    pool.refill();
    expect(g.jobs.length).toBe(2);
    g.jobs[0]!.done(new Error('no entropy'));
    g.jobs[0]!.done(null, generateEcdheKey(NamedGroup.X25519, rng)); // a second callback is ignored
    expect(pool.stats.failed).toBe(1);
    expect(pool.pending).toBe(1);
    expect(g.jobs.length).toBe(2);
    g.jobs[1]!.done(null, generateEcdheKey(NamedGroup.X25519, rng));
    expect(pool.available(NamedGroup.X25519)).toBe(1);
    pool.refill();
    expect(g.jobs.length).toBe(3);
    // A generator that throws is a failed job too, not an exception out of refill().
    const throwing = new DtlsEcdheKeyPool({ size: 1, generate: () => { throw new Error('boom'); } });
    expect(() => throwing.refill()).not.toThrow();
    expect(throwing.stats.failed).toBe(1);
    expect(throwing.pending).toBe(0);
  });

  it('keeps keys in the order jobs complete, whatever order they were started in', () => {
    const g = manualGenerator();
    const pool = new DtlsEcdheKeyPool({ size: 3, generate: g.generate });
    pool.refill();
    const keys = [0, 1, 2].map(() => generateEcdheKey(NamedGroup.X25519, rng));
    g.jobs[2]!.done(null, keys[2]);
    g.jobs[0]!.done(null, keys[0]);
    g.jobs[1]!.done(null, keys[1]);
    // Last in, first out: the freshest key goes first.
    expect([pool.take(NamedGroup.X25519), pool.take(NamedGroup.X25519), pool.take(NamedGroup.X25519)]).toEqual([keys[1], keys[0], keys[2]]);
  });

  it('close() drops ready keys, discards keys that land later and stops refilling', () => {
    const g = manualGenerator();
    const pool = new DtlsEcdheKeyPool({ size: 2, generate: g.generate });
    pool.refill();
    g.jobs[0]!.done(null, generateEcdheKey(NamedGroup.X25519, rng));
    pool.close();
    pool.close();
    expect(pool.closed).toBe(true);
    expect(pool.available(NamedGroup.X25519)).toBe(0);
    g.jobs[1]!.done(null, generateEcdheKey(NamedGroup.X25519, rng));
    expect(pool.available(NamedGroup.X25519)).toBe(0);
    expect(pool.stats.discarded).toBe(1);
    expect(pool.pending).toBe(0);
    pool.refill();
    expect(g.jobs.length).toBe(2);
    expect(pool.take(NamedGroup.X25519)).toBeUndefined();
  });

  it('refuses sizes out of range and unknown groups', () => {
    for (const size of [0, -1, 1.5, 257]) expect(() => new DtlsEcdheKeyPool({ size })).toThrow(DtlsError);
    expect(() => new DtlsEcdheKeyPool({ groups: ['p384' as never] })).toThrow(DtlsError);
  });

  it.runIf(nativeDtlsCrypto())('native threadpool jobs: a P-256 scalar out of range calls back with an error; nothing stays active', async () => {
    const native = nativeDtlsCrypto()!;
    const results: Array<Error | null> = [];
    native.generateKeyAsync(false, Buffer.alloc(32, 0xff), (err) => results.push(err));
    native.generateKeyAsync(false, Buffer.alloc(32), (err) => results.push(err));
    native.generateKeyAsync(true, Buffer.alloc(32, 1), (err, key) => {
      results.push(err);
      expect(native.x25519PublicKey(key!).length).toBe(32);
    });
    expect(() => native.generateKeyAsync(true, Buffer.alloc(31), () => {})).toThrow(RangeError);
    expect(() => native.generateKeyAsync(true, Buffer.alloc(32), undefined as never)).toThrow(TypeError);
    await until(() => results.length === 3);
    expect(results.filter((e) => e instanceof Error).length).toBe(2);
    expect(results).toContain(null);
  });
});
