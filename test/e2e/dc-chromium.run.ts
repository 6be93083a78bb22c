/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see dc-chromium.test.ts):
 * a data channel between tern and headless Chromium, opened by either side,
 * 1,000 messages of 1 B..256 KiB echoed by the page, closed by the side that
 * did not open it. `-av` modes put the channel beside audio and video.
 * Prints one JSON line.
 */
import { RTCPeerConnection, TrackLocalStaticSample, type RTCDataChannel } from '../../src/index.js';
import { echoMessages, mixedSizes, whenClosed, whenOpen } from '../support/dc.js';
import { loopbackSettingEngine, waitFor } from '../support/pc.js';
import { launchChromium, openPage } from '../support/browser.js';

const mode = process.argv[2] ?? 'browser-offers';
const count = Number(process.argv[3] ?? 1000);
const av = mode.endsWith('-av');
const browserOffers = mode.startsWith('browser-offers');

const PAGE = `<!doctype html><html><body><script>
window.pc = new RTCPeerConnection();
window.dcClosed = false;
window.echo = (ch) => { window.ch = ch; ch.binaryType = 'arraybuffer'; ch.onmessage = (e) => ch.send(e.data); ch.onclose = () => { window.dcClosed = true; }; };
pc.ondatachannel = (e) => window.echo(e.channel);
window.gathered = () => new Promise((r) => { if (pc.iceGatheringState === 'complete') return r(); pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()); });
</script></body></html>`;

type W = { pc: RTCPeerConnection; echo(ch: unknown): void; gathered(): Promise<void>; ch: { close(): void; label: string; readyState: string }; dcClosed: boolean };

if (mode === 'example') {
  // The example page of examples/data-channels against its session logic.
  const { readFileSync } = await import('node:fs');
  const { createServer } = await import('node:http');
  const { answerDataChannels } = await import('../../examples/data-channels/session.js');
  const html = readFileSync(new URL('../../examples/data-channels/index.html', import.meta.url));
  const fromPage: string[] = [];
  let session: { close(): void } | undefined;
  const server = createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        void answerDataChannels(JSON.parse(body) as { type: 'offer'; sdp: string }, { settingEngine: loopbackSettingEngine(), intervalMs: 200, onMessage: (_c, text) => fromPage.push(text) }).then(({ session: s, answer }) => {
          session = s;
          res.end(JSON.stringify(answer));
        });
      });
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await launchChromium();
  const page = await browser.newPage();
  const out: Record<string, unknown> = { mode };
  try {
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length >= 2, undefined, { timeout: 30_000 });
    await page.click('#send');
    await waitFor(() => fromPage.length > 0, 15_000);
    out.fromPage = fromPage[0];
    out.toPage = await page.evaluate(() => (window as unknown as { received: string[] }).received[0]);
  } catch (err) {
    out.error = String((err as Error).stack ?? err);
  } finally {
    session?.close();
    await browser.close();
    server.close();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

const browser = await launchChromium();
const { page, close } = await openPage(browser, PAGE);
const pc = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
const result: Record<string, unknown> = { mode };
try {
  const gathered = (): Promise<void> => waitFor(() => pc.iceGatheringState === 'complete', 10_000);
  let ch: RTCDataChannel;
  if (browserOffers) {
    const offer = await page.evaluate(async (withMedia) => {
      const w = window as unknown as W & { pc: globalThis.RTCPeerConnection };
      w.echo(w.pc.createDataChannel('echo', { protocol: 'chat' }));
      if (withMedia) {
        const s = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
        for (const t of s.getTracks()) w.pc.addTrack(t, s);
      }
      await w.pc.setLocalDescription(await w.pc.createOffer());
      await w.gathered();
      return { type: 'offer' as const, sdp: w.pc.localDescription!.sdp };
    }, av);
    const got = new Promise<RTCDataChannel>((resolve) => (pc.ondatachannel = (e) => resolve(e.channel)));
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered();
    await page.evaluate(async (answer) => (window as unknown as { pc: globalThis.RTCPeerConnection }).pc.setRemoteDescription(answer), { type: 'answer' as const, sdp: pc.localDescription!.sdp! });
    ch = await got;
  } else {
    ch = pc.createDataChannel('echo', { protocol: 'chat' });
    if (av) {
      pc.addTrack(new TrackLocalStaticSample({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, 'a', 's'));
      pc.addTrack(new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'v', 's'));
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered();
    const answer = await page.evaluate(async (offer) => {
      const w = window as unknown as { pc: globalThis.RTCPeerConnection; gathered(): Promise<void> };
      await w.pc.setRemoteDescription(offer);
      await w.pc.setLocalDescription(await w.pc.createAnswer());
      await w.gathered();
      return { type: 'answer' as const, sdp: w.pc.localDescription!.sdp };
    }, { type: 'offer' as const, sdp: pc.localDescription!.sdp! });
    await pc.setRemoteDescription(answer);
  }
  await whenOpen(ch, 20_000);
  result.label = ch.label;
  result.protocol = ch.protocol;
  result.maxMessageSize = pc.sctp?.maxMessageSize;
  result.echoMs = await echoMessages(ch, mixedSizes(count, Math.min(256 * 1024, pc.sctp!.maxMessageSize)), 90_000);
  result.echoed = count;
  // Close from the side that did not open the channel.
  if (browserOffers) ch.close();
  else await page.evaluate(() => (window as unknown as W).ch.close());
  await whenClosed(ch);
  await page.waitForFunction(() => (window as unknown as W).dcClosed, undefined, { timeout: 15_000 }).catch(async (e: Error) => { throw new Error(`${e.message}; page channel ${await page.evaluate(() => (window as unknown as W).ch.readyState)}`); });
  result.closedBoth = true;
  result.connectionState = pc.connectionState;
} catch (err) {
  result.error = (err as Error).stack ?? String(err);
} finally {
  pc.close();
  await close();
  await browser.close();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
