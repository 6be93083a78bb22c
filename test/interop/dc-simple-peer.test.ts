import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { RTCIceCandidate, RTCPeerConnection, RTCSessionDescription, type RTCConfiguration } from '../../src/index.js';
import { loopbackSettingEngine } from '../support/pc.js';

/** tern-rtc as simple-peer's `wrtc`, limited to 127.0.0.1 (the test network rule). */
class LoopbackPeerConnection extends RTCPeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config, { settingEngine: loopbackSettingEngine() });
  }
}

interface SimplePeer {
  on(event: string, cb: (...args: never[]) => void): void;
  once(event: string, cb: (...args: never[]) => void): void;
  signal(data: unknown): void;
  send(data: string | Uint8Array): void;
  destroy(): void;
  destroyed: boolean;
}
// simple-peer ships CommonJS without types.
const Peer = createRequire(import.meta.url)('simple-peer') as new (opts: Record<string, unknown>) => SimplePeer;
const wrtc = { RTCPeerConnection: LoopbackPeerConnection, RTCSessionDescription, RTCIceCandidate };

describe('simple-peer with tern-rtc as its wrtc', () => {
  it("runs simple-peer's data example: connect, data both ways, destroy", { timeout: 60_000 }, async () => {
    // No STUN server: simple-peer's default config would contact Google's.
    const peer1 = new Peer({ initiator: true, wrtc, config: { iceServers: [] } });
    const peer2 = new Peer({ wrtc, config: { iceServers: [] } });
    try {
      const errors: Error[] = [];
      for (const p of [peer1, peer2]) p.on('error', (e: Error) => errors.push(e));
      peer1.on('signal', (data: unknown) => peer2.signal(JSON.parse(JSON.stringify(data))));
      peer2.on('signal', (data: unknown) => peer1.signal(JSON.parse(JSON.stringify(data))));
      const got2: string[] = [];
      const got1: Buffer[] = [];
      const done = new Promise<void>((resolve) => {
        peer2.on('data', (d: Buffer) => {
          got2.push(String(d));
          if (got2.length === 1) peer2.send(new Uint8Array([1, 2, 3]));
        });
        peer1.on('data', (d: Buffer) => {
          got1.push(Buffer.from(d));
          resolve();
        });
      });
      await new Promise<void>((resolve) => peer1.on('connect', resolve));
      peer1.send('hey peer2, how is it going?');
      await done;
      expect(got2).toEqual(['hey peer2, how is it going?']);
      expect(got1).toEqual([Buffer.from([1, 2, 3])]);
      const closed = new Promise<void>((resolve) => peer2.once('close', resolve));
      peer1.destroy();
      await closed;
      expect(errors).toEqual([]);
    } finally {
      peer1.destroy();
      peer2.destroy();
    }
  });
});
