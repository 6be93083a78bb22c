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
});
if (!canRun) {
  describe('tern ↔ Chromium reflect', () => {
    it.skip(`needs ${CHROMIUM_PATH} and root for network namespaces`, () => undefined);
  });
}
