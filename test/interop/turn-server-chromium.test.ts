import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'turn-server-chromium.run.ts');
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable();

describe.skipIf(!canRun)("Chromium relay-only through tern-rtc's TURN server (loopback-only namespace)", () => {
  it('sends video through a relay candidate to a tern-rtc peer and decodes it back', async () => {
    const out = await runInLoopbackNamespace(runner, [], 60_000);
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      error?: string;
      offerCandidates: string[];
      framesDecoded: number;
      connectionState: string;
      selectedLocalType: string;
      turn: { allocations: number; packetsToPeers: number; packetsToClients: number };
    };
    expect(r.error).toBeUndefined();
    expect(r.offerCandidates.length).toBeGreaterThan(0);
    expect(new Set(r.offerCandidates)).toEqual(new Set(['relay']));
    expect(r.connectionState).toBe('connected');
    expect(r.selectedLocalType).toBe('relay');
    expect(r.framesDecoded).toBeGreaterThanOrEqual(20);
    expect(r.turn.allocations).toBeGreaterThanOrEqual(1);
    expect(r.turn.packetsToPeers).toBeGreaterThan(100);
    expect(r.turn.packetsToClients).toBeGreaterThan(100);
  }, 90_000);
});
