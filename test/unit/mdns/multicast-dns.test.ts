import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { MdnsError, MulticastDns } from '../../../src/mdns/index.js';
import { MdnsBus } from './mdns-bus.js';

describe('MulticastDns driver (in-memory link, virtual time)', () => {
  it('resolves a published name, times out on an unknown one, and closes cleanly', async () => {
    const clock = new FakeClock();
    const bus = new MdnsBus();
    const a = new MulticastDns({ clock, rng: new SeededRng(1), socketFactory: bus.factory() });
    const b = new MulticastDns({ clock, rng: new SeededRng(2), socketFactory: bus.factory() });
    const name = b.publish('192.168.7.7');
    const resolved = a.resolve(name);
    await clock.advance(10);
    await expect(resolved).resolves.toBe('192.168.7.7');
    const lost = a.resolve('00000000-0000-4000-8000-000000000000.local', { timeoutMs: 3000 });
    const outcome = lost.then(() => 'resolved', (e: MdnsError) => e.code);
    await clock.advance(2999);
    await clock.advance(1);
    expect(await outcome).toBe('ERR_MDNS_TIMEOUT');
    const pending = a.resolve('late.local').catch((e: MdnsError) => e.code);
    a.close();
    a.close();
    expect(await pending).toBe('ERR_MDNS_CLOSED');
    await expect(a.resolve(name)).rejects.toThrow(MdnsError);
    b.close();
    expect(bus.openSockets).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a lost first query is retransmitted; an abort signal cancels', async () => {
    const clock = new FakeClock();
    const bus = new MdnsBus();
    const a = new MulticastDns({ clock, rng: new SeededRng(3), socketFactory: bus.factory() });
    const b = new MulticastDns({ clock, rng: new SeededRng(4), socketFactory: bus.factory() });
    const name = b.publish('10.9.9.9');
    await clock.advance(2000); // both announcements sent
    bus.mute = true;
    const r = a.resolve(name.toUpperCase(), { family: 4 });
    await clock.advance(10);
    bus.mute = false;
    await clock.advance(1000);
    await expect(r).resolves.toBe('10.9.9.9');
    const ac = new AbortController();
    const aborted = a.resolve('gone.local', { signal: ac.signal }).catch((e: MdnsError) => e.code);
    ac.abort();
    expect(await aborted).toBe('ERR_MDNS_ABORTED');
    a.close();
    b.close();
  });

  it('garbage on the link is dropped and counted, never thrown', async () => {
    const clock = new FakeClock();
    const bus = new MdnsBus();
    const a = new MulticastDns({ clock, rng: new SeededRng(5), socketFactory: bus.factory() });
    await a.open();
    bus.inject(Buffer.from([1, 2, 3]), { address: '10.0.0.66', port: 5353 });
    expect(a.drops.count('mdns-decode')).toBe(1);
    a.close();
  });

  it('reports a socket that cannot be opened as ERR_MDNS_SOCKET', async () => {
    const a = new MulticastDns({ socketFactory: () => Promise.reject(new Error('EADDRNOTAVAIL')) });
    await expect(a.resolve('x.local')).rejects.toMatchObject({ code: 'ERR_MDNS_SOCKET' });
    await expect(a.resolve('x.local')).rejects.toMatchObject({ code: 'ERR_MDNS_SOCKET' });
    a.close();
  });
});
