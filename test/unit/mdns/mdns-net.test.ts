import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import { MulticastDns } from '../../../src/mdns/multicast-dns.js';
import { MAX_MDNS_RESOLUTIONS } from '../../../src/mdns/mdns-candidates.js';
import { netMdnsSocketFactory } from '../../../src/mdns/mdns-socket.js';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { SettingEngine } from '../../../src/peerconnection/setting-engine.js';
import type { MulticastUdpBindOptions, Net, TransportAddress, UdpMessageHandler, UdpSocket } from '../../../src/transport/net.js';
import { VirtualNetwork } from '../../../src/vnet/index.js';
import { waitFor } from '../../support/pc.js';

/** A multicast link in memory: what `bindMulticastUdp` of a test Net opens. */
class MulticastLink {
  readonly #members = new Set<{ address: string; port: number; handler?: UdpMessageHandler }>();
  binds: MulticastUdpBindOptions[] = [];

  /** Adds multicast to `net` for a host at `address`. */
  extend(net: Net, address: string): Net {
    const link = this;
    return {
      interfaces: () => net.interfaces(),
      bindUdp: (o) => net.bindUdp(o),
      listenTcp: (o) => net.listenTcp(o),
      dialTcp: (o) => net.dialTcp(o),
      bindMulticastUdp(options): Promise<UdpSocket> {
        link.binds.push(options);
        const member: { address: string; port: number; handler?: UdpMessageHandler } = { address, port: options.port };
        link.#members.add(member);
        let closed = false;
        const socket: UdpSocket = {
          localAddress: { address, port: options.port },
          family: options.family,
          get closed() {
            return closed;
          },
          send(data: Uint8Array, to: TransportAddress) {
            const copy = Buffer.from(data);
            for (const m of link.#members) {
              if (to.address !== options.group && m.address !== to.address) continue;
              queueMicrotask(() => m.handler?.(copy, { address, port: options.port }));
            }
          },
          onMessage(handler) {
            member.handler = handler;
          },
          close() {
            closed = true;
            link.#members.delete(member);
          },
        };
        return Promise.resolve(socket);
      },
    };
  }
}

function remoteOffer(candidates: string[]): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 ' + Array.from({ length: 32 }, () => 'AB').join(':'),
    'a=setup:actpass',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:96 VP8/90000',
    ...candidates.map((c) => `a=${c}`),
    '',
  ].join('\r\n');
}

function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWRAP').length;
}

describe('mDNS goes through the injected Net', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function world(): { vnet: VirtualNetwork; host: (address: string) => Net } {
    const vnet = new VirtualNetwork({ clock: systemClock, rng: new SeededRng(3) });
    cleanups.push(() => vnet.close());
    const lan = vnet.addRouter({ lanCidr: '198.18.1.0/24', publicAddress: '198.18.0.1' });
    return { vnet, host: (address) => vnet.addHost({ router: lan, address }) };
  }

  function pcOn(net: Net): RTCPeerConnection {
    const s = new SettingEngine();
    s.setNet(net);
    s.setNetworkTypes(['udp4']);
    const pc = new RTCPeerConnection({}, { settingEngine: s });
    cleanups.push(() => pc.close());
    return pc;
  }

  it('resolves a remote .local candidate through the Net’s multicast socket', async () => {
    const { host } = world();
    const link = new MulticastLink();
    const publisher = new MulticastDns({ socketFactory: netMdnsSocketFactory(link.extend(host('198.18.1.20'), '198.18.1.20')) });
    cleanups.push(() => publisher.close());
    const name = publisher.publish('198.18.1.20');
    const pc = pcOn(link.extend(host('198.18.1.10'), '198.18.1.10'));
    await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer([`candidate:1 1 udp 2130706431 ${name} 40000 typ host`]) });
    await waitFor(() => pc.iceAgent.getRemoteCandidates().some((c) => c.address === '198.18.1.20'), 5_000);
    expect(link.binds.some((b) => b.group === '224.0.0.251' && b.port === 5353)).toBe(true);
  });

  it('opens no real socket on a Net without multicast: the name is skipped and counted', async () => {
    const { host } = world();
    const before = udpHandles();
    const pc = pcOn(host('198.18.1.10'));
    await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer(['candidate:1 1 udp 2130706431 0b3c9a5e-1111-4222-8333-444455556666.local 40000 typ host']) });
    await waitFor(() => (pc.iceAgent.getStats().drops['mdns-unresolved'] ?? 0) === 1, 5_000);
    expect(udpHandles()).toBe(before);
    expect(pc.iceAgent.getRemoteCandidates()).toEqual([]);
  });

  it('resolves at most MAX_MDNS_RESOLUTIONS names at once', async () => {
    const { host } = world();
    const link = new MulticastLink();
    const pc = pcOn(link.extend(host('198.18.1.10'), '198.18.1.10'));
    const lines = Array.from({ length: 40 }, (_, i) => `candidate:${i} 1 udp 2130706431 0b3c9a5e-1111-4222-8333-${String(i).padStart(12, '0')}.local ${40000 + i} typ host`);
    await pc.setRemoteDescription({ type: 'offer', sdp: remoteOffer(lines) });
    expect(pc.iceAgent.getStats().drops['mdns-too-many-queries']).toBe(40 - MAX_MDNS_RESOLUTIONS);
  });
});
