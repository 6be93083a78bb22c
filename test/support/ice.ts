import type { IceAgentConfig } from '../../src/agent/index.js';

/** An agent configuration that gathers only 127.0.0.1 over UDP (the network rule for tests). */
export function loopbackIceConfig(): IceAgentConfig {
  return {
    networkTypes: ['udp4'],
    interfaceFilter: (name) => name === 'lo',
    ipFilter: (ip) => ip === '127.0.0.1',
    includeLoopback: true,
  };
}

/** Polls `condition` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}
