import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coturnAvailable, startCoturn, type Coturn } from '../support/coturn.js';
import { natNamespacesAvailable, NatTopology, PUBLIC_SERVER_IP, type NatSide } from './nat-topology.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const peerScript = join(root, 'test', 'netns', 'pc-peer.ts');

const namespaces = natNamespacesAvailable();
const turnserver = coturnAvailable();
const skipReason = !namespaces.ok
  ? `cannot create network namespaces with NAT (${namespaces.reason})`
  : !turnserver
    ? 'coturn (turnserver) is not installed'
    : '';
if (skipReason) console.warn(`netns peer-connection test skipped: ${skipReason}`);

type Msg = { type: string; id?: number; [k: string]: unknown };

/** A pc-peer.ts process inside one host namespace; serves every call of this file. */
class Peer {
  readonly messages: Msg[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  #other: Peer | undefined;

  constructor(readonly name: string, side: NatSide) {
    this.#child = spawn('ip', ['netns', 'exec', side.host, process.execPath, '--import', 'tsx', peerScript], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      let m: Msg;
      try {
        m = JSON.parse(line) as Msg;
      } catch {
        this.stderr = (this.stderr + `${line}\n`).slice(-20_000);
        return;
      }
      this.messages.push(m);
      // Signalling: descriptions and candidates go straight to the other side.
      if (m.type === 'sdp' || m.type === 'candidate') this.#other?.send(m);
    });
    this.#child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
  }

  pair(other: Peer): void {
    this.#other = other;
  }

  send(m: Msg): void {
    if (this.#child.stdin?.writable) this.#child.stdin.write(`${JSON.stringify(m)}\n`);
  }

  find(id: number, type: string, pred: (m: Msg) => boolean = () => true): Msg | undefined {
    return this.messages.find((m) => m.id === id && m.type === type && pred(m));
  }

  count(id: number, type: string): number {
    return this.messages.filter((m) => m.id === id && m.type === type).length;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.pid !== undefined) {
      try {
        process.kill(this.#child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return pred();
}

interface Stats {
  local: string;
  remote: string;
  packetsSent: number;
  received: number;
  locals: string[];
}

describe.skipIf(skipReason !== '')('RTCPeerConnection through kernel NATs and coturn (network namespaces)', () => {
  let topology: NatTopology;
  let coturn: Coturn;
  let a: Peer;
  let b: Peer;
  let nextId = 1;

  beforeAll(async () => {
    topology = new NatTopology({ symmetric: true });
    try {
      coturn = await startCoturn({ netns: topology.wan, listeningIp: PUBLIC_SERVER_IP, port: 3478, tls: true });
    } catch (err) {
      topology.delete();
      throw err;
    }
    a = new Peer('A', topology.a);
    b = new Peer('B', topology.b);
    a.pair(b);
    b.pair(a);
  }, 30_000);

  afterAll(async () => {
    a?.send({ type: 'exit' });
    b?.send({ type: 'exit' });
    await new Promise((r) => setTimeout(r, 800));
    a?.kill();
    b?.kill();
    await coturn?.stop();
    topology?.delete();
  }, 20_000);

  const diagnostics = (): string => `A:\n${a.stderr}\n${JSON.stringify(a.messages.slice(-30))}\nB:\n${b.stderr}\n${JSON.stringify(b.messages.slice(-30))}\nCOTURN:\n${coturn.log().slice(-4000)}`;

  const stun = { urls: `stun:${PUBLIC_SERVER_IP}:3478` };
  const turn = (url: string): { urls: string; username: string; credential: string } => ({ urls: url, username: coturn.user, credential: coturn.password });

  async function stats(peer: Peer, id: number): Promise<Stats> {
    const before = peer.count(id, 'stats');
    peer.send({ type: 'stats', id });
    await until(() => peer.count(id, 'stats') > before, 5000);
    return peer.messages.filter((m) => m.id === id && m.type === 'stats').at(-1) as unknown as Stats;
  }

  /** One call: A offers; resolves once media arrived both ways, with both sides' stats. */
  async function call(options: {
    servers: object[];
    policyA?: 'all' | 'relay';
    policyB?: 'all' | 'relay';
    timeouts?: [number, number, number];
  }): Promise<{ id: number; sa: Stats; sb: Stats }> {
    const id = nextId++;
    const tlsCa = coturn.certPem;
    const common = { id, type: 'start', tlsCa, ...(options.timeouts ? { timeouts: options.timeouts } : {}) };
    b.send({ ...common, offerer: false, config: { iceServers: options.servers, iceTransportPolicy: options.policyB ?? 'all' } });
    a.send({ ...common, offerer: true, config: { iceServers: options.servers, iceTransportPolicy: options.policyA ?? 'all' } });
    const failed = (p: Peer): boolean => p.find(id, 'error') !== undefined || p.find(id, 'state', (m) => m['state'] === 'failed') !== undefined;
    const ok = await until(() => (a.find(id, 'media') !== undefined && b.find(id, 'media') !== undefined) || failed(a) || failed(b), 30_000);
    expect(ok && !failed(a) && !failed(b), diagnostics()).toBe(true);
    return { id, sa: await stats(a, id), sb: await stats(b, id) };
  }

  async function hangUp(id: number): Promise<void> {
    a.send({ type: 'close', id });
    b.send({ type: 'close', id });
    await until(() => a.find(id, 'closed') !== undefined && b.find(id, 'closed') !== undefined, 5000);
  }

  const relayed = (s: Stats): boolean => s.local === 'relay' || s.remote === 'relay';

  for (const [transport, url] of [
    ['UDP', () => `turn:${PUBLIC_SERVER_IP}:3478`],
    ['TCP', () => `turn:${PUBLIC_SERVER_IP}:3478?transport=tcp`],
    ['TLS', () => `turns:${PUBLIC_SERVER_IP}:${coturn.tlsPort!}?transport=tcp`],
  ] as const) {
    it(`both sides behind symmetric NATs: media both ways through TURN over ${transport}`, async () => {
      const { id, sa, sb } = await call({ servers: [stun, turn(url())] });
      expect(relayed(sa), diagnostics()).toBe(true);
      expect(relayed(sb), diagnostics()).toBe(true);
      expect(sa.locals).toContain('relay');
      expect(sb.locals).toContain('relay');
      expect(sa.received).toBeGreaterThan(0);
      expect(sb.received).toBeGreaterThan(0);
      await hangUp(id);
    }, 45_000);
  }

  it("endpoint-independent NATs: direct with 'all', the relay with iceTransportPolicy 'relay'", async () => {
    topology.setNat(topology.a, false);
    topology.setNat(topology.b, false);
    const direct = await call({ servers: [stun, turn(`turn:${PUBLIC_SERVER_IP}:3478`)] });
    expect(direct.sa.local, diagnostics()).not.toBe('relay');
    expect(direct.sa.remote, diagnostics()).not.toBe('relay');
    await hangUp(direct.id);
    const relay = await call({ servers: [stun, turn(`turn:${PUBLIC_SERVER_IP}:3478`)], policyA: 'relay', policyB: 'relay' });
    expect(relay.sa, diagnostics()).toMatchObject({ local: 'relay', remote: 'relay' });
    expect(relay.sb, diagnostics()).toMatchObject({ local: 'relay', remote: 'relay' });
    expect(new Set(relay.sa.locals)).toEqual(new Set(['relay']));
    await hangUp(relay.id);
  }, 60_000);

  it('one side endpoint-independent, the other symmetric', async () => {
    topology.setNat(topology.a, false);
    topology.setNat(topology.b, true);
    const { id, sa, sb } = await call({ servers: [stun, turn(`turn:${PUBLIC_SERVER_IP}:3478`)] });
    // A port-restricted cone facing a symmetric NAT: no direct path; the relay carries it.
    expect(relayed(sa), diagnostics()).toBe(true);
    expect(relayed(sb), diagnostics()).toBe(true);
    expect(sa.received).toBeGreaterThan(0);
    expect(sb.received).toBeGreaterThan(0);
    await hangUp(id);
  }, 45_000);

  // Default timings (5 s / 30 s) are asserted on the virtual network with a fake clock
  // (test/vnet/peerconnection/pc-consent-failed.test.ts); here the same rule with short timeouts.
  const TIMEOUTS: [number, number, number] = [1500, 3000, 500];

  it('a cut path: disconnected, then failed, after which A sends nothing at all', async () => {
    topology.setNat(topology.a, false);
    topology.setNat(topology.b, false);
    const { id } = await call({ servers: [stun], timeouts: TIMEOUTS });
    const restore = topology.cut(topology.a);
    try {
      const cutAt = Date.now();
      expect(await until(() => a.find(id, 'state', (m) => m['state'] === 'disconnected') !== undefined, 10_000), diagnostics()).toBe(true);
      expect(await until(() => a.find(id, 'state', (m) => m['state'] === 'failed') !== undefined, 15_000), diagnostics()).toBe(true);
      const disconnectedAt = a.find(id, 'state', (m) => m['state'] === 'disconnected')!['at'] as number;
      const failedAt = a.find(id, 'state', (m) => m['state'] === 'failed')!['at'] as number;
      expect(disconnectedAt - cutAt).toBeLessThan(failedAt - cutAt);
      expect(failedAt - cutAt).toBeGreaterThanOrEqual(TIMEOUTS[0] + TIMEOUTS[1] - 500);
      // Failed: the DROP rule's counter (every datagram A's host sent) stands still, and so does packetsSent.
      await new Promise((r) => setTimeout(r, 300));
      const dropped = topology.droppedFrom(topology.a);
      const before = await stats(a, id);
      await new Promise((r) => setTimeout(r, 2500));
      expect(topology.droppedFrom(topology.a)).toBe(dropped);
      expect((await stats(a, id)).packetsSent).toBe(before.packetsSent);
      expect(dropped).toBeGreaterThan(0);
    } finally {
      restore();
    }
    await hangUp(id);
  }, 45_000);

  it('restoring the path before failed recovers', async () => {
    const { id } = await call({ servers: [stun], timeouts: TIMEOUTS });
    const restore = topology.cut(topology.a);
    let restored = false;
    try {
      expect(await until(() => a.find(id, 'state', (m) => m['state'] === 'disconnected') !== undefined, 10_000), diagnostics()).toBe(true);
      restore();
      restored = true;
      const received = (await stats(b, id)).received;
      expect(await until(() => a.messages.filter((m) => m.id === id && m.type === 'state').at(-1)?.['state'] === 'connected', 10_000), diagnostics()).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect((await stats(b, id)).received).toBeGreaterThan(received);
      expect(a.find(id, 'state', (m) => m['state'] === 'failed')).toBeUndefined();
    } finally {
      if (!restored) restore();
    }
    await hangUp(id);
  }, 45_000);
});
