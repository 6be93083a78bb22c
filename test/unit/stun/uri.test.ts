import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { IceServerUriError, parseIceServerUri, parseIceServerUris } from '../../../src/stun/index.js';

describe('parseIceServerUri (RFC 7064 / RFC 7065)', () => {
  it.each([
    ['stun:example.org', { scheme: 'stun', host: 'example.org', port: 3478, transport: 'udp', secure: false }],
    ['stun:example.org:19302', { scheme: 'stun', host: 'example.org', port: 19302, transport: 'udp', secure: false }],
    ['stuns:example.org', { scheme: 'stuns', host: 'example.org', port: 5349, transport: 'tls', secure: true }],
    ['STUN:Example.ORG', { scheme: 'stun', host: 'Example.ORG', port: 3478, transport: 'udp', secure: false }],
    ['stun:192.0.2.1:1234', { scheme: 'stun', host: '192.0.2.1', port: 1234, transport: 'udp', secure: false }],
    ['stun:[2001:db8::1]', { scheme: 'stun', host: '2001:db8::1', port: 3478, transport: 'udp', secure: false }],
    ['stun:[::1]:3479', { scheme: 'stun', host: '::1', port: 3479, transport: 'udp', secure: false }],
    ['turn:example.org', { scheme: 'turn', host: 'example.org', port: 3478, transport: 'udp', secure: false }],
    ['turn:example.org?transport=udp', { scheme: 'turn', host: 'example.org', port: 3478, transport: 'udp', secure: false }],
    ['turn:example.org:3480?transport=tcp', { scheme: 'turn', host: 'example.org', port: 3480, transport: 'tcp', secure: false }],
    ['turns:example.org', { scheme: 'turns', host: 'example.org', port: 5349, transport: 'tls', secure: true }],
    ['turns:example.org?transport=tcp', { scheme: 'turns', host: 'example.org', port: 5349, transport: 'tls', secure: true }],
    ['turns:example.org?transport=udp', { scheme: 'turns', host: 'example.org', port: 5349, transport: 'udp', secure: true }],
    ['turn:[2001:db8::2]:5000?transport=tcp', { scheme: 'turn', host: '2001:db8::2', port: 5000, transport: 'tcp', secure: false }],
    ['turn:my%2Dhost.example', { scheme: 'turn', host: 'my-host.example', port: 3478, transport: 'udp', secure: false }],
  ])('%s', (uri, expected) => {
    expect(parseIceServerUri(uri)).toEqual(expected);
  });

  it.each([
    ['', /missing scheme/],
    ['example.org', /missing scheme/],
    ['http://example.org', /unknown scheme/],
    ['stun:', /missing host/],
    ['stun://example.org', /"\/\/"/],
    ['stun:example.org?transport=udp', /no query/],
    ['stun:user@example.org', /user information/],
    ['stun:example.org:0', /out of range/],
    ['stun:example.org:65536', /out of range/],
    ['stun:example.org:abc', /invalid port/],
    ['stun:example.org:', /invalid port/],
    ['stun:2001:db8::1', /brackets/],
    ['stun:[2001:db8::1', /unterminated/],
    ['stun:[not-v6]', /invalid IPv6/],
    ['stun:[::1]x', /unexpected text/],
    ['stun:300.1.1.1', /invalid IPv4/],
    ['stun:exa mple.org', /invalid host/],
    ['turn:example.org?transport=sctp', /unsupported transport/],
    ['turn:example.org?foo=bar', /only query/],
    ['turn:example.org#frag', /fragment/],
  ])('rejects %j', (uri, message) => {
    let err: unknown;
    try {
      parseIceServerUri(uri);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IceServerUriError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as IceServerUriError).code).toBe('ERR_INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(message);
  });

  it('parses every URL of an RTCIceServer', () => {
    expect(parseIceServerUris({ urls: ['stun:a.example', 'turn:b.example?transport=tcp'] }).map((u) => u.transport)).toEqual([
      'udp',
      'tcp',
    ]);
    expect(parseIceServerUris({ urls: 'stun:a.example' })).toHaveLength(1);
  });
});
