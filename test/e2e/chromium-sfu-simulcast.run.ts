/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see chromium-sfu-simulcast.test.ts):
 * one page publishes simulcast (rids l and h, 640×360 and 320×180) through
 * the sfu-ws page; another page subscribes and asks the SFU for the low and
 * then the high layer, decoding frames all along. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { SfuServer } from '../../src/sfu-ws/index.js';
import { launchChromium } from '../support/browser.js';
import { loopbackSettingEngine } from '../support/pc.js';

const here = dirname(fileURLToPath(import.meta.url));
const sfu = new SfuServer({ settingEngine: loopbackSettingEngine(), page: readFileSync(join(here, '../../examples/sfu-ws/index.html')) });
const { port } = await sfu.listen(0, '127.0.0.1');
const browser = await launchChromium();
const result: Record<string, unknown> = {};
const t0 = Date.now();
const step = (what: string): void => void process.stderr.write(`${Date.now() - t0} ms: ${what}\n`);

interface View {
  frames: number;
  width: number;
}

/** Frames decoded and the current frame width of the one remote video. */
function view(page: Page): Promise<View> {
  return page.evaluate(async () => {
    const sfu = (window as unknown as { sfu: { pc: RTCPeerConnection | null } }).sfu;
    let out = { frames: 0, width: 0 };
    if (!sfu.pc) return out;
    (await sfu.pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > out.frames) out = { frames: s.framesDecoded ?? 0, width: s.frameWidth ?? 0 };
    });
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

try {
  const pub = await browser.newPage();
  await pub.goto(`http://127.0.0.1:${port}/?room=sim&autojoin&simulcast&width=640&height=360&fps=15`, { waitUntil: 'domcontentloaded' });
  const sub = await browser.newPage();
  await sub.goto(`http://127.0.0.1:${port}/?room=sim&autojoin&width=160&height=120&fps=10`, { waitUntil: 'domcontentloaded' });
  const pubId = await until(
    () => pub.evaluate(() => (window as unknown as { sfu: { me: string | null } }).sfu.me),
    (id) => id !== null,
    20_000,
  );
  // Both layers arrive at the SFU.
  const layers = await until(
    async () => (await sfu.stats()).roomList[0]?.tracks.find((t) => t.kind === 'video' && t.publisher === pubId)?.layers ?? [],
    (l) => l.length === 2 && l.every((x) => x.bitrateBps > 0),
    20_000,
  );
  result['layers'] = layers;
  result['publisher'] = await pub.evaluate(async () => {
    const pc = (window as unknown as { sfu: { pc: RTCPeerConnection } }).sfu.pc;
    const out: { rid?: string; width?: number; bytes?: number; availableOutgoingBitrate?: number }[] = [];
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.push({ rid: s.rid, width: s.frameWidth, bytes: s.bytesSent });
      if (s.type === 'candidate-pair' && s.nominated) out.push({ availableOutgoingBitrate: s.availableOutgoingBitrate });
    });
    return { out, simulcastAnswer: pc.currentRemoteDescription?.sdp.split('\r\n').filter((l) => /^a=(simulcast|rid):/.test(l)) };
  });
  step('publisher ' + JSON.stringify(result['publisher']));
  step('layers ' + JSON.stringify(layers));
  const ask = (rid: string): Promise<void> =>
    sub.evaluate(([id, r]) => (window as unknown as { sfu: { ws: WebSocket } }).sfu.ws.send(JSON.stringify({ type: 'layer', trackId: id, rid: r })), [pubId!, rid] as const);
  const first = await until(() => view(sub), (v) => v.frames > 10, 30_000);
  step('first ' + JSON.stringify(first));
  await ask('l');
  const low = await until(() => view(sub), (v) => v.width > 0 && v.width <= 320 && v.frames > first.frames + 10, 20_000);
  step('low ' + JSON.stringify(low));
  await ask('h');
  const both = layers.length === 2;
  const high = await until(() => view(sub), (v) => (!both || v.width > 320) && v.frames > low.frames + 10, 20_000);
  step('high ' + JSON.stringify(high));
  const stats = await sfu.stats();
  Object.assign(result, { first, low, high, subscriberLayers: stats.roomList[0]?.tracks.find((t) => t.kind === 'video' && t.publisher === pubId)?.subscriberLayers });
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  await browser.close();
  await sfu.close();
}
console.log(JSON.stringify(result));
process.exit(0);
