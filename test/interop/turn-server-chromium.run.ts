/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see turn-server-chromium.test.ts):
 * Chromium with `iceTransportPolicy: 'relay'` sends its fake camera through
 * tern-rtc's TURN server on 127.0.0.1 to a tern-rtc peer that reflects it;
 * the page counts decoded frames of the returned video. Prints one JSON line.
 */
import { answerReflect, type ReflectSession } from '../../examples/reflect/reflect.js';
import { launchChromium, openPage } from '../support/browser.js';
import { loopbackSettingEngine } from '../support/pc.js';
import { startTernTurn } from '../support/tern-turn.js';

const TARGET_FRAMES = 20;
const turn = await startTernTurn({ tcp: [] });
const url = `turn:127.0.0.1:${turn.udpAddresses[0]!.port}?transport=udp`;

const PAGE = `<!doctype html><html><body><video id="v" autoplay muted playsinline></video><script>
window.pc = new RTCPeerConnection({ iceServers: [{ urls: '${url}', username: 'test', credential: 'test' }], iceTransportPolicy: 'relay' });
pc.ontrack = (e) => { if (e.track.kind === 'video') document.getElementById('v').srcObject = new MediaStream([e.track]); };
window.gathered = () => new Promise((r) => { if (pc.iceGatheringState === 'complete') return r(); pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()); });
window.framesDecoded = async () => { let f = 0; (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') f = s.framesDecoded || 0; }); return f; };
window.selectedType = async () => { let t = ''; const st = await pc.getStats(); st.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') { const l = st.get(s.localCandidateId); if (l) t = l.candidateType; } }); return t; };
</script></body></html>`;

const browser = await launchChromium();
const { page, close } = await openPage(browser, PAGE);
let session: ReflectSession | undefined;
const result: Record<string, unknown> = {};
try {
  const offer = await page.evaluate(async () => {
    const w = window as unknown as { pc: RTCPeerConnection; gathered: () => Promise<void> };
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
    for (const t of stream.getTracks()) w.pc.addTrack(t, stream);
    await w.pc.setLocalDescription(await w.pc.createOffer());
    await w.gathered();
    return { type: 'offer' as const, sdp: w.pc.localDescription!.sdp };
  });
  result['offerCandidates'] = (offer.sdp.match(/a=candidate:.* typ (\w+)/g) ?? []).map((l) => /typ (\w+)/.exec(l)![1]);
  const r = await answerReflect(offer, { settingEngine: loopbackSettingEngine(), keyFrameIntervalMs: 1000 });
  session = r.session;
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
    selectedLocalType: await page.evaluate(() => (window as unknown as { selectedType: () => Promise<string> }).selectedType()),
    turn: { allocations: turn.stats.allocationsCreated, packetsToPeers: turn.stats.packetsToPeers, packetsToClients: turn.stats.packetsToClients },
  });
} catch (err) {
  result['error'] = String((err as Error).stack ?? err);
} finally {
  session?.close();
  await close();
  await browser.close();
  turn.close();
}
console.log(JSON.stringify(result));
process.exit(0);
