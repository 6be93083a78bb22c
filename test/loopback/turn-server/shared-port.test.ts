import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { cryptoRng } from '../../../src/common/rng.js';
import type { IceMuxAgent } from '../../../src/icemux/ice-mux-types.js';
import { StunClass, StunMethod } from '../../../src/stun/constants.js';
import { StunMessage } from '../../../src/stun/message.js';
import { parseIceServerUri } from '../../../src/stun/uri.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import { nodeNet } from '../../../src/transport/node-net.js';
import { createTurnRelay } from '../../../src/turn/create-turn-relay.js';
import type { TurnRelay } from '../../../src/turn/turn-relay.js';
import { SharedPort } from '../../../src/turn-server/shared-port.js';
import { TurnServer } from '../../../src/turn-server/turn-server.js';
import { relayRoundTrip, UdpPeer, waitFor } from '../../support/coturn.js';
import { expectNoLeaks, snapshotResources } from '../../support/leaks.js';
import { selfSignedCert } from '../../support/tern-turn.js';

function fakeAgent(ufrag: string, pwd: string): IceMuxAgent {
  return {
    localCredentials: { ufrag, pwd },
    onLocalCredentialsChange: () => () => {},
    getSelectedPair: () => undefined,
    close: () => {},
  };
}

function bindingRequest(ufrag: string, pwd: string): Buffer {
  return new StunMessage(StunMethod.Binding, StunClass.Request, cryptoRng.bytes(12))
    .setUsername(`${ufrag}:remote`)
    .setPriority(1)
    .encode({ integrityKey: Buffer.from(pwd), fingerprint: true });
}

describe('SharedPort: ICE, TURN and HTTP on one UDP and one TCP port', () => {
  const baseline = snapshotResources();
  let turn: TurnServer;
  let web: http.Server;
  let port: SharedPort;
  const relays: TurnRelay[] = [];
  const peers: UdpPeer[] = [];
  const iceUdp: Array<{ data: Buffer; from: TransportAddress }> = [];
  const iceTcp: Buffer[] = [];

  beforeAll(async () => {
    const { cert, key } = selfSignedCert();
    turn = new TurnServer({ realm: 'tern', users: { test: 'test' }, relayAddresses: { 4: '127.0.0.1' }, allowedPeers: ['127.0.0.0/8'] });
    web = http.createServer((req, res) => res.end(`hello ${req.url}`));
    port = await SharedPort.listen({
      udp: { address: '127.0.0.1', port: 0 },
      tcp: { address: '127.0.0.1', port: 0 },
      turn,
      http: web,
      iceMux: {},
      tlsCert: cert,
      tlsKey: key,
      pendingTimeoutMs: 300,
    });
    const t = port.iceMux!.register(fakeAgent('ufragA', 'passwordpasswordpassword'));
    t.udpSocket!.onMessage((data, from) => iceUdp.push({ data, from }));
    t.tcpSocket!.onMessage((data) => iceTcp.push(data));
  });

  afterAll(async () => {
    for (const r of relays) r.close();
    await Promise.all(relays.map((r) => r.whenReleased()));
    for (const p of peers) p.close();
    port?.close();
    turn?.close();
    web?.closeAllConnections();
    web?.close();
    await expectNoLeaks(baseline);
  });

  async function relay(uri: string): Promise<TurnRelay> {
    const r = await createTurnRelay({
      server: parseIceServerUri(uri),
      username: 'test',
      credential: 'test',
      net: nodeNet,
      clock: systemClock,
      rng: cryptoRng,
      localAddress: '127.0.0.1',
      tls: { rejectUnauthorized: false },
      autoChannelBindAfter: 0,
    });
    relays.push(r);
    return r;
  }

  it('routes an ICE Binding request with a known USERNAME to the ICE server, and drops unknown ones', async () => {
    const socks = await Promise.all(
      [0, 1, 2].map(async () => {
        const s = dgram.createSocket('udp4');
        await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
        return s;
      }),
    );
    const to = port.udpAddress!.port;
    socks[0]!.send(bindingRequest('ufragA', 'passwordpasswordpassword'), to, '127.0.0.1');
    socks[1]!.send(bindingRequest('nobody', 'passwordpasswordpassword'), to, '127.0.0.1');
    socks[2]!.send(Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), to, '127.0.0.1');
    await waitFor(() => port.stats.udpToIce === 3, 3000, 'three datagrams to ICE');
    expect(iceUdp.length).toBe(1);
    expect(iceUdp[0]!.from.port).toBe(socks[0]!.address().port);
    expect(port.iceMux!.stats.drops).toEqual({ 'udp-unknown-ufrag': 1, 'udp-first-not-stun': 1 });
    expect(port.stats.udpToTurn).toBe(0);
    for (const s of socks) s.close();
  });

  for (const [name, uri] of [
    ['UDP', () => `turn:127.0.0.1:${port.udpAddress!.port}`],
    ['TCP', () => `turn:127.0.0.1:${port.tcpAddress!.port}?transport=tcp`],
    ['TLS', () => `turns:127.0.0.1:${port.tcpAddress!.port}?transport=tcp`],
  ] as const) {
    it(`serves TURN over ${name} on the shared port`, async () => {
      const r = await relay(uri());
      const p = await UdpPeer.open();
      peers.push(p);
      await r.createPermission(p.address);
      await relayRoundTrip(r, p, name);
      await r.bindChannel(p.address);
      await relayRoundTrip(r, p, `${name} channel`);
    });
  }

  it('hands HTTP requests, plain and inside TLS, to the HTTP server', async () => {
    const plain = await (await fetch(`http://127.0.0.1:${port.tcpAddress!.port}/page`, { headers: { connection: 'close' } })).text();
    expect(plain).toBe('hello /page');
    const secure = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: port.tcpAddress!.port, path: '/s', rejectUnauthorized: false, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(secure).toBe('hello /s');
  });

  it('routes RFC 4571 ICE-TCP frames to the ICE server', async () => {
    const req = bindingRequest('ufragA', 'passwordpasswordpassword');
    const frame = Buffer.concat([Buffer.from([req.length >> 8, req.length & 0xff]), req]);
    const sock = net.connect(port.tcpAddress!.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    // Split the first bytes so the classifier must wait for more.
    sock.write(frame.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    sock.write(frame.subarray(3));
    await waitFor(() => iceTcp.length === 1, 3000, 'ICE-TCP frame');
    expect(iceTcp[0]!.equals(req)).toBe(true);
    sock.destroy();
  });

  it('closes silent and unknown TCP connections', async () => {
    const silent = net.connect(port.tcpAddress!.port, '127.0.0.1');
    const closed = new Promise<void>((r) => silent.once('close', () => r()));
    await closed;
    expect(port.stats.drops['tcp-pending-timeout']).toBeGreaterThanOrEqual(1);
    const junk = net.connect(port.tcpAddress!.port, '127.0.0.1');
    junk.on('error', () => {});
    junk.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await new Promise<void>((r) => junk.once('close', () => r()));
    expect(port.stats.drops['tcp-unknown-protocol']).toBe(1);
    expect(port.stats.pending).toBe(0);
  });
});
