import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'ice-tcp-chromium.run.ts');
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable();

describe.skipIf(!canRun)('ICE-TCP: tern (TCP candidates only) ↔ Chromium (loopback-only namespace)', () => {
  it('Chromium connects with tcptype active to tern\'s passive candidate; media reflected over RFC 4571 framing', async () => {
    const out = await runInLoopbackNamespace(runner, [], 60_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      error?: string;
      browserOffersTcpActive: boolean;
      answerCandidates: string[];
      framesDecoded: number;
      connectionState: string;
      reflected: { video: number; audio: number };
      browserPair: { localProtocol?: string; localTcpType?: string; remoteProtocol?: string; remoteTcpType?: string };
    };
    expect(r.error).toBeUndefined();
    expect(r.answerCandidates.length).toBeGreaterThan(0);
    expect(r.answerCandidates.every((c) => / tcp /.test(c))).toBe(true);
    expect(r.browserOffersTcpActive).toBe(true);
    expect(r.connectionState).toBe('connected');
    expect(r.browserPair).toMatchObject({ localProtocol: 'tcp', localTcpType: 'active', remoteProtocol: 'tcp' });
    expect(r.reflected.video).toBeGreaterThan(0);
    expect(r.framesDecoded).toBeGreaterThanOrEqual(20);
  }, 90_000);
});
if (!canRun) {
  describe('ICE-TCP ↔ Chromium', () => {
    it.skip(`needs ${CHROMIUM_PATH} and root for network namespaces`, () => undefined);
  });
}
