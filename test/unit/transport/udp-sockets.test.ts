import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { NetError, type TransportAddress, type UdpSocket } from '../../../src/transport/net.js';
import { NativeUdpSocket, nativeUdpEligible } from '../../../src/transport/native/native-udp-socket.js';
import { nativeUdp, nativeUdpStatus, type NativeUdpHandle } from '../../../src/transport/native/udp-binding.js';
import { NodeNet, type UdpBackend } from '../../../src/transport/node-net.js';
import { expectNoLeaks, resourcesAddedSince, snapshotResources } from '../../support/leaks.js';

/** The native sockets are part of the tested build on Linux; only TERN_UDP_NATIVE=0 leaves them out. */
const nativeExpected = process.platform === 'linux' && process.env.TERN_UDP_NATIVE !== '0';
const BACKENDS: UdpBackend[] = nativeExpected ? ['node', 'native'] : ['node'];

interface Received {
  data: Buffer;
  from: TransportAddress;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const sockets: UdpSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await new Promise((r) => setTimeout(r, 5));
});

async function pair(backend: UdpBackend, address = '127.0.0.1'): Promise<{ a: UdpSocket; b: UdpSocket; atB: Received[] }> {
  const net = new NodeNet({ udpBackend: backend });
  const a = await net.bindUdp({ address, port: 0 });
  const b = await net.bindUdp({ address, port: 0 });
  sockets.push(a, b);
  const atB: Received[] = [];
  // Copies: a receiver may keep what it is handed, but the test compares bytes later.
  b.onMessage((data, from) => atB.push({ data: Buffer.from(data), from }));
  return { a, b, atB };
}

for (const backend of BACKENDS) {
  describe(`UDP sockets (${backend})`, () => {
    it('uses the backend asked for', async () => {
      const { a } = await pair(backend);
      expect(a instanceof NativeUdpSocket).toBe(backend === 'native');
      expect(a.localAddress.address).toBe('127.0.0.1');
      expect(a.localAddress.port).toBeGreaterThan(0);
      expect(a.family).toBe(4);
    });

    it('carries a burst sent in one turn intact and in order, with the sender address', async () => {
      const { a, b, atB } = await pair(backend);
      const sent = Array.from({ length: 60 }, (_, i) => Buffer.alloc(i * 20, i));
      for (const d of sent) a.send(d, b.localAddress);
      await waitFor('the burst', () => atB.length === sent.length);
      expect(atB.map((r) => r.data)).toEqual(sent);
      for (const r of atB) expect({ address: r.from.address, port: r.from.port }).toEqual(a.localAddress);
    });

    it('carries the largest and the empty datagram', async () => {
      const { a, b, atB } = await pair(backend);
      const big = Buffer.alloc(65507, 7);
      a.send(big, b.localAddress);
      a.send(Buffer.alloc(0), b.localAddress);
      await waitFor('both', () => atB.length === 2);
      expect(atB[0]!.data.equals(big)).toBe(true);
      expect(atB[1]!.data.length).toBe(0);
    });

    it('works on IPv6 loopback', async () => {
      const { a, b, atB } = await pair(backend, '::1');
      expect(a.family).toBe(6);
      a.send(Buffer.from('six'), b.localAddress);
      await waitFor('the datagram', () => atB.length === 1);
      expect({ address: atB[0]!.from.address, port: atB[0]!.from.port }).toEqual({ address: '::1', port: a.localAddress.port });
      b.send(Buffer.from('back'), atB[0]!.from);
      const atA: string[] = [];
      a.onMessage((d) => atA.push(d.toString()));
      await waitFor('the answer', () => atA.length === 1);
    });

    it('a throwing handler does not stop the socket', async () => {
      const { a, b } = await pair(backend);
      let calls = 0;
      b.onMessage(() => {
        calls++;
        throw new Error('handler bug');
      });
      for (let i = 0; i < 5; i++) a.send(Buffer.from([i]), b.localAddress);
      await waitFor('every datagram', () => calls === 5);
    });

    it('drops a datagram to a bad destination without throwing', async () => {
      const { a, b, atB } = await pair(backend);
      a.send(Buffer.from('x'), { address: 'not-an-address.invalid', port: 9 });
      a.send(Buffer.from('y'), { address: '::1', port: b.localAddress.port });
      a.send(Buffer.from('ok'), b.localAddress);
      await waitFor('the good one', () => atB.length === 1);
      expect(atB[0]!.data.toString()).toBe('ok');
    });

    it('close: the last datagrams still leave, nothing more is received, the port is free again', async () => {
      const { a, b, atB } = await pair(backend);
      a.send(Buffer.from('last words'), b.localAddress);
      a.close();
      a.close();
      expect(a.closed).toBe(true);
      a.send(Buffer.from('after close'), b.localAddress);
      await waitFor('the last words', () => atB.length === 1);
      const port = b.localAddress.port;
      b.close();
      await new Promise((r) => setTimeout(r, 20));
      expect(atB).toHaveLength(1);
      const again = await new NodeNet({ udpBackend: backend }).bindUdp({ address: '127.0.0.1', port });
      sockets.push(again);
      expect(again.localAddress.port).toBe(port);
    });

    it('reports a taken port as a typed error', async () => {
      const { a } = await pair(backend);
      await expect(new NodeNet({ udpBackend: backend }).bindUdp({ address: '127.0.0.1', port: a.localAddress.port })).rejects.toMatchObject({
        code: 'ERR_NET_ADDRESS_IN_USE',
      });
    });
  });
}

describe('UDP backend choice', () => {
  it('rejects an unknown backend at the call', () => {
    expect(() => new NodeNet({ udpBackend: 'fast' as UdpBackend })).toThrow(InvalidArgumentError);
  });

  it('keeps IPv6 wildcard and link-local binds on node:dgram', () => {
    expect(nativeUdpEligible('127.0.0.1')).toBe(true);
    expect(nativeUdpEligible('0.0.0.0')).toBe(true);
    expect(nativeUdpEligible('::1')).toBe(true);
    expect(nativeUdpEligible('2001:db8::1')).toBe(true);
    expect(nativeUdpEligible('::')).toBe(false);
    expect(nativeUdpEligible('fe80::1')).toBe(false);
    expect(nativeUdpEligible('fe80::1%lo')).toBe(false);
  });

  it.runIf(nativeExpected)('is native by default where built, and says so', async () => {
    const status = nativeUdpStatus();
    if (!status.loaded) throw new Error(`native UDP sockets not loaded: ${status.reason}`);
    expect(status.path).toMatch(/tern_udp\.node$/);
    const s = await new NodeNet().bindUdp({ address: '127.0.0.1', port: 0 });
    sockets.push(s);
    expect(s).toBeInstanceOf(NativeUdpSocket);
    await expect(new NodeNet({ udpBackend: 'native' }).bindUdp({ address: 'fe80::1', port: 0 })).rejects.toMatchObject({
      code: 'ERR_NET_NATIVE_UNAVAILABLE',
    });
    const ll = await new NodeNet().bindUdp({ address: '::', port: 0 });
    sockets.push(ll);
    expect(ll).not.toBeInstanceOf(NativeUdpSocket);
  });

  it('TERN_UDP_NATIVE=0 keeps every socket on node:dgram', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const script = `
      const { nativeUdpStatus } = await import('./src/transport/native/udp-binding.ts');
      const { NodeNet } = await import('./src/transport/node-net.ts');
      const { NativeUdpSocket } = await import('./src/transport/native/native-udp-socket.ts');
      const s = await new NodeNet().bindUdp({ address: '127.0.0.1', port: 0 });
      const native = s instanceof NativeUdpSocket;
      s.close();
      let error;
      try { await new NodeNet({ udpBackend: 'native' }).bindUdp({ address: '127.0.0.1', port: 0 }); } catch (e) { error = e.code; }
      console.log(JSON.stringify({ status: nativeUdpStatus(), native, error }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, TERN_UDP_NATIVE: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as unknown;
    expect(out).toEqual({
      status: { loaded: false, reason: 'disabled by TERN_UDP_NATIVE=0' },
      native: false,
      error: 'ERR_NET_NATIVE_UNAVAILABLE',
    });
  });
});

describe.runIf(nativeExpected)('native UDP module', () => {
  it('checks every argument natively, throwing instead of touching memory', () => {
    const n = nativeUdp()!;
    const noop = (): void => undefined;
    const [h, port] = n.open(4, '127.0.0.1', 0, noop, noop);
    const meta = Buffer.alloc(n.metaSize * 2);
    meta.writeUInt32LE(10, 0);
    meta[4] = 4;
    meta.writeUInt16LE(port, 6);
    meta.set([127, 0, 0, 1], 8);
    expect(() => n.send({} as NativeUdpHandle, Buffer.alloc(10), meta, 1)).toThrow(TypeError);
    expect(() => n.send(h, 'x' as unknown as Buffer, meta, 1)).toThrow(TypeError);
    expect(() => n.send(h, Buffer.alloc(10), meta, 3)).toThrow(RangeError); // more rows than the table holds
    expect(() => n.send(h, Buffer.alloc(9), meta, 1)).toThrow(RangeError); // length beyond the data
    meta[4] = 5;
    expect(() => n.send(h, Buffer.alloc(10), meta, 1)).toThrow(RangeError); // no such family
    meta[4] = 4;
    expect(n.send(h, Buffer.alloc(10), meta, 1)).toBe(1);
    expect(() => n.open(5 as 4, '127.0.0.1', 0, noop, noop)).toThrow(TypeError);
    expect(() => n.open(4, '::1', 0, noop, noop)).toThrow(TypeError);
    expect(() => n.open(4, '127.0.0.1', 70000, noop, noop)).toThrow(TypeError);
    n.close(h);
    n.close(h);
    expect(() => n.send(h, Buffer.alloc(10), meta, 1)).toThrow(/closed/);
    expect(() => n.stats(h)).toThrow(/closed/);
  });

  it('property: any burst of datagrams arrives intact and in order', async () => {
    const net = new NodeNet({ udpBackend: 'native' });
    const a = await net.bindUdp({ address: '127.0.0.1', port: 0 });
    const b = await net.bindUdp({ address: '127.0.0.1', port: 0 });
    sockets.push(a, b);
    let got: Buffer[] = [];
    b.onMessage((d) => got.push(Buffer.from(d)));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 0, maxLength: 1400 }), { minLength: 1, maxLength: 40 }), async (burst) => {
        got = [];
        for (const d of burst) a.send(d, b.localAddress);
        await waitFor('the burst', () => got.length === burst.length);
        expect(got).toEqual(burst.map((d) => Buffer.from(d)));
      }),
      { numRuns: 60 },
    );
  });

  it('counts a datagram the system refuses; its counters stay readable after close', async () => {
    const s = (await new NodeNet({ udpBackend: 'native' }).bindUdp({ address: '127.0.0.1', port: 0 })) as NativeUdpSocket;
    expect(s.pendingCount).toBe(0);
    expect(s.sendErrors).toBe(0);
    s.send(Buffer.from('x'), { address: '127.0.0.1', port: 0 }); // port 0: refused by the system, counted
    await new Promise((r) => setTimeout(r, 5));
    expect(s.sendErrors).toBe(1);
    s.close();
    expect(s.sendErrors).toBe(1);
  });

  it('a worker thread that ends with native sockets open ends cleanly', () => {
    const path = nativeUdpStatus().path!;
    const worker = `
      const nu = require(${JSON.stringify(path)});
      const { parentPort } = require('node:worker_threads');
      const noop = () => {};
      const [a] = nu.open(4, '127.0.0.1', 0, noop, noop);
      const [, port] = nu.open(4, '127.0.0.1', 0, () => parentPort.postMessage('received'), noop);
      const meta = Buffer.alloc(nu.metaSize);
      meta.writeUInt32LE(5, 0);
      meta[4] = 4;
      meta.writeUInt16LE(port, 6);
      meta.set([127, 0, 0, 1], 8);
      nu.send(a, Buffer.from('hello'), meta, 1);`;
    const script = `
      const { Worker } = require('node:worker_threads');
      (async () => {
        for (let i = 0; i < 3; i++) {
          const w = new Worker(${JSON.stringify(worker)}, { eval: true });
          w.on('error', (e) => { console.error(e); process.exit(3); });
          await new Promise((r) => w.once('message', r));
          await w.terminate();
        }
        console.log('ended');
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ended');
  });

  it('a long synchronous burst leaves in chunks as it is written, nothing dropped on our side', async () => {
    const net = new NodeNet({ udpBackend: 'native' });
    const a = (await net.bindUdp({ address: '127.0.0.1', port: 0 })) as NativeUdpSocket;
    const b = await net.bindUdp({ address: '127.0.0.1', port: 0 });
    sockets.push(a, b);
    let got = 0;
    b.onMessage(() => got++);
    const d = Buffer.alloc(100);
    for (let i = 0; i < 10_000; i++) a.send(d, b.localAddress);
    expect(a.pendingCount).toBeLessThan(64);
    expect(a.sendErrors).toBe(0);
    await waitFor('some of the burst', () => got > 0);
  });

  it('leak checks see native sockets until they are closed', async () => {
    const before = snapshotResources();
    const s = await new NodeNet({ udpBackend: 'native' }).bindUdp({ address: '127.0.0.1', port: 0 });
    expect(resourcesAddedSince(before).get('NativeUdpSocket')).toBe(1);
    s.close();
    await expectNoLeaks(before);
  });

  it('NetError is what bind failures are', async () => {
    await expect(new NodeNet({ udpBackend: 'native' }).bindUdp({ address: '192.0.2.1', port: 0 })).rejects.toBeInstanceOf(NetError);
  });
});
