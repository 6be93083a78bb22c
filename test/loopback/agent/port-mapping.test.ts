import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../../src/agent/index.js';
import type { Candidate } from '../../../src/candidate/index.js';
import { LOOPBACK, loopbackConfig, waitFor } from './loopback-helpers.js';

/**
 * A Docker-style UDP port mapping on 127.0.0.1: datagrams to the public port
 * are forwarded to the agent's bound port from one inner socket per outside
 * peer; replies go back out from the public port. The agent behind it knows
 * only the public port (an address rewrite rule with `externalPort`).
 */
class PortForward {
  readonly outer = dgram.createSocket('udp4');
  readonly #inner = new Map<string, dgram.Socket>();
  target = 0;
  forwarded = 0;

  async start(): Promise<number> {
    await new Promise<void>((r) => this.outer.bind(0, LOOPBACK, () => r()));
    this.outer.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let inner = this.#inner.get(key);
      if (!inner) {
        inner = dgram.createSocket('udp4');
        inner.bind(0, LOOPBACK);
        inner.on('message', (back) => {
          this.forwarded++;
          this.outer.send(back, rinfo.port, rinfo.address);
        });
        this.#inner.set(key, inner);
      }
      this.forwarded++;
      inner.send(msg, this.target, LOOPBACK);
    });
    return (this.outer.address() as AddressInfo).port;
  }

  close(): void {
    this.outer.close();
    for (const s of this.#inner.values()) s.close();
  }
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

describe('IceAgent behind a port mapping (external port != bound port)', () => {
  it('announces only the mapped port and connects through the mapping', async () => {
    const fwd = new PortForward();
    const publicPort = await fwd.start();
    const inside = new IceAgent(loopbackConfig({ addressRewriteRules: [{ external: [LOOPBACK], externalPort: publicPort }] }));
    const outside = new IceAgent(loopbackConfig());
    cleanup.push(() => fwd.close(), () => inside.close(), () => outside.close());
    await inside.gather();
    const announced: Candidate[] = inside.getLocalCandidates();
    expect(announced.map((c) => `${c.type} ${c.address}:${c.port}`)).toEqual([`host ${LOOPBACK}:${publicPort}`]);
    // The mapping forwards to the agent's own bound socket.
    fwd.target = inside.getStats().localBases[0]!.port;
    expect(fwd.target).not.toBe(publicPort);

    // Only the inside agent's candidates are signalled: it learns the outside peer from
    // its checks (peer-reflexive, via the mapping), so every packet crosses the mapping.
    for (const c of announced) outside.addRemoteCandidate(c);
    outside.addRemoteCandidate(null);
    const abort = AbortSignal.timeout(10_000);
    const [cOut, cIn] = await Promise.all([
      outside.dial(inside.localCredentials.ufrag, inside.localCredentials.pwd, abort),
      inside.accept(outside.localCredentials.ufrag, outside.localCredentials.pwd, abort),
    ]);
    expect(cOut.remoteCandidate.port).toBe(publicPort);
    expect(fwd.forwarded).toBeGreaterThan(0);
    const got: string[] = [];
    cIn.onMessage((d) => got.push(d.toString()));
    for (let i = 0; i < 10; i++) cOut.send(Buffer.from(`m${i}`));
    await waitFor('data through the mapping', () => got.length === 10);
  });
});
