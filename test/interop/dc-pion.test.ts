import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RTCDataChannel } from '../../src/datachannel/rtc-data-channel.js';
import { RTCPeerConnection } from '../../src/peerconnection/peer-connection.js';
import { GoPeer } from '../support/go-peer.js';
import { pionAvailable, pionBinary } from '../support/pion.js';
import { echoMessages, mixedSizes, whenClosed, whenOpen } from '../support/dc.js';
import { loopbackSettingEngine, waitFor } from '../support/pc.js';

/** tern ↔ Pion (pion/webrtc v3 + pion/sctp): both offer directions, 1,000 echoed messages, closed by the side that did not open. */
describe.skipIf(!pionAvailable())('data channels tern ↔ Pion', () => {
  let binary = '';
  const cleanups: (() => unknown)[] = [];
  beforeAll(() => {
    binary = pionBinary('dc-peer');
  }, 300_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  for (const ternOffers of [true, false]) {
    it(`${ternOffers ? 'tern' : 'Pion'} offers`, { timeout: 150_000 }, async () => {
      const pion = new GoPeer(binary, ['-role', ternOffers ? 'answer' : 'offer'], { maxLifetimeMs: 140_000 });
      const tern = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
      cleanups.push(() => tern.close(), () => pion.close());
      const gathered = (): Promise<void> => waitFor(() => tern.iceGatheringState === 'complete');
      let ch: RTCDataChannel;
      if (ternOffers) {
        ch = tern.createDataChannel('echo', { protocol: 'p1' });
        await tern.setLocalDescription(await tern.createOffer());
        await gathered();
        pion.send({ type: 'offer', sdp: tern.localDescription!.sdp! });
        const answer = await pion.next('answer');
        await tern.setRemoteDescription({ type: 'answer', sdp: answer['sdp'] as string });
      } else {
        const got = new Promise<RTCDataChannel>((resolve) => (tern.ondatachannel = (e) => resolve(e.channel)));
        const offer = await pion.next('offer');
        await tern.setRemoteDescription({ type: 'offer', sdp: offer['sdp'] as string });
        await tern.setLocalDescription(await tern.createAnswer());
        await gathered();
        pion.send({ type: 'answer', sdp: tern.localDescription!.sdp! });
        ch = await got;
      }
      await whenOpen(ch, 20_000);
      const open = await pion.next('dc-open', 20_000);
      expect(open).toMatchObject({ label: 'echo', protocol: 'p1' });
      // Pion 3.1.56 reads each message into a 65535-byte buffer (dataChannelBufferSize) although its
      // answer implies 65536 (RFC 8841 §6.1, no a=max-message-size): one byte less.
      const max = Math.min(65535, tern.sctp!.maxMessageSize);
      await echoMessages(ch, mixedSizes(1000, max), Number(process.env.DC_ECHO_MS ?? 120_000));
      if (ternOffers) pion.send({ type: 'close-dc' });
      else ch.close();
      await whenClosed(ch);
      await pion.next('dc-closed', 15_000);
      expect(pion.messages.filter((m) => m.type === 'error')).toEqual([]);
    });
  }
});
