/**
 * Data-channel interop against an independent W3C-API stack, run by
 * test/interop/dc-w3c.test.ts inside a loopback-only network namespace
 * (libwebrtc and libjuice gather every interface otherwise).
 * Usage: node --import tsx w3c-dc-runner.ts <werift|ndc|wrtc> [count]
 * Prints one JSON line per scenario; exits non-zero on the first failure.
 */
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import type { RTCDataChannel } from '../../../src/datachannel/rtc-data-channel.js';
import { echoMessages, mixedSizes, whenClosed, whenOpen } from '../../support/dc.js';
import { loopbackSettingEngine, waitFor } from '../../support/pc.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyPc = any;

async function remoteFactory(which: string): Promise<() => AnyPc> {
  if (which === 'werift') {
    const { RTCPeerConnection: W } = await import('werift');
    return () => new W({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } } as never);
  }
  if (which === 'ndc') {
    const { RTCPeerConnection: N } = await import('node-datachannel/polyfill');
    return () => new N({ iceServers: [] } as never);
  }
  if (which === 'wrtc') {
    const mod: any = await import('@roamhq/wrtc');
    const W = mod.RTCPeerConnection ?? mod.default.RTCPeerConnection;
    return () => new W({ iceServers: [] });
  }
  throw new Error(`unknown peer ${which}`);
}

function echoOn(ch: any): void {
  ch.binaryType = 'arraybuffer';
  ch.onmessage = (e: any) => {
    const d = e.data;
    ch.send(typeof d === 'string' ? d : Buffer.from(d instanceof ArrayBuffer ? d : d.buffer ? d : d));
  };
}

function remoteClosed(ch: any, ms = 15_000): Promise<void> {
  if (ch.readyState === 'closed') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`remote channel did not close (${ch.readyState})`)), ms);
    const prev = ch.onclose;
    ch.onclose = (e: unknown) => {
      clearTimeout(t);
      prev?.(e);
      resolve();
    };
  });
}

async function scenario(make: () => AnyPc, ternOffers: boolean, count: number): Promise<Record<string, unknown>> {
  const tern = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
  const remote = make();
  try {
    tern.onicecandidate = (e) => {
      if (e.candidate) void Promise.resolve(remote.addIceCandidate({ candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: 0 })).catch(() => undefined);
    };
    remote.onicecandidate = (e: any) => {
      const c = e?.candidate;
      if (c && c.candidate) void tern.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 }).catch(() => undefined);
    };
    let ternCh: RTCDataChannel;
    let remoteCh: any;
    if (ternOffers) {
      ternCh = tern.createDataChannel('echo', { protocol: 'p1' });
      const got = new Promise<any>((resolve) => (remote.ondatachannel = (e: any) => resolve(e.channel)));
      await tern.setLocalDescription(await tern.createOffer());
      await remote.setRemoteDescription({ type: 'offer', sdp: tern.localDescription!.sdp });
      const answer = await remote.createAnswer();
      await remote.setLocalDescription(answer);
      await tern.setRemoteDescription({ type: 'answer', sdp: remote.localDescription?.sdp ?? answer.sdp });
      remoteCh = await got;
      echoOn(remoteCh);
    } else {
      remoteCh = remote.createDataChannel('echo', { protocol: 'p1' });
      echoOn(remoteCh);
      const got = new Promise<RTCDataChannel>((resolve) => (tern.ondatachannel = (e) => resolve(e.channel)));
      const offer = await remote.createOffer();
      await remote.setLocalDescription(offer);
      await tern.setRemoteDescription({ type: 'offer', sdp: remote.localDescription?.sdp ?? offer.sdp });
      await tern.setLocalDescription(await tern.createAnswer());
      await remote.setRemoteDescription({ type: 'answer', sdp: tern.localDescription!.sdp });
      ternCh = await got;
    }
    await whenOpen(ternCh, 20_000);
    if (remoteCh.label !== 'echo' || ternCh.label !== 'echo' || ternCh.protocol !== 'p1') throw new Error('label/protocol mismatch');
    const max = Math.min(256 * 1024, tern.sctp!.maxMessageSize);
    const ms = await echoMessages(ternCh, mixedSizes(count, max), 40_000).catch((e) => { const s = tern.sctp!.stats; console.log(JSON.stringify({ err: String(e), buffered: ternCh.bufferedAmount, ...s })); throw e; });
    // Close from the side that did not open the channel.
    if (ternOffers) remoteCh.close();
    else ternCh.close();
    await Promise.all([whenClosed(ternCh), remoteClosed(remoteCh)]);
    await waitFor(() => tern.connectionState === 'connected', 1000);
    return { ternOffers, ok: true, echoMs: ms, maxMessageSize: max };
  } finally {
    tern.close();
    try {
      remote.close();
    } catch {
      // ignore
    }
  }
}

const which = process.argv[2] ?? 'werift';
const count = Number(process.argv[3] ?? 1000);
const make = await remoteFactory(which);
for (const ternOffers of [true, false]) {
  const r = await scenario(make, ternOffers, count);
  process.stdout.write(`${JSON.stringify({ peer: which, ...r })}\n`);
}
process.exit(0);
