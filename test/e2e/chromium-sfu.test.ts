import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'chromium-sfu.run.ts');
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable();

describe.skipIf(!canRun)('sfu-ws ↔ Chromium pages (loopback-only namespace)', () => {
  it('three pages see and hear each other, another room sees nothing, a reload rejoins, a leaver disappears, stats show numbers', async () => {
    const out = await runInLoopbackNamespace(runner, [], 150_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      error?: string;
      threeDecodeTwo: boolean[];
      otherRoom: { video: Record<string, number>; audio: Record<string, number> };
      otherRoomStreams: number;
      statsLabels: string[];
      reload: { rejoined: boolean[]; newId: string; oldId: string };
      leave: { stillShown: boolean[]; ms: number };
      stats: { rooms: number; peers: number; tracks: number };
    };
    expect(r.error).toBeUndefined();
    expect(r.threeDecodeTwo).toEqual([true, true, true]);
    expect(r.otherRoomStreams).toBe(0);
    expect(Object.keys(r.otherRoom.video)).toEqual([]);
    expect(r.statsLabels.some((l) => /[1-9]\d* kbit\/s, loss \d+\.\d %/.test(l))).toBe(true);
    expect(r.reload.rejoined).toEqual([true, true, true]);
    expect(r.reload.newId).not.toBe(r.reload.oldId);
    expect(r.leave.stillShown).toEqual([false, false]);
    expect(r.stats).toMatchObject({ rooms: 2, peers: 3, tracks: 6 });
  }, 180_000);
});
if (!canRun) {
  describe('sfu-ws ↔ Chromium', () => {
    it.skip(`needs ${CHROMIUM_PATH} and root for network namespaces`, () => undefined);
  });
}
