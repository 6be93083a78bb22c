import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'chromium-sfu.run.ts');
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable();

describe.skipIf(!canRun)('sfu-ws ↔ two Chromium pages (loopback-only namespace)', () => {
  it('each page decodes the other’s camera through the SFU, and a leaver disappears', async () => {
    const out = await runInLoopbackNamespace(runner, [], 80_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      error?: string;
      frames: Record<string, number>[];
      later: Record<string, number>[];
      states: string[];
      stats: { rooms: number; peers: number; forwardedTracks: number };
      streamsAfterLeave: number;
      statsAfterLeave: { peers: number; forwardedTracks: number };
    };
    expect(r.error).toBeUndefined();
    expect(r.states).toEqual(['connected', 'connected']);
    expect(r.stats).toMatchObject({ rooms: 1, peers: 2, forwardedTracks: 4 });
    for (let i = 0; i < 2; i++) {
      const [stream, frames] = Object.entries(r.frames[i]!)[0]!;
      expect(frames).toBeGreaterThanOrEqual(20);
      expect(r.later[i]![stream]).toBeGreaterThan(frames);
    }
    expect(r.statsAfterLeave).toMatchObject({ peers: 1, forwardedTracks: 2 });
    expect(r.streamsAfterLeave).toBe(0);
  }, 100_000);
});
if (!canRun) {
  describe('sfu-ws ↔ Chromium', () => {
    it.skip(`needs ${CHROMIUM_PATH} and root for network namespaces`, () => undefined);
  });
}
