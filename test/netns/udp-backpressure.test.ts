import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const nativeExpected = process.platform === 'linux' && process.env.TERN_UDP_NATIVE !== '0';
const runner = fileURLToPath(new URL('./udp-backpressure-runner.ts', import.meta.url));

describe.runIf(netnsAvailable() && nativeExpected)('native UDP sockets when the system send buffer is full (rate-limited lo in a namespace)', () => {
  it('keep the overflow queued in order and send it as the buffer drains, losing nothing', async () => {
    const out = await runInLoopbackNamespace(runner, ['native'], 30_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { received: number; inOrder: boolean; pendingAfterFlush: number; sendErrors: number };
    // The burst did not fit: part of it waited for the socket to become writable again.
    expect(r.pendingAfterFlush).toBeGreaterThan(0);
    expect(r).toMatchObject({ received: 3500, inOrder: true, sendErrors: 0 });
  });
});
