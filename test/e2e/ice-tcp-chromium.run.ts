/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see ice-tcp-chromium.test.ts):
 * tern answers with ICE-TCP candidates only (passive + active host on
 * 127.0.0.1); Chromium offers its fake camera and microphone with its usual
 * candidates, including `tcptype active` ones, connects to tern's passive
 * candidate, and tern reflects the media back over the TCP stream. Prints
 * one JSON line: the browser's selected pair and the decoded frame count.
 */
import { answerReflect, type ReflectSession } from '../../examples/reflect/reflect.js';
import { launchChromium, openPage } from '../support/browser.js';
import { loopbackSettingEngine } from '../support/pc.js';

const TARGET_FRAMES = 20;

const PAGE = `<!doctype html><html><body><video id="v" autoplay muted playsinline></video><script>
window.pc = new RTCPeerConnection();
pc.ontrack = (e) => { if (e.track.kind === 'video') document.getElementById('v').srcObject = new MediaStream([e.track]); };
window.gathered = () => new Promise((r) => { if (pc.iceGatheringState === 'complete') return r(); pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()); });
window.media = () => navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
window.framesDecoded = async () => { let f = 0; (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') f = s.framesDecoded || 0; }); return f; };
window.selectedPair = async () => {
  const stats = await pc.getStats(); let pair; let out = {};
  stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
  if (!pair) return out;
  const l = stats.get(pair.localCandidateId); const r = stats.get(pair.remoteCandidateId);
  return { localProtocol: l && l.protocol, localTcpType: l && l.tcpType, remoteProtocol: r && r.protocol, remoteTcpType: r && r.tcpType, remotePort: r && r.port };
};
</script></body></html>`;

const browser = await launchChromium();
const { page, close } = await openPage(browser, PAGE);
let session: ReflectSession | undefined;
const result: Record<string, unknown> = {};
try {
  const offer = await page.evaluate(async () => {
    const w = window as unknown as { pc: RTCPeerConnection; media: () => Promise<MediaStream>; gathered: () => Promise<void> };
    const stream = await w.media();
    for (const t of stream.getTracks()) w.pc.addTrack(t, stream);
    await w.pc.setLocalDescription(await w.pc.createOffer());
    await w.gathered();
    return { type: 'offer' as const, sdp: w.pc.localDescription!.sdp };
  });
  result['browserOffersTcpActive'] = /tcptype active/.test(offer.sdp);
  const r = await answerReflect(offer, { settingEngine: loopbackSettingEngine(['tcp4']), keyFrameIntervalMs: 1000 });
  session = r.session;
  result['answerCandidates'] = (r.answer.sdp ?? '').split('\r\n').filter((l) => l.startsWith('a=candidate:'));
  await page.evaluate(async (answer) => {
    await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(answer);
  }, { type: 'answer' as const, sdp: r.answer.sdp! });
  const deadline = Date.now() + 25_000;
  let frames = 0;
  while (Date.now() < deadline) {
    frames = await page.evaluate(() => (window as unknown as { framesDecoded: () => Promise<number> }).framesDecoded());
    if (frames >= TARGET_FRAMES) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  Object.assign(result, {
    framesDecoded: frames,
    connectionState: session.pc.connectionState,
    reflected: session.reflected,
    browserState: await page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState),
    browserPair: await page.evaluate(() => (window as unknown as { selectedPair: () => Promise<unknown> }).selectedPair()),
  });
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  session?.close();
  await close();
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(0);
