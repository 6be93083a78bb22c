/**
 * One ICE agent with a TURN relay factory, run as a child process inside a
 * network namespace by the netns tests. Signalling goes through the parent
 * as JSON lines: this process prints its credentials, candidates and
 * progress on stdout and reads the other agent's on stdin.
 *
 *   node --import tsx test/netns/agent-peer.ts <controlling|controlled> <turn-uri> <user> <pass> [stun-uri]
 */
import { createInterface } from 'node:readline';
import { IceAgent } from '../../src/agent/index.js';
import { createTurnRelay } from '../../src/turn/index.js';

const [role, turnUri, username, credential, stunUri] = process.argv.slice(2);
if ((role !== 'controlling' && role !== 'controlled') || !turnUri || !username || !credential) {
  process.stderr.write('usage: agent-peer.ts <controlling|controlled> <turn-uri> <user> <pass> [stun-uri]\n');
  process.exit(2);
}

function out(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const agent = new IceAgent({
  iceServers: [
    { urls: turnUri, username, credential },
    ...(stunUri ? [{ urls: stunUri }] : []),
  ],
  relayFactory: createTurnRelay,
});

agent.onCandidate((c) => out({ type: 'candidate', candidate: c ? c.toString() : null }));
out({ type: 'credentials', ...agent.localCredentials });
agent.state$.subscribe((s) => out({ type: 'state', state: s }));

let started = false;
const gathering = agent.gather().then(() => {
  out({ type: 'gathered', candidates: agent.getLocalCandidates().map((c) => c.toString()) });
});

async function connect(ufrag: string, pwd: string): Promise<void> {
  const conn = role === 'controlling' ? await agent.dial(ufrag, pwd) : await agent.accept(ufrag, pwd);
  out({ type: 'connected', local: conn.localCandidate.toString(), remote: conn.remoteCandidate.toString() });
  let done = false;
  conn.onMessage((data) => {
    const text = data.toString();
    if (role === 'controlled' && text.startsWith('ping')) {
      conn.send(Buffer.from(`pong for ${text}`));
      if (!done) out({ type: 'data-ok', received: text });
      done = true;
    } else if (role === 'controlling' && text.startsWith('pong') && !done) {
      done = true;
      out({ type: 'data-ok', received: text });
    }
  });
  if (role === 'controlling') {
    for (let i = 0; i < 100 && !done; i++) {
      conn.send(Buffer.from(`ping ${i}`));
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  let msg: { type: string; [k: string]: unknown };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return;
  }
  if (msg.type === 'credentials' && !started) {
    started = true;
    const ufrag = String(msg['ufrag']);
    const pwd = String(msg['pwd']);
    void gathering.then(() =>
      connect(ufrag, pwd).catch((err: unknown) => out({ type: 'error', message: (err as Error).message })),
    );
    agent.setRemoteCredentials(ufrag, pwd);
  } else if (msg.type === 'candidate') {
    agent.addRemoteCandidate((msg['candidate'] as string | null) ?? null);
  } else if (msg.type === 'close') {
    agent.close();
    // Let the relay's Refresh (LIFETIME 0) go out before exiting.
    setTimeout(() => {
      out({ type: 'closed' });
      process.exit(0);
    }, 500);
  }
});
