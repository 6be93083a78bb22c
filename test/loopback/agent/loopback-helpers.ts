import type { IceAgentConfig, IceConnection } from '../../../src/agent/index.js';
import { IceAgent } from '../../../src/agent/index.js';

export const LOOPBACK = '127.0.0.1';

/** Gathers on 127.0.0.1 only (the test network rule). */
export function loopbackConfig(extra: IceAgentConfig = {}): IceAgentConfig {
  return { networkTypes: ['udp4'], includeLoopback: true, ipFilter: (ip) => ip === LOOPBACK, ...extra };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Connects two agents with trickled candidates; a dials, b accepts. */
export async function connectPair(a: IceAgent, b: IceAgent): Promise<[IceConnection, IceConnection]> {
  a.onCandidate((c) => b.addRemoteCandidate(c));
  b.onCandidate((c) => a.addRemoteCandidate(c));
  const abort = AbortSignal.timeout(10_000);
  return Promise.all([
    a.dial(b.localCredentials.ufrag, b.localCredentials.pwd, abort),
    b.accept(a.localCredentials.ufrag, a.localCredentials.pwd, abort),
  ]);
}
