/**
 * One data-channel measurement between two peer connections of one stack in
 * this process (run by dc.bench.ts inside a loopback-only namespace).
 * Usage: node dc-worker.js <ours|werift|libdatachannel|libwebrtc> <throughput|msgs|open> [seconds]
 * Prints one JSON line of figures.
 */
import { RTCPeerConnection as Ours, SettingEngine } from '../src/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyPc = any;
type AnyChannel = any;

const impl = process.argv[2] ?? 'ours';
const mode = process.argv[3] ?? 'throughput';
const seconds = Number(process.argv[4] ?? 3);

async function factory(): Promise<() => AnyPc> {
  switch (impl) {
    case 'ours':
      return () => {
        const s = new SettingEngine();
        s.setIncludeLoopbackCandidate(true);
        s.setInterfaceFilter((n) => n === 'lo');
        s.setIPFilter((ip) => ip === '127.0.0.1');
        s.setNetworkTypes(['udp4']);
        return new Ours({}, { settingEngine: s });
      };
    case 'werift': {
      const { RTCPeerConnection: W } = await import('werift');
      return () => new W({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } } as never);
    }
    case 'libdatachannel': {
      const { RTCPeerConnection: N } = await import('node-datachannel/polyfill');
      // libjuice gathers no loopback candidate unless bound there.
      return () => new N({ iceServers: [], bindAddress: '127.0.0.1' } as never);
    }
    case 'libwebrtc': {
      const mod: any = await import('@roamhq/wrtc');
      const W = mod.RTCPeerConnection ?? mod.default.RTCPeerConnection;
      return () => new W({ iceServers: [] });
    }
  }
  throw new Error(`unknown stack ${impl}`);
}

function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out: ${what}`));
      setTimeout(tick, 1);
    };
    tick();
  });
}

const opened = (ch: AnyChannel): Promise<void> => until(() => ch.readyState === 'open', 20_000, 'open');

/** A connected pair with one open channel "bench" (a → b). */
async function connectedPair(make: () => AnyPc): Promise<{ a: AnyPc; b: AnyPc; ca: AnyChannel; cb: AnyChannel }> {
  const a = make();
  const b = make();
  a.onicecandidate = (e: any) => e?.candidate?.candidate && void Promise.resolve(b.addIceCandidate({ candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid ?? '0', sdpMLineIndex: 0 })).catch(() => undefined);
  b.onicecandidate = (e: any) => e?.candidate?.candidate && void Promise.resolve(a.addIceCandidate({ candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid ?? '0', sdpMLineIndex: 0 })).catch(() => undefined);
  const ca = a.createDataChannel('bench');
  let cb: AnyChannel;
  b.ondatachannel = (e: any) => (cb = e.channel);
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription({ type: 'offer', sdp: a.localDescription?.sdp ?? offer.sdp });
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription({ type: 'answer', sdp: b.localDescription?.sdp ?? answer.sdp });
  await opened(ca);
  await until(() => cb !== undefined && cb.readyState === 'open', 20_000, 'remote open');
  return { a, b, ca, cb };
}

/** Sends `size`-byte messages a → b as fast as bufferedAmount allows for `seconds`. */
async function flood(ca: AnyChannel, cb: AnyChannel, size: number): Promise<Record<string, number>> {
  const msg = Buffer.alloc(size, 0x5a);
  let bytes = 0;
  let count = 0;
  cb.binaryType = 'arraybuffer';
  cb.onmessage = (e: any) => {
    bytes += typeof e.data === 'string' ? e.data.length : e.data.byteLength;
    count++;
  };
  const high = 1024 * 1024;
  let stop = false;
  const pump = (): void => {
    while (!stop && ca.bufferedAmount < high) ca.send(msg);
  };
  ca.bufferedAmountLowThreshold = high / 4;
  ca.onbufferedamountlow = pump;
  // Warm-up second, then measure.
  pump();
  await new Promise((r) => setTimeout(r, 1000));
  const b0 = bytes;
  const c0 = count;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const fallback = setInterval(pump, 5); // stacks whose low-threshold event is unreliable
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  stop = true;
  clearInterval(fallback);
  const got = bytes - b0;
  const n = count - c0;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { mbps: (got * 8) / elapsed / 1e6, msgsPerSec: n / elapsed, cpuPerSec: cpuS / elapsed, cpuUsPerMB: got ? (cpuS * 1e6) / (got / 1e6) : 0 };
}

async function openTimes(a: AnyPc, b: AnyPc, runs: number): Promise<Record<string, number>> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    let remote: AnyChannel;
    b.ondatachannel = (e: any) => (remote = e.channel);
    const t0 = performance.now();
    const ch = a.createDataChannel(`c${i}`);
    await until(() => ch.readyState === 'open' && remote !== undefined && remote.readyState === 'open', 20_000, 'open both');
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return { medianMs: times[Math.floor(times.length / 2)]! };
}

let result: Record<string, unknown>;
try {
  const make = await factory();
  const { a, b, ca, cb } = await connectedPair(make);
  if (mode === 'throughput') result = await flood(ca, cb, 16 * 1024);
  else if (mode === 'msgs') result = await flood(ca, cb, 100);
  else result = await openTimes(a, b, 20);
  // Ours: the sender's SCTP loss recovery during the run (retransmitted chunks, T3 expiries).
  const st = impl === 'ours' && mode !== 'open' ? a.sctp?.stats : undefined;
  if (st) result = { ...result, rtxChunks: st.retransmissions, t3: st.t3Expirations };
  for (const pc of [a, b]) {
    try {
      pc.close();
    } catch {
      // ignore
    }
  }
} catch (err) {
  result = { error: String((err as Error).stack ?? err) };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
