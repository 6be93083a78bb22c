import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';
import { redisAvailable } from '../support/redis.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'chromium-sfu.run.ts');
const simulcastRunner = join(here, 'chromium-sfu-simulcast.run.ts');
const clusterRunner = join(here, 'chromium-sfu-cluster.run.ts');
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

  // In the same file as the test above so the two never run at once (each drives several Chromium pages).
  /**
   * Chromium publishes simulcast to sfu-ws (the page offers its camera with rids l and h;
   * the SFU answers a=simulcast:recv l;h), and the subscriber keeps decoding while it asks
   * for the low and the high layer. Whether Chromium sends the high layer at all depends on
   * its bandwidth estimate on a busy 2-core loopback; layer switching itself is covered with
   * tern-rtc clients in test/loopback/sfu-ws/simulcast.test.ts. Both layers and the
   * resolution change are asserted when Chromium sends both.
   */
  // One retry: when the server's offer glares with the page's first offer (seen under heavy
  // load), the page's simulcast offer is rolled back and the call goes on without simulcast.
  // Left open in the issue: the SFU should re-offer the page's layers after such a glare.
  it('negotiates simulcast from the page and keeps decoding across layer requests', { retry: 1, timeout: 160_000 }, async () => {
    const out = await runInLoopbackNamespace(simulcastRunner, [], 140_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      error?: string;
      layers: { rid: string; bitrateBps: number }[];
      publisher: { simulcastAnswer: string[] };
      first: { frames: number; width: number };
      low: { frames: number; width: number };
      high: { frames: number; width: number };
      subscriberLayers: { rid: string | null; targetRid: string | null }[];
    };
    expect(r.error).toBeUndefined();
    expect(r.publisher.simulcastAnswer).toEqual(expect.arrayContaining(['a=rid:l recv', 'a=rid:h recv', 'a=simulcast:recv l;h']));
    expect(r.layers.map((l) => l.rid)).toContain('l');
    expect(r.low.frames).toBeGreaterThan(r.first.frames);
    expect(r.high.frames).toBeGreaterThan(r.low.frames);
    if (r.layers.length === 2 && r.layers.every((l) => l.bitrateBps > 0)) {
      expect(r.low.width).toBeLessThanOrEqual(320);
      expect(r.high.width).toBeGreaterThan(320);
      expect(r.subscriberLayers[0]).toMatchObject({ rid: 'h', targetRid: 'h' });
    }
  });

  /** Cluster mode (issue 17): two nodes on one Redis, a page opened from each; the one on the wrong node is redirected. */
  it.skipIf(!redisAvailable())('two pages joined through two different cluster nodes see each other', async () => {
    const out = await runInLoopbackNamespace(clusterRunner, [], 100_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      error?: string;
      bothDecode: boolean[];
      owner: string;
      peersOnOwner: number;
      redirectedTo: (string | null)[];
      ownerWs: string;
    };
    expect(r.error).toBeUndefined();
    expect(r.bothDecode).toEqual([true, true]);
    expect(r.peersOnOwner).toBe(2);
    // Exactly one page came in through the other node and was redirected to the owner.
    expect(r.redirectedTo.filter((u) => u !== null)).toEqual([r.ownerWs]);
  }, 120_000);
});
if (!canRun) {
  describe('sfu-ws ↔ Chromium', () => {
    it.skip(`needs ${CHROMIUM_PATH} and root for network namespaces`, () => undefined);
  });
}
