import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnServer } from '../../src/turn-server/turn-server.js';
import { pionAvailable, pionBinary } from '../support/pion.js';
import { startTernTurn } from '../support/tern-turn.js';

const available = pionAvailable() && existsPionTurn();

function existsPionTurn(): boolean {
  return existsSync('/usr/share/gocode/src/github.com/pion/turn/v2');
}

function run(bin: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile('timeout', ['30', bin, ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

describe.skipIf(!available)("Pion's TURN client (pion/turn v2) against tern-rtc's TURN server", () => {
  let server: TurnServer;
  let bin: string;

  beforeAll(async () => {
    bin = pionBinary('turn-client');
    server = await startTernTurn();
  }, 120_000);

  afterAll(() => server?.close());

  it('allocates, learns its mapped address and relays to a peer both ways (indications, then a channel)', async () => {
    const { code, out } = await run(bin, [`127.0.0.1:${server.udpAddresses[0]!.port}`, 'test', 'test', 'tern']);
    expect(code, out).toBe(0);
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { relayed: string; mapped: string; echoed: number };
    expect(r.echoed).toBe(10);
    expect(r.relayed).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.stats.packetsToPeers).toBeGreaterThanOrEqual(10);
    expect(server.stats.packetsToClients).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('is refused with wrong credentials', async () => {
    const { code, out } = await run(bin, [`127.0.0.1:${server.udpAddresses[0]!.port}`, 'test', 'wrong', 'tern']);
    expect(code).not.toBe(0);
    expect(out).toMatch(/allocate/);
  }, 60_000);
});
