import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'chromium-reflect.run.ts');
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable();

describe.skipIf(!canRun)('tern ↔ Chromium reflect (loopback-only namespace)', () => {
  for (const mode of ['browser-offers', 'tern-offers'] as const) {
    it(`reflects the camera back to the browser (${mode})`, async () => {
      const out = await runInLoopbackNamespace(runner, [mode], 60_000);
      const line = out.trim().split('\n').pop()!;
      const r = JSON.parse(line) as { error?: string; framesDecoded: number; framesDecodedLater: number; connectionState: string; reflected: { video: number; audio: number } };
      expect(r.error).toBeUndefined();
      expect(r.connectionState).toBe('connected');
      expect(r.reflected.video).toBeGreaterThan(0);
      expect(r.reflected.audio).toBeGreaterThan(0);
      expect(r.framesDecoded).toBeGreaterThanOrEqual(20);
      expect(r.framesDecodedLater).toBeGreaterThan(r.framesDecoded);
    }, 90_000);
  }
  it('receives three simulcast layers by RID (no a=ssrc in the offer)', async () => {
    const out = await runInLoopbackNamespace(runner, ['simulcast'], 60_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { error?: string; connectionState: string; rids: string[]; packets: Record<string, number>; answerHasSimulcast: boolean };
    expect(r.error).toBeUndefined();
    expect(r.connectionState).toBe('connected');
    expect(r.answerHasSimulcast).toBe(true);
    // Each layer arrives on its own SSRC and is routed by its RID; the top layer
    // appears only once Chromium's bandwidth estimate (fed by our transport-cc
    // feedback) has ramped up, which a loaded machine can delay past the window.
    expect(r.rids).toEqual(expect.arrayContaining(['q', 'h']));
    for (const rid of r.rids) expect(['q', 'h', 'f']).toContain(rid);
    for (const rid of r.rids) expect(r.packets[rid]).toBeGreaterThan(0);
  }, 90_000);
});
if (!canRun) {
  describe('tern ↔ Chromium reflect', () => {
    it.skip(`needs ${CHROMIUM_PATH} and root for network namespaces`, () => undefined);
  });
}
