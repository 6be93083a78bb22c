import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IceAgent } from '../../src/agent/index.js';
import type { IceAgentConfig, IceConnection, IceRole } from '../../src/agent/index.js';
import { spawnGoPeer, type GoPeer, type GoPeerMessage } from '../support/go-peer.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { pionAvailable, pionBinary } from '../support/pion.js';

/**
 * tern-rtc's IceAgent ↔ Pion's ice.Agent (github.com/pion/ice/v2 from
 * Debian, test/interop/pion/ice-peer) over 127.0.0.1, both roles: JSON-line
 * signalling over the peer's stdin/stdout, connect, check the selected pair
 * on both sides, exchange datagrams both ways (the Go peer echoes ours and
 * we echo its), close, and check that nothing is left behind here.
 */

const LOOPBACK = '127.0.0.1';
const DATAGRAMS = 20;
const CONNECT_TIMEOUT_MS = 10_000;

function loopbackConfig(): IceAgentConfig {
  return {
    networkTypes: ['udp4'],
    interfaceFilter: (name) => name === 'lo',
    ipFilter: (ip) => ip === LOOPBACK,
    includeLoopback: true,
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

function splitHostPort(hostPort: unknown): { address: string; port: number } {
  const s = String(hostPort);
  const i = s.lastIndexOf(':');
  return { address: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

function isFullStats(m: GoPeerMessage): boolean {
  return m.type === 'stats' && Number(m['received']) >= DATAGRAMS && Number(m['echoesReceived']) >= DATAGRAMS;
}

const available = pionAvailable();

describe.skipIf(!available)('ICE interop: tern ↔ Pion ice v2 on 127.0.0.1', () => {
  let binary = '';
  beforeAll(() => {
    binary = pionBinary('ice-peer');
  });

  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  for (const ternRole of ['controlling', 'controlled'] as const satisfies readonly IceRole[]) {
    const pionRole: IceRole = ternRole === 'controlling' ? 'controlled' : 'controlling';
    it(`tern ${ternRole}, Pion ${pionRole}`, async () => {
      const before = snapshotResources();
      const pion: GoPeer = spawnGoPeer(binary, ['-role', pionRole, '-count', String(DATAGRAMS), '-timeout', '20s']);
      const tern = new IceAgent(loopbackConfig());
      open.push(async () => {
        tern.close();
        await pion.close();
      });

      // Signalling: ours to the Go peer's stdin, its stdout lines to us.
      tern.onCandidate((c) => pion.send(c === null ? { type: 'end-of-candidates' } : { type: 'candidate', candidate: c.toString() }));
      pion.send({ type: 'credentials', ufrag: tern.localCredentials.ufrag, pwd: tern.localCredentials.pwd });
      const fromPion = (m: GoPeerMessage): void => {
        if (m.type === 'candidate') tern.addRemoteCandidate(String(m['candidate']));
        else if (m.type === 'end-of-candidates') tern.addRemoteCandidate(null);
      };
      for (const m of pion.messages) fromPion(m);
      pion.onMessage(fromPion);
      const creds = await pion.next('credentials');
      const gathered = tern.gather();

      // Data: count what Pion sends, echo it; count Pion's echoes of ours.
      const fromPionData: string[] = [];
      const echoes: string[] = [];
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
      let conn: IceConnection;
      try {
        const ufrag = String(creds['ufrag']);
        const pwd = String(creds['pwd']);
        conn = await (ternRole === 'controlling'
          ? tern.dial(ufrag, pwd, abort.signal)
          : tern.accept(ufrag, pwd, abort.signal));
      } finally {
        clearTimeout(timer);
      }
      await gathered;
      conn.onMessage((d) => {
        const s = d.toString();
        if (s.startsWith('echo:')) echoes.push(s.slice(5));
        else if (s.startsWith('pion:')) {
          fromPionData.push(s);
          conn.send(Buffer.from(`echo:${s}`));
        }
      });
      expect(tern.role).toBe(ternRole);

      const connected = await pion.next('connected');
      const theirLocal = splitHostPort(connected['local']);
      const theirRemote = splitHostPort(connected['remote']);
      expect(conn.localCandidate.address).toBe(LOOPBACK);
      expect(conn.remoteCandidate.address).toBe(LOOPBACK);
      expect(tern.getSelectedPair()).toBeDefined();
      expect(theirLocal.address).toBe(LOOPBACK);
      expect(theirRemote.address).toBe(LOOPBACK);
      expect(theirLocal.port).toBe(conn.remoteCandidate.port);
      expect(theirRemote.port).toBe(conn.localCandidate.port);

      pion.send({ type: 'send' }); // our handler is in place: Pion may start sending
      for (let i = 0; i < DATAGRAMS; i++) conn.send(Buffer.from(`tern:${i}`));
      const stats = await pion.next(isFullStats, 5000);
      await waitFor(
        `Pion's datagrams and echoes (got ${fromPionData.length} and ${echoes.length})`,
        () => fromPionData.length >= DATAGRAMS && echoes.length >= DATAGRAMS,
      );
      expect(stats['received']).toBe(DATAGRAMS);
      expect(new Set(echoes)).toEqual(new Set(Array.from({ length: DATAGRAMS }, (_, i) => `tern:${i}`)));
      expect(new Set(fromPionData)).toEqual(new Set(Array.from({ length: DATAGRAMS }, (_, i) => `pion:${i}`)));
      expect(pion.messages.filter((m) => m.type === 'error')).toEqual([]);

      tern.close();
      tern.close(); // idempotent
      expect(tern.state).toBe('closed');
      expect(conn.closed).toBe(true);
      expect(await pion.close()).toBe(0);
      expect(pion.messages.at(-1)?.type).toBe('closed');
      await expectNoLeaks(before);
    });
  }
});
