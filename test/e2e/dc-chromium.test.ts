import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const runner = new URL('./dc-chromium.run.ts', import.meta.url).pathname;
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable();

describe.skipIf(!canRun)('data channels tern ↔ Chromium (loopback-only namespace)', () => {
  for (const mode of ['browser-offers', 'tern-offers', 'browser-offers-av', 'tern-offers-av']) {
    it(`opens, echoes 1,000 mixed messages and closes (${mode})`, { timeout: 150_000 }, async () => {
      const out = await runInLoopbackNamespace(runner, [mode, '1000'], 140_000);
      const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ label: 'echo', protocol: 'chat', echoed: 1000, closedBoth: true, connectionState: 'connected', maxMessageSize: 262144 });
    });
  }

  it('runs the data-channels example page against its Node side', { timeout: 90_000 }, async () => {
    const out = await runInLoopbackNamespace(runner, ['example'], 80_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(r.error).toBeUndefined();
    expect(r.fromPage).toBe('hello from the browser');
    expect(String(r.toPage)).toMatch(/^tern-rtc: \d{4}-/);
  });
});
