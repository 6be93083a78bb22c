import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IceServerUriError, parseIceServerUri } from '../../src/stun/index.js';

function parseOrTypedError(s: string): void {
  try {
    const u = parseIceServerUri(s);
    expect(u.port).toBeGreaterThanOrEqual(1);
    expect(u.port).toBeLessThanOrEqual(65535);
    expect(u.host.length).toBeGreaterThan(0);
  } catch (e) {
    if (!(e instanceof IceServerUriError)) throw e;
  }
}

describe('parseIceServerUri robustness', () => {
  it('arbitrary strings yield a URI or IceServerUriError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), parseOrTypedError), { numRuns: 2000 });
  });

  it('scheme-prefixed noise yields a URI or IceServerUriError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('stun:', 'stuns:', 'turn:', 'turns:', 'TURN:'),
        fc.stringMatching(/^[\w.:[\]?=%@#/-]{0,40}$/),
        (scheme, rest) => parseOrTypedError(scheme + rest),
      ),
      { numRuns: 2000 },
    );
  });

  it('well-formed URIs round-trip host, port and transport', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('turn', 'turns'),
        fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`)),
        fc.option(fc.integer({ min: 1, max: 65535 })),
        fc.option(fc.constantFrom('udp', 'tcp')),
        (scheme, host, port, transport) => {
          const uri = `${scheme}:${host}${port === null ? '' : `:${port}`}${transport === null ? '' : `?transport=${transport}`}`;
          const u = parseIceServerUri(uri);
          expect(u.host).toBe(host.startsWith('[') ? host.slice(1, -1) : host);
          expect(u.port).toBe(port ?? (scheme === 'turns' ? 5349 : 3478));
          expect(u.secure).toBe(scheme === 'turns');
          const wire = transport ?? (scheme === 'turns' ? 'tcp' : 'udp');
          expect(u.transport).toBe(scheme === 'turns' && wire === 'tcp' ? 'tls' : wire);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
