import { describe, expect, it } from 'vitest';
import { sctpChecksum } from '../../../src/sctp/crc32c.js';
import { u16 } from '../../../src/sctp/wire.js';
import { checkMessage, makeMessage, Pair } from './harness.js';

/** Re-signs a packet with a correct CRC32c after the test edited it. */
function resign(p: Uint8Array): Uint8Array {
  const s = sctpChecksum(p);
  p[8] = s;
  p[9] = s >>> 8;
  p[10] = s >>> 16;
  p[11] = s >>> 24;
  return p;
}

/** Established pair with CRC32c (no zero checksum), and one captured DATA packet from a. */
function setup(opts = {}): { p: Pair; data: Uint8Array } {
  let captured: Uint8Array | undefined;
  const p = new Pair(21, {
    ab: {
      delayMs: 5,
      filter: (d) => {
        if (!captured && d.length > 12 && (d[12] === 0 || d[12] === 64)) captured = d.slice();
        return false;
      },
    },
    ba: { delayMs: 5 },
  }, { zeroChecksum: false, ...opts });
  p.connect();
  p.a.send(1, 53, makeMessage(1, 100));
  p.run(p.now + 1000);
  return { p, data: captured! };
}

describe('SCTP bad input is dropped and counted, never thrown', () => {
  it('bad checksum, wrong verification tag, wrong port, truncated and garbage packets', () => {
    const { p, data } = setup();
    const b = p.b;
    const bad = data.slice();
    bad[bad.length - 1]! ^= 1;
    b.handleInput(bad, p.now);
    const vtag = data.slice();
    vtag[4]! ^= 0xff;
    b.handleInput(resign(vtag), p.now);
    const port = data.slice();
    port[0]! ^= 1;
    b.handleInput(resign(port), p.now);
    b.handleInput(data.subarray(0, 10), p.now);
    const trunc = data.slice(0, 20);
    b.handleInput(resign(trunc), p.now);
    const dropped = b.stats.dropped;
    expect(dropped['bad-checksum']).toBe(1);
    expect(dropped['bad-vtag']).toBe(1);
    expect(dropped['bad-port']).toBe(1);
    expect(dropped['short-packet']).toBe(1);
    expect(dropped['malformed']).toBe(1);
    expect(b.state).toBe('established');
  });

  it('TSNs far outside the window, streams beyond the negotiated count, empty DATA', () => {
    const { p, data } = setup({ maxInboundStreams: 4 });
    const b = p.b;
    const far = data.slice();
    far[17] = (far[17]! + 2) & 0xff; // TSN + 2^17, beyond the 65535 accepted ahead
    b.handleInput(resign(far), p.now);
    const stream = data.slice();
    stream[16 + 3]! += 1; // next TSN
    stream[20] = 0;
    stream[21] = 9; // stream 9 ≥ 4
    b.handleInput(resign(stream), p.now);
    const empty = data.slice(0, 12 + 20); // an I-DATA header and no payload
    empty[14] = 0;
    empty[15] = 20;
    b.handleInput(resign(empty), p.now);
    expect(b.stats.dropped['tsn-out-of-window']).toBe(1);
    expect(b.stats.dropped['bad-stream']).toBe(1);
    expect(b.stats.dropped['empty-data']).toBe(1);
    expect(b.state).toBe('established');
  });

  it('a SACK acknowledging data never sent is ignored', () => {
    const { p, data } = setup();
    // A SACK to b (b's own tag is the one a's packets carry) acknowledging 1000 TSNs b never sent.
    const sack = new Uint8Array(12 + 16);
    sack.set(data.subarray(0, 8));
    sack[0] = data[2]!;
    sack[1] = data[3]!;
    sack[2] = data[0]!;
    sack[3] = data[1]!;
    sack.set(data.subarray(4, 8), 4);
    sack[12] = 3;
    sack[15] = 16;
    sack[16] = 0x12; // cumulative TSN: arbitrary, far from anything b sent
    sack[20] = 0x01; // a_rwnd
    p.b.handleInput(resign(sack), p.now);
    const dropped = p.b.stats.dropped;
    expect((dropped['sack-unsent'] ?? 0) + (dropped['stale-sack'] ?? 0)).toBe(1);
    // The association still works both ways.
    p.b.send(0, 53, makeMessage(2, 10));
    const got: number[] = [];
    p.onA = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    p.run(p.now + 2000, () => got.length === 1);
    expect(got).toEqual([2]);
  });

  it('unknown chunk types: skipped or the packet dropped as their high bits say', () => {
    const { p, data } = setup();
    const b = p.b;
    // Prepend nothing: replace the DATA chunk type with 0x3f (high bits 00: stop, discard).
    const stop = data.slice();
    stop[12] = 0x3f;
    b.handleInput(resign(stop), p.now);
    expect(b.stats.dropped['unrecognized-chunk']).toBe(1);
    const skip = data.slice();
    skip[12] = 0xbf; // 10: skip and continue
    b.handleInput(resign(skip), p.now);
    expect(b.stats.dropped['unrecognized-chunk']).toBe(1);
    expect(u16(skip, 14)).toBeGreaterThan(0);
  });

  it('ignores INIT with a nonzero verification tag and COOKIE-ECHO with a forged cookie', () => {
    const { p, data } = setup();
    const b = p.b;
    const cookie = data.slice(0, 12 + 4 + 52);
    cookie[12] = 10;
    cookie[13] = 0;
    cookie[14] = 0;
    cookie[15] = 56;
    b.handleInput(resign(cookie), p.now);
    expect(b.stats.dropped['bad-cookie']).toBe(1);
    expect(b.state).toBe('established');
  });
});
