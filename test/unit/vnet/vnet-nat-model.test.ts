import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NatTable, type NatBehavior } from '../../../src/vnet/nat.js';
import type { TransportAddress } from '../../../src/transport/net.js';

const INTERNAL: TransportAddress[] = [
  { address: '10.0.0.2', port: 5000 },
  { address: '10.0.0.2', port: 5001 },
  { address: '10.0.0.3', port: 5000 },
];
const REMOTE: TransportAddress[] = [
  { address: '198.51.100.1', port: 3478 },
  { address: '198.51.100.1', port: 3479 },
  { address: '198.51.100.2', port: 3478 },
];
const LIFETIME_MS = 1000;

type Op = { kind: 'out'; i: number; r: number; dt: number } | { kind: 'in'; r: number; i: number; dt: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('out' as const), i: fc.nat(2), r: fc.nat(2), dt: fc.nat(700) }),
  fc.record({ kind: fc.constant('in' as const), r: fc.nat(2), i: fc.nat(2), dt: fc.nat(700) }),
);
const behaviour = fc.constantFrom<NatBehavior>('endpoint-independent', 'address-dependent', 'address-and-port-dependent');

/** Which remote endpoints select the same mapping / pass the same filter. */
function sameClass(b: NatBehavior, x: TransportAddress, y: TransportAddress): boolean {
  if (b === 'endpoint-independent') return true;
  if (b === 'address-dependent') return x.address === y.address;
  return x.address === y.address && x.port === y.port;
}

describe('NatTable against a reference model (RFC 4787)', () => {
  it('maps, filters and expires as the behaviours say', () => {
    fc.assert(
      fc.property(behaviour, behaviour, fc.boolean(), fc.array(op, { maxLength: 60 }), (mapping, filtering, portPreservation, ops) => {
        const nat = new NatTable({ mapping, filtering, portPreservation, mappingLifetimeMs: LIFETIME_MS }, '203.0.113.1');
        // model: live mappings with the remote that created them, what they sent to, and when they expire
        interface M { i: number; first: TransportAddress; sentTo: TransportAddress[]; port: number; expires: number }
        let model: M[] = [];
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          model = model.filter((m) => m.expires > now);
          if (o.kind === 'out') {
            const remote = REMOTE[o.r]!;
            const ext = nat.outbound('udp', INTERNAL[o.i]!, remote, now);
            expect(typeof ext).not.toBe('string');
            const port = (ext as TransportAddress).port;
            const existing = model.find((m) => m.i === o.i && sameClass(mapping, m.first, remote));
            if (existing) {
              expect(port).toBe(existing.port); // reused while alive
              existing.expires = now + LIFETIME_MS; // outbound refresh (REQ-6)
              existing.sentTo.push(remote);
            } else {
              // a fresh mapping never takes a live mapping's port
              expect(model.some((m) => m.port === port)).toBe(false);
              if (portPreservation && !model.some((m) => m.port === INTERNAL[o.i]!.port)) expect(port).toBe(INTERNAL[o.i]!.port);
              model.push({ i: o.i, first: remote, sentTo: [remote], port, expires: now + LIFETIME_MS });
            }
          } else {
            const target = model[o.i % Math.max(1, model.length)];
            const port = target?.port ?? 40000 + o.i;
            const remote = REMOTE[o.r]!;
            const res = nat.inbound('udp', remote, port, now);
            const m = model.find((x) => x.port === port);
            if (!m) expect(res).toBe('nat-no-mapping');
            else if (filtering !== 'endpoint-independent' && !m.sentTo.some((s) => sameClass(filtering, s, remote))) expect(res).toBe('nat-filtered');
            else expect(res).toEqual(INTERNAL[m.i]);
          }
        }
        expect(nat.mappingCount(now)).toBe(model.filter((m) => m.expires > now).length);
      }),
      { numRuns: 400 },
    );
  });
});
