import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Candidate } from '../../src/candidate/index.js';
import { coturnAvailable, startCoturn, type Coturn } from '../support/coturn.js';
import { natNamespacesAvailable, NatTopology, PUBLIC_SERVER_IP, type NatSide } from './nat-topology.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const peerScript = join(root, 'test', 'netns', 'agent-peer.ts');

const namespaces = natNamespacesAvailable();
const turnserver = coturnAvailable();
const skipReason = !namespaces.ok
  ? `cannot create network namespaces with NAT (${namespaces.reason})`
  : !turnserver
    ? 'coturn (turnserver) is not installed'
    : '';
if (skipReason) console.warn(`netns TURN test skipped: ${skipReason}`);

interface PeerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly messages: Array<{ type: string; [k: string]: unknown }>;
  stderr: string;
  send(message: unknown): void;
}

function startPeer(name: string, side: NatSide, role: 'controlling' | 'controlled', coturn: Coturn): PeerProcess {
  const child = spawn(
    'ip',
    [
      'netns', 'exec', side.host, process.execPath, '--import', 'tsx', peerScript, role,
      `turn:${PUBLIC_SERVER_IP}:${coturn.port}`, coturn.user, coturn.password, `stun:${PUBLIC_SERVER_IP}:${coturn.port}`,
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env } },
  );
  const peer: PeerProcess = {
    name,
    child,
    messages: [],
    stderr: '',
    send: (message) => {
      if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(message)}\n`);
    },
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      peer.messages.push(JSON.parse(line) as { type: string });
    } catch {
      peer.stderr += `${line}\n`;
    }
  });
  child.stderr?.on('data', (d: Buffer) => (peer.stderr = (peer.stderr + d.toString()).slice(-20_000)));
  return peer;
}

/** Forwards credentials and candidates from one peer to the other as they appear. */
function signal(from: PeerProcess, to: PeerProcess): () => void {
  let forwarded = 0;
  return () => {
    for (; forwarded < from.messages.length; forwarded++) {
      const m = from.messages[forwarded]!;
      if (m.type === 'credentials' || m.type === 'candidate') to.send(m);
    }
  };
}

async function until(predicate: () => boolean, timeoutMs: number, tick: () => void): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    tick();
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}

function types(peer: PeerProcess): string[] {
  const gathered = peer.messages.find((m) => m.type === 'gathered');
  return ((gathered?.['candidates'] as string[] | undefined) ?? []).map((c) => Candidate.parse(c).type);
}

describe.skipIf(skipReason !== '')('TURN relay between two agents behind symmetric NATs (network namespaces)', () => {
  it('connects through the relay (the only path that can work) and carries data both ways', async () => {
    const topology = new NatTopology({ symmetric: true });
    let coturn: Coturn | undefined;
    const peers: PeerProcess[] = [];
    try {
      coturn = await startCoturn({ netns: topology.wan, listeningIp: PUBLIC_SERVER_IP, port: 3478 });
      const a = startPeer('A', topology.a, 'controlling', coturn);
      const b = startPeer('B', topology.b, 'controlled', coturn);
      peers.push(a, b);
      const ab = signal(a, b);
      const ba = signal(b, a);
      const tick = (): void => {
        ab();
        ba();
      };
      const done = (p: PeerProcess): boolean => p.messages.some((m) => m.type === 'data-ok');
      const failed = (p: PeerProcess): boolean => p.messages.some((m) => m.type === 'error' || m.type === 'state' && m['state'] === 'failed');
      const ok = await until(() => (done(a) && done(b)) || failed(a) || failed(b), 60_000, tick);
      const diagnostics = `A:\n${JSON.stringify(a.messages, null, 1)}\n${a.stderr}\nB:\n${JSON.stringify(b.messages, null, 1)}\n${b.stderr}`;
      if (process.env['TERN_NETNS_DUMP']) (await import('node:fs')).writeFileSync(process.env['TERN_NETNS_DUMP'], `${diagnostics}\nCOTURN:\n${coturn.log()}`);
      expect(ok && done(a) && done(b), diagnostics).toBe(true);

      // Each side gathered a relay candidate; srflx through the NAT worked too.
      for (const p of [a, b]) {
        expect(types(p), diagnostics).toContain('relay');
        expect(types(p), diagnostics).toContain('srflx');
      }
      // Behind two symmetric NATs, the selected pair must go through the relay on at least one side.
      for (const p of [a, b]) {
        const connected = p.messages.find((m) => m.type === 'connected')!;
        const local = Candidate.parse(connected['local'] as string);
        const remote = Candidate.parse(connected['remote'] as string);
        expect(local.type === 'relay' || remote.type === 'relay', diagnostics).toBe(true);
      }
      for (const p of peers) p.send({ type: 'close' });
      await until(() => peers.every((p) => p.messages.some((m) => m.type === 'closed')), 5000, () => {});
      // Both relays were released (Refresh LIFETIME 0); the server's log may lag a little.
      const server = coturn;
      await until(() => (server.log().match(/REFRESH processed, success/g) ?? []).length >= 2, 5000, () => {});
      expect((server.log().match(/REFRESH processed, success/g) ?? []).length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const p of peers) {
        if (p.child.exitCode === null && p.child.pid !== undefined) {
          try {
            process.kill(p.child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      await coturn?.stop();
      topology.delete();
    }
  }, 120_000);
});
