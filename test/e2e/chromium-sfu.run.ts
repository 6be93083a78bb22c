/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see chromium-sfu.test.ts):
 * the sfu-ws example's own page, opened in two Chromium pages that join one
 * room, each publishing its fake camera and microphone through tern's SFU.
 * Each page must decode the other's video. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SfuServer } from '../../src/index.js';
import { launchChromium } from '../support/browser.js';
import { loopbackSettingEngine } from '../support/pc.js';

const here = dirname(fileURLToPath(import.meta.url));
const TARGET_FRAMES = 20;

const sfu = new SfuServer({ settingEngine: loopbackSettingEngine(), page: readFileSync(join(here, '../../examples/sfu-ws/index.html')) });
const { port } = await sfu.listen(0, '127.0.0.1');
const browser = await launchChromium();
const result: Record<string, unknown> = {};

/** Frames decoded from each remote stream the page shows, by stream id. */
function framesByStream(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const sfu = (window as unknown as { sfu: { pc: RTCPeerConnection | null; streams: Map<string, MediaStream> } }).sfu;
    const out: Record<string, number> = {};
    if (!sfu.pc) return out;
    const stats = await sfu.pc.getStats();
    for (const [id, stream] of sfu.streams) {
      const video = stream.getVideoTracks()[0];
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && video && s.trackIdentifier === video.id) out[id] = s.framesDecoded ?? 0;
      });
    }
    return out;
  });
}

try {
  const pages: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?room=e2e&autojoin`);
    pages.push(page);
  }
  const deadline = Date.now() + 30_000;
  let frames: Record<string, number>[] = [];
  while (Date.now() < deadline) {
    frames = await Promise.all(pages.map(framesByStream));
    if (frames.every((f) => Object.values(f).some((n) => n >= TARGET_FRAMES))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const later = await Promise.all(pages.map(framesByStream));
  Object.assign(result, {
    frames,
    later,
    stats: sfu.stats(),
    states: await Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as { sfu: { pc: RTCPeerConnection } }).sfu.pc.connectionState))),
  });
  // One page leaves: the other's view of it goes away after the SFU renegotiates.
  await pages[1]!.close();
  const leftBy = Date.now() + 15_000;
  let remaining = -1;
  while (Date.now() < leftBy) {
    remaining = await pages[0]!.evaluate(() => (window as unknown as { sfu: { streams: Map<string, MediaStream> } }).sfu.streams.size);
    if (remaining === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  Object.assign(result, { streamsAfterLeave: remaining, statsAfterLeave: sfu.stats() });
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  await browser.close();
  await sfu.close();
}
console.log(JSON.stringify(result));
process.exit(0);
