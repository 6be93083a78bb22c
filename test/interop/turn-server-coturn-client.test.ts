import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnServer } from '../../src/turn-server/turn-server.js';
import { startTernTurn } from '../support/tern-turn.js';

const available = existsSync('/usr/bin/turnutils_uclient');

/** Runs coturn's test client (bounded by `timeout`), resolving its output. */
function uclient(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('timeout', ['20', 'turnutils_uclient', ...args], { maxBuffer: 4 << 20 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

/** Totals of the client's last summary line. */
function totals(out: string): { sent: number; received: number } {
  const m = [...out.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/gm)].at(-1);
  return { sent: Number(m?.[1] ?? -1), received: Number(m?.[2] ?? -1) };
}

describe.skipIf(!available)("coturn's turnutils_uclient against tern-rtc's TURN server", () => {
  let server: TurnServer;
  let echo: dgram.Socket;
  let echoPort = 0;

  beforeAll(async () => {
    server = await startTernTurn({ withTls: true });
    // The peer: echoes every datagram (what turnutils_peer does).
    echo = dgram.createSocket('udp4');
    echo.on('message', (msg, r) => echo.send(msg, r.port, r.address));
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
    echoPort = echo.address().port;
  });

  afterAll(() => {
    server?.close();
    echo?.close();
  });

  const base = (): string[] => ['-u', 'test', '-w', 'test', '-e', '127.0.0.1', '-r', String(echoPort), '-n', '20', '-m', '2', '-z', '5', '-c'];
  const cases: Array<{ name: string; args: () => string[] }> = [
    { name: 'UDP with channels', args: () => ['-p', String(server.udpAddresses[0]!.port), '-l', '200'] },
    { name: 'UDP with Send indications', args: () => ['-p', String(server.udpAddresses[0]!.port), '-l', '200', '-s'] },
    { name: 'UDP client to client', args: () => ['-p', String(server.udpAddresses[0]!.port), '-l', '200', '-y'] },
    { name: 'TCP with odd-length messages (padding)', args: () => ['-t', '-p', String(server.tcpAddresses[0]!.port), '-l', '201'] },
    { name: 'TCP client to client', args: () => ['-t', '-p', String(server.tcpAddresses[0]!.port), '-l', '200', '-y'] },
    { name: 'TLS', args: () => ['-t', '-S', '-p', String(server.tlsAddresses[0]!.port), '-l', '200'] },
  ];

  describe('every transport', () => {
    for (const c of cases) {
    it.concurrent(`relays every message: ${c.name}`, async () => {
      const out = await uclient([...base(), ...c.args(), '127.0.0.1']);
      const t = totals(out);
      expect(t, out.slice(-2000)).toEqual({ sent: 40, received: 40 });
      expect(out).toMatch(/Total lost packets 0 /);
    }, 30_000);
  }
  });

  it('leaves no allocation behind once the clients are gone (streams) or refreshed to 0 (UDP)', async () => {
    const deadline = Date.now() + 5000;
    while (server.stats.streams > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(server.stats.streams).toBe(0);
    expect(server.stats.authFailures).toBe(0);
  });
});
