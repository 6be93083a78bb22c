/**
 * `candidate:` lines as real stacks write them (shapes captured from Chrome,
 * Firefox, Safari, Pion and mediasoup; addresses replaced by documentation
 * ranges). `canonical` is what we write back: the same text, except where
 * noted (case, spacing, field order are normalised).
 */
export interface CandidateFixture {
  source: string;
  line: string;
  canonical?: string;
}

export const CANDIDATE_FIXTURES: readonly CandidateFixture[] = [
  // Chrome (libwebrtc)
  {
    source: 'chrome host mdns',
    line: 'candidate:3442447574 1 udp 2122260223 9b36e1a6-4f1c-4a8e-a1e3-7c1b1e0c5d12.local 54321 typ host generation 0 ufrag EsAw network-id 1',
  },
  {
    source: 'chrome srflx with hidden raddr',
    line: 'candidate:842163049 1 udp 1677729535 203.0.113.7 61922 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999',
  },
  {
    source: 'chrome tcp active',
    line: 'candidate:1840965416 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active generation 0 ufrag EsAw network-id 1',
  },
  {
    source: 'chrome ipv6 host',
    line: 'candidate:2999745851 1 udp 2122262783 2001:db8:85a3::8a2e:370:7334 50212 typ host generation 0 ufrag EsAw network-id 2 network-cost 10',
  },
  {
    source: 'chrome relay',
    line: 'candidate:1518965466 1 udp 41885439 198.51.100.20 53122 typ relay raddr 203.0.113.7 rport 61922 generation 0 ufrag EsAw network-id 1 network-cost 10',
  },
  {
    source: 'chrome rtcp component',
    line: 'candidate:3442447574 2 udp 2122260222 192.0.2.10 54322 typ host generation 0 ufrag EsAw network-id 1',
  },
  {
    source: 'old chrome with network_name',
    line: 'a=candidate:1467250027 1 udp 2122260223 192.0.2.10 46243 typ host name rtp network_name en0 generation 0',
    canonical: 'candidate:1467250027 1 udp 2122260223 192.0.2.10 46243 typ host generation 0 name rtp network_name en0',
  },
  // Firefox
  {
    source: 'firefox host',
    line: 'candidate:0 1 UDP 2122252543 192.0.2.10 51234 typ host',
    canonical: 'candidate:0 1 udp 2122252543 192.0.2.10 51234 typ host',
  },
  {
    source: 'firefox mdns',
    line: 'candidate:0 1 UDP 2122187007 3f8d3b04-0f8b-4c29-9e75-d1a3e7e0b0c0.local 59631 typ host',
    canonical: 'candidate:0 1 udp 2122187007 3f8d3b04-0f8b-4c29-9e75-d1a3e7e0b0c0.local 59631 typ host',
  },
  {
    source: 'firefox tcp active',
    line: 'candidate:1 1 TCP 2105524479 192.0.2.10 9 typ host tcptype active',
    canonical: 'candidate:1 1 tcp 2105524479 192.0.2.10 9 typ host tcptype active',
  },
  {
    source: 'firefox srflx',
    line: 'candidate:2 1 UDP 1686052863 203.0.113.7 51234 typ srflx raddr 192.0.2.10 rport 51234',
    canonical: 'candidate:2 1 udp 1686052863 203.0.113.7 51234 typ srflx raddr 192.0.2.10 rport 51234',
  },
  {
    source: 'firefox relay',
    line: 'candidate:3 1 UDP 92217343 198.51.100.20 60000 typ relay raddr 198.51.100.20 rport 60000',
    canonical: 'candidate:3 1 udp 92217343 198.51.100.20 60000 typ relay raddr 198.51.100.20 rport 60000',
  },
  {
    source: 'firefox ipv6 link-local upper case',
    line: 'a=candidate:4 1 UDP 2122187263 FE80::1C2B:3AFF:FE4D:5E6F 60001 typ host\r\n',
    canonical: 'candidate:4 1 udp 2122187263 fe80::1c2b:3aff:fe4d:5e6f 60001 typ host',
  },
  // Safari (libwebrtc, mDNS by default)
  {
    source: 'safari mdns',
    line: 'candidate:1015543066 1 udp 2113937151 c2f4c3a0-1e2d-4a3b-9c8d-7e6f5a4b3c2d.local 60123 typ host generation 0 ufrag Zm9v network-cost 999',
  },
  {
    source: 'safari srflx',
    line: 'candidate:842163049 1 udp 1677729535 203.0.113.8 60123 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Zm9v network-cost 999',
  },
  // Pion
  {
    source: 'pion host',
    line: 'candidate:1966762133 1 udp 2130706431 192.0.2.11 51235 typ host',
  },
  {
    source: 'pion tcp srflx writes tcptype before raddr',
    line: 'candidate:3528925834 1 tcp 1684013055 203.0.113.9 8443 typ srflx tcptype passive raddr 192.0.2.11 rport 8443',
    canonical: 'candidate:3528925834 1 tcp 1684013055 203.0.113.9 8443 typ srflx raddr 192.0.2.11 rport 8443 tcptype passive',
  },
  {
    source: 'pion tcp passive host',
    line: 'candidate:233762139 1 tcp 2124414975 192.0.2.11 8443 typ host tcptype passive',
  },
  {
    source: 'pion prflx',
    line: 'candidate:2930127544 1 udp 1862270975 203.0.113.9 40001 typ prflx raddr 0.0.0.0 rport 0',
  },
  // mediasoup
  {
    source: 'mediasoup udp',
    line: 'candidate:udpcandidate 1 udp 1076302079 198.51.100.30 40000 typ host',
  },
  {
    source: 'mediasoup tcp',
    line: 'candidate:tcpcandidate 1 tcp 1076302079 198.51.100.30 40000 typ host tcptype passive',
  },
  // Tolerated oddities
  {
    source: 'extra spaces and tabs',
    line: '  candidate:7   1  udp\t2130706431   192.0.2.12   5000 typ   host   generation 1  ',
    canonical: 'candidate:7 1 udp 2130706431 192.0.2.12 5000 typ host generation 1',
  },
  {
    source: 'upper case keywords',
    line: 'CANDIDATE:8 1 UDP 2130706431 192.0.2.12 5001 TYP HOST',
    canonical: 'candidate:8 1 udp 2130706431 192.0.2.12 5001 typ host',
  },
  {
    source: 'unknown extension pairs kept in order',
    line: 'candidate:9 1 udp 2130706431 192.0.2.12 5002 typ host zeta 1 alpha 2 generation 0',
    canonical: 'candidate:9 1 udp 2130706431 192.0.2.12 5002 typ host generation 0 zeta 1 alpha 2',
  },
  {
    source: 'ipv6 related address',
    line: 'candidate:10 1 udp 1686052607 2001:db8::7 5003 typ srflx raddr 2001:db8::1 rport 5004',
  },
];

/** Lines that must be rejected, and a fragment of the expected message. */
export const INVALID_CANDIDATE_LINES: ReadonlyArray<readonly [string, string]> = [
  ['', 'empty'],
  ['candidate:', 'empty'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 typ', 'fields'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 host x', "expected 'typ'"],
  ['candidate:1 0 udp 2130706431 192.0.2.1 5000 typ host', 'component'],
  ['candidate:1 257 udp 2130706431 192.0.2.1 5000 typ host', 'component'],
  ['candidate:1 one udp 2130706431 192.0.2.1 5000 typ host', 'component'],
  ['candidate:1 1 sctp 2130706431 192.0.2.1 5000 typ host', 'transport'],
  ['candidate:1 1 udp 4294967296 192.0.2.1 5000 typ host', 'priority'],
  ['candidate:1 1 udp -1 192.0.2.1 5000 typ host', 'priority'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 65536 typ host', 'port'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 50a0 typ host', 'port'],
  ['candidate:1 1 udp 2130706431 not_an..address 5000 typ host', 'address'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 typ local', 'candidate type'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host generation', 'no value'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 typ srflx raddr 192.0.2.2 rport x', 'rport'],
  ['candidate:1 1 tcp 2130706431 192.0.2.1 5000 typ host tcptype sideways', 'tcptype'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host tcptype active', 'tcp candidates'],
  ['candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host generation 0 generation 1', 'twice'],
  ['candidate:123456789012345678901234567890123 1 udp 1 192.0.2.1 5000 typ host', 'foundation'],
];
