import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfiguration } from '../../src/peerconnection/ice-config.js';
import { PeerConnectionError } from '../../src/peerconnection/errors.js';
import type { RTCConfiguration } from '../../src/peerconnection/types.js';

const url = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom('stun:', 'stuns:', 'turn:', 'turns:', 'http:', ''), fc.string(), fc.option(fc.string())).map(([s, h, q]) => `${s}${h}${q === null ? '' : `?${q}`}`),
);
const server = fc.record(
  { urls: fc.oneof(url, fc.array(url, { maxLength: 4 }), fc.anything()), username: fc.oneof(fc.string(), fc.anything()), credential: fc.oneof(fc.string(), fc.anything()) },
  { requiredKeys: [] },
);

/** Whatever a caller passes, validation returns a configuration or throws a typed W3C error; never anything else. */
describe('RTCConfiguration validation (property)', () => {
  it('returns or throws a PeerConnectionError only', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(server, { maxLength: 5 }), fc.anything()), fc.oneof(fc.constantFrom('all', 'relay', undefined), fc.anything()), (iceServers, iceTransportPolicy) => {
        try {
          const c = validateConfiguration({ iceServers, iceTransportPolicy } as unknown as RTCConfiguration);
          expect(Array.isArray(c.iceServers)).toBe(true);
          expect(['all', 'relay']).toContain(c.iceTransportPolicy);
        } catch (err) {
          expect(err).toBeInstanceOf(PeerConnectionError);
          expect(['SyntaxError', 'InvalidAccessError', 'TypeError']).toContain((err as Error).name);
        }
      }),
      { numRuns: 500 },
    );
  });
});
