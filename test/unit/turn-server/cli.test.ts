import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { cryptoRng } from '../../../src/common/rng.js';
import { parseIceServerUri } from '../../../src/stun/uri.js';
import { nodeNet } from '../../../src/transport/node-net.js';
import { createTurnRelay } from '../../../src/turn/create-turn-relay.js';
import { parseTurnArgs, startTurnCli, TURN_CLI_HELP } from '../../../src/turn-server/cli.js';
import { restApiCredentials } from '../../../src/turn-server/auth.js';

describe('tern-rtc turn (CLI)', () => {
  it('parses flags into server options', () => {
    const c = parseTurnArgs([
      '--listen', '127.0.0.1', '--port', '3479', '--no-tcp', '--relay-ip', '127.0.0.1', '--relay-ports', '40000-40100',
      '--external-ip', '203.0.113.1', '--realm', 'r', '--user', 'a:b:c', '--auth-secret', 'xyz', '--deny', '203.0.113.0/24',
      '--allow', '127.0.0.0/8', '--max-allocations', '5', '--user-quota', '2', '--bandwidth', '0', '--metrics', '127.0.0.1:9100',
    ]);
    if (c === 'help') throw new Error('help');
    expect(c.options.udp).toEqual([{ address: '127.0.0.1', port: 3479 }]);
    expect(c.options.tcp).toBeUndefined();
    expect(c.options.users).toEqual({ a: 'b:c' });
    expect(c.options.sharedSecrets).toEqual(['xyz']);
    expect(c.options.relayPortMin).toBe(40000);
    expect(c.options.relayPortMax).toBe(40100);
    expect(c.options.externalIps).toEqual({ 4: '203.0.113.1' });
    expect(c.options.deniedPeers).toContain('203.0.113.0/24');
    expect(c.options.deniedPeers).toContain('127.0.0.0/8');
    expect(c.options.allowedPeers).toEqual(['127.0.0.0/8']);
    expect(c.options.ownAddresses).toEqual(['127.0.0.1', '127.0.0.1', '203.0.113.1']);
    expect(c.options.maxAllocations).toBe(5);
    expect(c.options.bandwidthBytesPerSec).toBe(0);
    expect(c.metrics).toEqual({ address: '127.0.0.1', port: 9100 });
    expect(parseTurnArgs(['--help'])).toBe('help');
    expect(TURN_CLI_HELP).toContain('--auth-secret');
  });

  it('refuses bad flags with a typed error', () => {
    expect(() => parseTurnArgs([])).toThrow(/no credentials/);
    expect(() => parseTurnArgs(['--user', 'x:y', '--port', 'abc'])).toThrow(/--port/);
    expect(() => parseTurnArgs(['--user', 'x:y', '--deny', 'nonsense'])).toThrow(/not an IP range/);
    expect(() => parseTurnArgs(['--user', 'x:y', '--cert', '/nonexistent'])).toThrow(/go together/);
    expect(() => parseTurnArgs(['--user', 'x:y', '--bogus'])).toThrow();
  });

  it('serves TURN with REST API credentials and GET /metrics', async () => {
    const c = parseTurnArgs(['--listen', '127.0.0.1', '--port', '0', '--no-tcp', '--relay-ip', '127.0.0.1', '--auth-secret', 'k', '--metrics', '127.0.0.1:0']);
    if (c === 'help') throw new Error('help');
    const running = await startTurnCli(c);
    try {
      const cred = restApiCredentials('k', 'dave', 300, Date.now());
      const relay = await createTurnRelay({
        server: parseIceServerUri(`turn:127.0.0.1:${running.server.udpAddresses[0]!.port}`),
        username: cred.username,
        credential: cred.credential,
        net: nodeNet,
        clock: systemClock,
        rng: cryptoRng,
        localAddress: '127.0.0.1',
      });
      const a = running.metrics!.address() as { port: number };
      const text = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
      expect(text).toMatch(/^tern_turn_allocations 1$/m);
      expect(text).toMatch(/^tern_turn_relayed_bytes_total\{direction="to_peer"\} 0$/m);
      expect(text).toMatch(/# TYPE tern_turn_dropped_total counter/);
      expect((await fetch(`http://127.0.0.1:${a.port}/other`)).status).toBe(404);
      relay.close();
      await relay.whenReleased();
    } finally {
      await running.close();
    }
  });

  it('runs from bin/tern-rtc.mjs and stops on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../../../bin/tern-rtc.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'turn', '--listen', '127.0.0.1', '--port', '0', '--user', 'u:p'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!/listening on udp 127\.0\.0\.1:\d+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/TURN server listening on udp 127\.0\.0\.1:\d+, tcp 127\.0\.0\.1:\d+/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
