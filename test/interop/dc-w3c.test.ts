import { describe, expect, it } from 'vitest';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

/**
 * tern ↔ werift, node-datachannel (libdatachannel + usrsctp, through its W3C
 * polyfill) and @roamhq/wrtc (libwebrtc + dcsctp): both offer directions,
 * in-band channel, 1,000 echoed messages of 1 B..256 KiB, closed by the
 * side that did not open it. Each run is a child process in a loopback-only
 * namespace, so the native stacks can reach nothing but 127.0.0.1.
 */
const RUNNER = new URL('./dc/w3c-dc-runner.ts', import.meta.url).pathname;
const canRun = netnsAvailable();

describe.skipIf(!canRun)('data channel interop (W3C stacks)', () => {
  for (const [peer, count] of [['werift', 1000], ['ndc', 1000], ['wrtc', 1000]] as const) {
    it(`tern ↔ ${peer}`, { timeout: 240_000 }, async () => {
      const out = await runInLoopbackNamespace(RUNNER, [peer, String(count)], 220_000);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; ternOffers: boolean });
      expect(lines.map((l) => [l.ternOffers, l.ok])).toEqual([
        [true, true],
        [false, true],
      ]);
    });
  }
});
