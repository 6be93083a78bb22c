/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see chromium-sfu.test.ts):
 * the sfu-ws example's own page in Chromium pages, each publishing its fake
 * camera and microphone through tern's SFU (single-port media).
 * - three pages in room A each decode the two others' video and receive their audio;
 * - a fourth page in room B receives nothing from room A;
 * - a page reloads and rejoins; a page leaves and disappears from the others;
 * - the page's stats view shows numbers.
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SfuServer } from '../../src/sfu-ws/index.js';
import { launchChromium } from '../support/browser.js';
import { loopbackSettingEngine } from '../support/pc.js';

const here = dirname(fileURLToPath(import.meta.url));
const TARGET_FRAMES = 15;
/** Small, slow fake camera: four pages share two busy cores. */
const SMALL = 'width=160&height=120&fps=15';

const sfu = new SfuServer({ settingEngine: loopbackSettingEngine(), page: readFileSync(join(here, '../../examples/sfu-ws/index.html')) });
const { port } = await sfu.listen(0, '127.0.0.1');
const browser = await launchChromium();
const result: Record<string, unknown> = {};
const t0 = Date.now();
const step = (what: string): void => void process.stderr.write(`${Date.now() - t0} ms: ${what}\n`);

interface Media {
  video: Record<string, number>;
  audio: Record<string, number>;
}

/** Frames decoded and audio packets received per remote stream the page shows. */
function mediaByStream(page: Page): Promise<Media> {
  return page.evaluate(async () => {
    const sfu = (window as unknown as { sfu: { pc: RTCPeerConnection | null; streams: Map<string, MediaStream> } }).sfu;
    const out: Media = { video: {}, audio: {} };
    if (!sfu.pc) return out;
    const stats = await sfu.pc.getStats();
    for (const [id, stream] of sfu.streams) {
      const video = stream.getVideoTracks()[0];
      const audio = stream.getAudioTracks()[0];
      stats.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video' && video && s.trackIdentifier === video.id) out.video[id] = s.framesDecoded ?? 0;
        if (s.kind === 'audio' && audio && s.trackIdentifier === audio.id) out.audio[id] = s.packetsReceived ?? 0;
      });
    }
    return out;
  });
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await what();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    v = await what();
  }
  return v;
}

const decodesAll = (m: Media, n: number): boolean => Object.values(m.video).filter((f) => f >= TARGET_FRAMES).length === n && Object.values(m.audio).filter((p) => p > 10).length === n;
const me = (p: Page): Promise<string | null> => p.evaluate(() => (window as unknown as { sfu: { me: string | null } }).sfu.me);

try {
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?room=a&autojoin&${SMALL}`, { waitUntil: 'domcontentloaded' });
    pages.push(page);
  }
  const other = await browser.newPage();
  await other.goto(`http://127.0.0.1:${port}/?room=b&autojoin&${SMALL}`, { waitUntil: 'domcontentloaded' });
  const media = await until(() => Promise.all(pages.map(mediaByStream)), (all) => all.every((m) => decodesAll(m, 2)), 40_000);
  step('three pages: ' + JSON.stringify(media));
  const ids = await Promise.all(pages.map(me));
  Object.assign(result, {
    threeDecodeTwo: media.map((m) => decodesAll(m, 2)),
    media,
    otherRoom: await mediaByStream(other),
    otherRoomStreams: await other.evaluate(() => (window as unknown as { sfu: { streams: Map<string, MediaStream> } }).sfu.streams.size),
    ids,
  });

  // The stats view draws numbers for this room's streams.
  const statsText = await until(
    () => pages[0]!.evaluate(() => Array.from(document.querySelectorAll('#stats .chart .label')).map((e) => e.textContent ?? '')),
    (labels) => labels.length >= 4 && labels.some((l) => /[1-9]\d* kbit\/s/.test(l)),
    10_000,
  );
  result['statsLabels'] = statsText;
  step('stats: ' + JSON.stringify(statsText));

  // Page 2 reloads and rejoins: a new peer, decoded again by the others and decoding them.
  await pages[2]!.reload({ waitUntil: 'domcontentloaded' });
  await pages[2]!.evaluate(() => undefined);
  const afterReload = await until(() => Promise.all(pages.map(mediaByStream)), (all) => all.every((m) => decodesAll(m, 2)), 40_000);
  const newId = await me(pages[2]!);
  step('reload: ' + JSON.stringify(afterReload));
  result['reload'] = { rejoined: afterReload.map((m) => decodesAll(m, 2)), newId, oldId: ids[2] };

  // Page 1 leaves: it disappears from the others.
  const leftId = ids[1];
  await pages[1]!.close();
  const closedAt = Date.now();
  const remaining = await until(
    () => Promise.all([pages[0]!, pages[2]!].map((p) => p.evaluate((id) => (window as unknown as { sfu: { streams: Map<string, MediaStream> } }).sfu.streams.has(id!), leftId))),
    (v) => v.every((x) => !x),
    15_000,
  );
  result['leave'] = { stillShown: remaining, ms: Date.now() - closedAt };
  const stats = await sfu.stats();
  result['stats'] = { rooms: stats.rooms, peers: stats.peers, tracks: stats.tracks };
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  await browser.close();
  await sfu.close();
}
console.log(JSON.stringify(result));
process.exit(0);
