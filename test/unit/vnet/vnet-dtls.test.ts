import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { DtlsCertificate, DtlsConnection } from '../../../src/dtls/index.js';
import { UdpDatagramTransport } from '../../../src/transport/udp-datagram-transport.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';

/** The DTLS driver runs unchanged over vnet sockets, with seeded loss and an MTU. */
describe('DTLS over vnet', () => {
  it('completes a handshake with 10% loss each way and exchanges data', async () => {
    const clock = new FakeClock();
    const net = new VirtualNetwork({ clock, rng: new SeededRng(4) });
    const impairment = { latencyMs: 20, jitterMs: 5, lossRate: 0.1, mtu: 1280 };
    const ha = net.addHost({ router: net.wan, address: '198.51.100.1', impairment });
    const hb = net.addHost({ router: net.wan, address: '198.51.100.2', impairment });
    const sa = await ha.bindUdp({ address: '198.51.100.1', port: 5000 });
    const sb = await hb.bindUdp({ address: '198.51.100.2', port: 5000 });
    const [ca, cb] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate()]);
    const client = DtlsConnection.connect(new UdpDatagramTransport(sa, sb.localAddress), {
      role: 'client',
      certificate: ca,
      remoteFingerprints: [{ algorithm: 'sha-256', value: cb.fingerprint('sha-256') }],
      clock,
      rng: new SeededRng(1),
    });
    const server = DtlsConnection.connect(new UdpDatagramTransport(sb, sa.localAddress), {
      role: 'server',
      certificate: cb,
      remoteFingerprints: [{ algorithm: 'sha-256', value: ca.fingerprint('sha-256') }],
      clock,
      rng: new SeededRng(2),
    });
    let a: DtlsConnection | Error | undefined;
    let b: DtlsConnection | Error | undefined;
    client.then((c) => (a = c), (e: Error) => (a = e));
    server.then((c) => (b = c), (e: Error) => (b = e));
    expect(await clock.runUntil(() => a !== undefined && b !== undefined, 60_000, 10)).toBe(true);
    expect(a).toBeInstanceOf(DtlsConnection);
    expect(b).toBeInstanceOf(DtlsConnection);
    const got: string[] = [];
    (b as DtlsConnection).onData((d) => got.push(d.toString()));
    (a as DtlsConnection).send(Buffer.from('over vnet'));
    await clock.advance(500);
    expect(got).toEqual(['over vnet']); // this seed does not lose it (DTLS does not retransmit application data)
    expect(net.stats.droppedByReason['loss']).toBeGreaterThan(0); // while the handshake did lose flights
    (a as DtlsConnection).close();
    (b as DtlsConnection).close();
    net.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
