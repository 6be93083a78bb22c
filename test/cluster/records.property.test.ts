import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNodeInfo } from '../../src/cluster/node-registry.js';
import { encodeGrant, encodeRoom, parseGrant, parseRoom } from '../../src/cluster/room-record.js';
import { MAX_RECORD_BYTES } from '../../src/cluster/keys.js';

const id = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
const alnum = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${n}}$`));
const room = fc.record({
  id,
  maxParticipants: fc.integer({ min: 1, max: 1000 }),
  secured: fc.boolean(),
  hostInvite: alnum(24),
  participantInvite: alnum(24),
  node: id,
  createdAtMs: fc.integer({ min: 0, max: 2 ** 45 }),
});
const grant = fc.record({
  token: alnum(24),
  ufrag: alnum(8),
  room: id,
  role: fc.constantFrom('host' as const, 'participant' as const),
  expiresAtMs: fc.integer({ min: 0, max: 2 ** 45 }),
});

/** Values read back from Redis are not trusted: anything else parses as absent, never throws. */
describe('cluster records read from Redis', () => {
  it('room and grant records round-trip', () => {
    fc.assert(
      fc.property(room, (r) => {
        expect(parseRoom(encodeRoom(r))).toEqual(r);
      }),
    );
    fc.assert(
      fc.property(grant, (g) => {
        expect(parseGrant(encodeGrant(g), g.token)).toEqual(g);
      }),
    );
  });

  it('garbage, other JSON and oversized values read as absent', () => {
    const junk = fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'));
    fc.assert(
      fc.property(junk, (s) => {
        const r = parseRoom(s);
        if (r) expect(r.id.length).toBeLessThanOrEqual(64);
        expect(parseGrant(s, 'A'.repeat(24))?.token ?? 'A'.repeat(24)).toBe('A'.repeat(24));
        const n = parseNodeInfo(s, 'node-1');
        if (n) expect(n.id).toBe('node-1');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(room, (r) => {
        // A field of the wrong type or an id outside the alphabet is refused.
        expect(parseRoom(encodeRoom(r).replace(`"node":${JSON.stringify(r.node)}`, '"node":"a b"'))).toBeUndefined();
        expect(parseRoom(JSON.stringify({ ...r, secured: 'yes' }))).toBeUndefined();
      }),
    );
    const big = encodeRoom({ id: 'r', maxParticipants: 2, secured: false, hostInvite: 'x'.repeat(MAX_RECORD_BYTES), participantInvite: 'y', node: 'n', createdAtMs: 0 });
    expect(parseRoom(big)).toBeUndefined();
    expect(parseGrant(encodeGrant({ token: 'T'.repeat(24), ufrag: 'u', room: 'r', role: 'host', expiresAtMs: 1 }), 'S'.repeat(24))).toBeUndefined();
    expect(parseNodeInfo(JSON.stringify({ id: 'node-1', address: 'ws://x', peers: -1, rooms: 0, updatedAtMs: 0 }), 'node-1')).toBeUndefined();
  });
});
