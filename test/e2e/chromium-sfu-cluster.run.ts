/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see chromium-sfu.test.ts):
 * a Redis and two sfu-ws cluster nodes; the example page in two Chromium
 * pages, one opened from each node, in the same room. The page that joins
 * through the node not running the room is redirected to it; both decode
 * each other's video and receive each other's audio. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startClusteredSfu, type ClusteredSfu } from '../../src/cluster/index.js';
import { launchChromium } from '../support/browser.js';
import { loopbackSettingEngine } from '../support/pc.js';
import { startRedis } from '../support/redis.js';

const here = dirname(fileURLToPath(import.meta.url));
const page = readFileSync(join(here, '../../examples/sfu-ws/index.html'));
const SMALL = 'width=160&height=120&fps=15';
const result: Record<string, unknown> = {};
const redis = await startRedis();
const nodes: ClusteredSfu[] = [];
const browser = await launchChromium();

/** Frames decoded and audio packets received from every remote stream the page shows. */
function media(p: Page): Promise<{ frames: number[]; audio: number[] }> {
  return p.evaluate(async () => {
    const sfu = (window as unknown as { sfu: { pc: RTCPeerConnection | null } }).sfu;
    const out = { frames: [] as number[], audio: [] as number[] };
    if (!sfu.pc || sfu.pc.connectionState === 'closed') return out;
    (await sfu.pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') out.frames.push(s.framesDecoded ?? 0);
      else out.audio.push(s.packetsReceived ?? 0);
    });
    return out;
  });
}

try {
  for (let i = 0; i < 2; i++) {
    nodes.push(
      await startClusteredSfu({ redisUrl: redis.url, nodeId: `node-${i}`, heartbeatIntervalMs: 300, heartbeatTtlMs: 1500, sfu: { settingEngine: loopbackSettingEngine(), page } }),
    );
  }
  const pages: Page[] = [];
  for (const n of nodes) {
    const p = await browser.newPage();
    await p.goto(`${n.nodeUrl}/?room=both&autojoin&${SMALL}`, { waitUntil: 'domcontentloaded' });
    pages.push(p);
  }
  const ok = (m: { frames: number[]; audio: number[] }): boolean => m.frames.some((f) => f >= 15) && m.audio.some((a) => a > 10);
  const deadline = Date.now() + 40_000;
  let seen = await Promise.all(pages.map(media));
  while (!seen.every(ok) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    seen = await Promise.all(pages.map(media));
  }
  const owner = nodes.find((n) => n.sfu.rooms.has('both'));
  Object.assign(result, {
    bothDecode: seen.map(ok),
    media: seen,
    owner: owner?.nodeId,
    peersOnOwner: owner?.sfu.rooms.get('both')?.peers.size,
    redirectedTo: await Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as { sfu: { redirectedTo?: string } }).sfu.redirectedTo ?? null))),
    ownerWs: owner ? `${owner.nodeUrl.replace('http', 'ws')}/ws` : null,
  });
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  await browser.close();
  for (const n of nodes) await n.close();
  await redis.stop();
}
console.log(JSON.stringify(result));
process.exit(0);
