/// <reference lib="dom" />
/**
 * Runs inside a loopback-only network namespace (see chromium-turn-relay.test.ts):
 * coturn on 127.0.0.1, Chromium with iceTransportPolicy 'relay' sends its fake
 * camera and microphone to tern through the relay, tern reflects them (mode
 * 'both-relay': tern is relay-only too), and the page counts decoded frames
 * of the returned video. Runs each mode given as an argument with one
 * browser and one coturn; prints one JSON line: results by mode.
 */
import { answerReflect, type ReflectSession } from '../../examples/reflect/reflect.js';
import { launchChromium, openPage } from '../support/browser.js';
import { startCoturn } from '../support/coturn.js';
import { loopbackSettingEngine } from '../support/pc.js';

type Mode = 'browser-relay' | 'both-relay';
const TARGET_FRAMES = 20;

const coturn = await startCoturn();
const turn = { urls: `turn:127.0.0.1:${coturn.port}`, username: coturn.user, credential: coturn.password };

const PAGE = `<!doctype html><html><body><video id="v" autoplay muted playsinline></video><script>
window.start = (iceServers) => { window.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' }); };
window.gathered = () => new Promise((r) => { if (pc.iceGatheringState === 'complete') return r(); pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()); });
window.framesDecoded = async () => { let f = 0; (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') f = s.framesDecoded || 0; }); return f; };
window.selected = async () => {
  const stats = new Map(); (await pc.getStats()).forEach((s) => stats.set(s.id, s));
  let pair; stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
  if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  return pair ? { local: stats.get(pair.localCandidateId)?.candidateType, remote: stats.get(pair.remoteCandidateId)?.candidateType } : undefined;
};
</script></body></html>`;

async function run(mode: Mode): Promise<Record<string, unknown>> {
  const { page, close } = await openPage(browser, PAGE);
  let session: ReflectSession | undefined;
  const result: Record<string, unknown> = { mode };
  const t0 = Date.now();
  const mark = (k: string): void => void (result[`t_${k}`] = Date.now() - t0);
  try {
    const offer = await page.evaluate(async (iceServers) => {
      const w = window as unknown as { start: (s: RTCIceServer[]) => void; pc: RTCPeerConnection; gathered: () => Promise<void> };
      w.start(iceServers);
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
      for (const t of stream.getTracks()) w.pc.addTrack(t, stream);
      await w.pc.setLocalDescription(await w.pc.createOffer());
      await w.gathered();
      return { type: 'offer' as const, sdp: w.pc.localDescription!.sdp };
    }, [turn]);
    mark('offer');
    result['offerCandidateTypes'] = [...offer.sdp.matchAll(/typ (\w+)/g)].map((m) => m[1]);
    const r = await answerReflect(offer, {
      settingEngine: loopbackSettingEngine(),
      keyFrameIntervalMs: 1000,
      ...(mode === 'both-relay' ? { configuration: { iceServers: [turn], iceTransportPolicy: 'relay' as const } } : {}),
    });
    session = r.session;
    // Relay-only gathering of our own takes a moment: answer with every candidate.
    while (session.pc.iceGatheringState !== 'complete') await new Promise((res) => setTimeout(res, 10));
    mark('gathered');
    const answer = session.pc.localDescription!.sdp!;
    result['answerCandidateTypes'] = [...answer.matchAll(/typ (\w+)/g)].map((m) => m[1]);
    await page.evaluate(async (sdp) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp });
    }, answer);
    const deadline = Date.now() + 25_000;
    let frames = 0;
    while (Date.now() < deadline) {
      frames = await page.evaluate(() => (window as unknown as { framesDecoded: () => Promise<number> }).framesDecoded());
      if (frames >= TARGET_FRAMES) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    mark('frames');
    const stats = [...(await session.pc.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport');
    const pair = stats.find((s) => s.id === transport?.['selectedCandidatePairId']);
    Object.assign(result, {
      framesDecoded: frames,
      connectionState: session.pc.connectionState,
      reflected: session.reflected,
      browserSelected: await page.evaluate(() => (window as unknown as { selected: () => Promise<unknown> }).selected()),
      ternSelected: {
        local: stats.find((s) => s.id === pair?.['localCandidateId'])?.['candidateType'],
        remote: stats.find((s) => s.id === pair?.['remoteCandidateId'])?.['candidateType'],
      },
    });
  } catch (err) {
    result['error'] = String((err as Error).stack ?? err);
  } finally {
    session?.close();
    await close();
}
return result;
}

const browser = await launchChromium();
const results: Record<string, unknown> = {};
try {
  for (const mode of process.argv.slice(2) as Mode[]) results[mode] = await run(mode);
} finally {
  await browser.close();
  await coturn.stop();
}
console.log(JSON.stringify(results));
process.exit(0);
