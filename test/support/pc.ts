import type { RTCPeerConnection } from '../../src/peerconnection/peer-connection.js';
import { SettingEngine } from '../../src/peerconnection/setting-engine.js';

/** A SettingEngine that gathers only 127.0.0.1 (the network rule for tests), over UDP unless told otherwise. */
export function loopbackSettingEngine(networkTypes: Parameters<SettingEngine['setNetworkTypes']>[0] = ['udp4']): SettingEngine {
  const s = new SettingEngine();
  s.setIncludeLoopbackCandidate(true);
  s.setInterfaceFilter((name) => name === 'lo');
  s.setIPFilter((ip) => ip === '127.0.0.1');
  s.setNetworkTypes(networkTypes);
  return s;
}

/** Polls `pred` every 10 ms; rejects after `ms`. */
export function waitFor(pred: () => boolean, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out after ${ms} ms`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** One offer/answer round between two tern peer connections. */
export async function negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection): Promise<void> {
  await offerer.setLocalDescription(await offerer.createOffer());
  await answerer.setRemoteDescription(offerer.localDescription!);
  await answerer.setLocalDescription(await answerer.createAnswer());
  await offerer.setRemoteDescription(answerer.localDescription!);
}

/** Wires trickle ICE both ways. */
export function trickle(a: RTCPeerConnection, b: RTCPeerConnection): void {
  a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => undefined);
  b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => undefined);
}
