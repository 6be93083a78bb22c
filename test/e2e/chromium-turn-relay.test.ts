import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../support/browser.js';
import { coturnAvailable } from '../support/coturn.js';
import { netnsAvailable, runInLoopbackNamespace } from '../support/netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'chromium-turn-relay.run.ts');
const canRun = existsSync(CHROMIUM_PATH) && netnsAvailable() && coturnAvailable();

interface Result {
  error?: string;
  framesDecoded: number;
  connectionState: string;
  offerCandidateTypes: string[];
  answerCandidateTypes: string[];
  browserSelected?: { local: string; remote: string };
  ternSelected: { local?: string; remote?: string };
}

/** Chromium with iceTransportPolicy 'relay' through coturn (127.0.0.1, in a loopback-only namespace) to tern. */
describe.skipIf(!canRun)('Chromium through a TURN relay to tern (loopback-only namespace)', () => {
  // One browser and one coturn for both cases.
  let results: Promise<Record<string, Result>> | undefined;
  const result = async (mode: string): Promise<Result> => {
    results ??= runInLoopbackNamespace(runner, ['browser-relay', 'both-relay'], 100_000).then((out) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, Result>);
    return (await results)[mode]!;
  };

  it("Chromium relay-only: media reaches tern through coturn and the reflected video is decoded", async () => {
    const r = await result('browser-relay');
    expect(r.error).toBeUndefined();
    expect(new Set(r.offerCandidateTypes)).toEqual(new Set(['relay']));
    expect(r.connectionState).toBe('connected');
    expect(r.browserSelected?.local).toBe('relay');
    expect(r.ternSelected.remote).toBe('relay');
    expect(r.framesDecoded).toBeGreaterThanOrEqual(20);
  }, 110_000);

  it("both relay-only: tern's own allocation carries the call", async () => {
    const r = await result('both-relay');
    expect(r.error).toBeUndefined();
    expect(new Set(r.answerCandidateTypes)).toEqual(new Set(['relay']));
    expect(r.connectionState).toBe('connected');
    expect(r.ternSelected).toEqual({ local: 'relay', remote: 'relay' });
    expect(r.framesDecoded).toBeGreaterThanOrEqual(20);
  }, 90_000);
});
if (!canRun) {
  describe('Chromium through a TURN relay to tern', () => {
    it.skip(`needs ${CHROMIUM_PATH}, coturn and root for network namespaces`, () => undefined);
  });
}
