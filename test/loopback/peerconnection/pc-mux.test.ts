import { afterEach, describe, expect, it } from 'vitest';
import { IceMuxServer } from '../../../src/icemux/index.js';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { TrackLocalStaticSample } from '../../../src/peerconnection/track-local.js';
import { Candidate } from '../../../src/candidate/index.js';
import { loopbackSettingEngine, negotiate, trickle, waitFor } from '../../support/pc.js';

describe('peer connections sharing one UDP port (SettingEngine.setICEMux)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  it('serves several connections on the mux port with media flowing', async () => {
    const mux = await IceMuxServer.listen({ udp: { address: '127.0.0.1', port: 0 } });
    cleanups.push(() => mux.close());
    const serverSettings = loopbackSettingEngine();
    serverSettings.setICEUDPMux(mux);
    const port = mux.udpAddress!.port;
    const received: number[] = [];
    const servers: RTCPeerConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const server = new RTCPeerConnection({}, { settingEngine: serverSettings });
      const client = new RTCPeerConnection({}, { settingEngine: loopbackSettingEngine() });
      cleanups.push(() => server.close(), () => client.close());
      servers.push(server);
      trickle(client, server);
      const track = new TrackLocalStaticSample({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, `a${i}`, 's');
      client.addTrack(track);
      received.push(0);
      server.ontrack = ({ track: t }) => t.onRtp(() => received[i]!++);
      await negotiate(client, server);
      await waitFor(() => server.connectionState === 'connected' && client.connectionState === 'connected');
      const timer = setInterval(() => track.writeSample({ data: Buffer.alloc(60, i), durationMs: 20 }), 20);
      cleanups.push(() => clearInterval(timer));
    }
    await waitFor(() => received.every((n) => n > 5));
    for (const server of servers) {
      const local = server.localDescription!.sdp!.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      expect(local.length).toBeGreaterThan(0);
      for (const line of local) expect(Candidate.parse(line).port).toBe(port);
    }
  });
});
