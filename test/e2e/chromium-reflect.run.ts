/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see chromium-reflect.test.ts):
 * Chromium sends its fake camera and microphone to tern, tern reflects them,
 * and the page counts decoded frames of the returned video. Prints one JSON line.
 */
import { RTCPeerConnection as TernPeerConnection, type TrackRemote } from '../../src/index.js';
import { loopbackSettingEngine } from '../support/pc.js';
import { answerReflect, offerReflect, type ReflectSession } from '../../examples/reflect/reflect.js';
import { launchChromium, openPage } from '../support/browser.js';

const mode = process.argv[2] === 'tern-offers' ? 'tern-offers' : process.argv[2] === 'simulcast' ? 'simulcast' : 'browser-offers';
const TARGET_FRAMES = 20;


const PAGE = `<!doctype html><html><body><video id="v" autoplay muted playsinline></video><script>
window.pc = new RTCPeerConnection();
window.returned = 0;
pc.ontrack = (e) => { window.returned++; if (e.track.kind === 'video') document.getElementById('v').srcObject = new MediaStream([e.track]); };
window.gathered = () => new Promise((r) => { if (pc.iceGatheringState === 'complete') return r(); pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()); });
window.media = () => navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
window.framesDecoded = async () => { let f = 0; (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') f = s.framesDecoded || 0; }); return f; };
</script></body></html>`;

const browser = await launchChromium();
const { page, close } = await openPage(browser, PAGE);
let session: ReflectSession | undefined;
const result: Record<string, unknown> = { mode };
try {
  if (mode === 'simulcast') {
    // Chromium sends three simulcast layers (rids q, h, f, no a=ssrc); tern routes them by MID/RID.
    const offer = await page.evaluate(async () => {
      const w = window as unknown as { pc: RTCPeerConnection; gathered: () => Promise<void> };
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
      w.pc.addTransceiver(stream.getVideoTracks()[0]!, {
        direction: 'sendonly',
        sendEncodings: [{ rid: 'q', scaleResolutionDownBy: 4 }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'f' }],
      });
      await w.pc.setLocalDescription(await w.pc.createOffer());
      await w.gathered();
      return { type: 'offer' as const, sdp: w.pc.localDescription!.sdp };
    });
    const pc = new TernPeerConnection({}, { settingEngine: loopbackSettingEngine() });
    const tracks: TrackRemote[] = [];
    const packets = new Map<string, number>();
    pc.ontrack = ({ track }) => {
      tracks.push(track);
      track.onRtp(() => packets.set(track.rid ?? '', (packets.get(track.rid ?? '') ?? 0) + 1));
    };
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    while (pc.iceGatheringState !== 'complete') await new Promise((r) => setTimeout(r, 10));
    await page.evaluate(async (answer) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(answer);
    }, { type: 'answer' as const, sdp: pc.localDescription!.sdp! });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (tracks.length < 3 || [...packets.values()].some((n) => n < 10))) await new Promise((r) => setTimeout(r, 200));
    Object.assign(result, { connectionState: pc.connectionState, rids: tracks.map((t) => t.rid).sort(), packets: Object.fromEntries(packets), answerHasSimulcast: /a=simulcast:recv q;h;f/.test(pc.localDescription!.sdp!) });
    pc.close();
  } else if (mode === 'browser-offers') {
    const offer = await page.evaluate(async () => {
      const w = window as unknown as { pc: RTCPeerConnection; media: () => Promise<MediaStream>; gathered: () => Promise<void> };
      const stream = await w.media();
      for (const t of stream.getTracks()) w.pc.addTrack(t, stream);
      await w.pc.setLocalDescription(await w.pc.createOffer());
      await w.gathered();
      return { type: 'offer' as const, sdp: w.pc.localDescription!.sdp };
    });
    const r = await answerReflect(offer, { settingEngine: loopbackSettingEngine(), keyFrameIntervalMs: 1000 });
    session = r.session;
    await page.evaluate(async (answer) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(answer);
    }, { type: 'answer' as const, sdp: r.answer.sdp! });
  } else {
    const r = await offerReflect({ settingEngine: loopbackSettingEngine(), keyFrameIntervalMs: 1000 });
    session = r.session;
    const answer = await page.evaluate(async (offer) => {
      const w = window as unknown as { pc: RTCPeerConnection; media: () => Promise<MediaStream>; gathered: () => Promise<void> };
      await w.pc.setRemoteDescription(offer);
      const stream = await w.media();
      for (const t of stream.getTracks()) w.pc.addTrack(t, stream);
      await w.pc.setLocalDescription(await w.pc.createAnswer());
      await w.gathered();
      return { type: 'answer' as const, sdp: w.pc.localDescription!.sdp };
    }, { type: 'offer' as const, sdp: r.offer.sdp! });
    await session.pc.setRemoteDescription(answer);
  }
  if (session) {
    const reflectSession = session;
    const deadline = Date.now() + 25_000;
    let frames = 0;
    while (Date.now() < deadline) {
      frames = await page.evaluate(() => (window as unknown as { framesDecoded: () => Promise<number> }).framesDecoded());
      if (frames >= TARGET_FRAMES) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const later = await page.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return (window as unknown as { framesDecoded: () => Promise<number> }).framesDecoded();
    });
    Object.assign(result, {
      framesDecoded: frames,
      framesDecodedLater: later,
      connectionState: reflectSession.pc.connectionState,
      reflected: reflectSession.reflected,
      browserState: await page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState),
    });
  }
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  session?.close();
  await close();
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(0);
