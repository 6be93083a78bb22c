import { describe, expect, it } from 'vitest';
import {
  decodeForwardTsn,
  decodeInit,
  decodeReconfig,
  encodeForwardTsn,
  encodeInit,
  encodeOutgoingReset,
  encodeReconfig,
  encodeReconfigResponse,
  SackView,
} from '../../../src/sctp/chunks.js';
import { crc32c, sctpChecksum } from '../../../src/sctp/crc32c.js';
import { DataTracker } from '../../../src/sctp/data-tracker.js';
import { SctpDecodeError } from '../../../src/sctp/errors.js';
import { decodeCookie, encodeCookie, type CookieContents } from '../../../src/sctp/state-cookie.js';

function bitwiseCrc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('CRC32c', () => {
  // RFC 3720 §B.4 (iSCSI, the same CRC32c) and the common check value.
  it.each([
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 0xff bytes', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['0..31 ascending', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['31..0 descending', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['"123456789"', new TextEncoder().encode('123456789'), 0xe3069283],
  ])('%s', (_name, data, expected) => {
    expect(crc32c(data)).toBe(expected);
  });

  it('matches a bitwise reference on every length 0..100 and unaligned offsets', () => {
    const buf = Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
    for (let len = 0; len <= 100; len++) {
      for (const off of [0, 1, 3, 5]) expect(crc32c(buf, off, off + len)).toBe(bitwiseCrc32c(buf.subarray(off, off + len)));
    }
  });

  it('checksums an SCTP packet with the checksum field taken as zero', () => {
    const p = Uint8Array.from({ length: 64 }, (_, i) => i);
    const zeroed = p.slice();
    zeroed.fill(0, 8, 12);
    expect(sctpChecksum(p)).toBe(crc32c(zeroed));
  });
});

describe('chunk codecs', () => {
  it('INIT round trip with extensions, zero checksum and cookie', () => {
    const cookie = Uint8Array.from({ length: 52 }, (_, i) => i);
    const b = encodeInit(true, {
      initiateTag: 0x01020304,
      aRwnd: 4 << 20,
      outboundStreams: 1024,
      inboundStreams: 65535,
      initialTsn: 0xfffffff0,
      cookie,
      forwardTsn: true,
      reconfig: true,
      iData: true,
      zeroChecksum: true,
    });
    expect(b[0]).toBe(2);
    expect(b.length % 4).toBe(0);
    const d = decodeInit(b, 4, b.length);
    expect(d).toEqual({
      initiateTag: 0x01020304,
      aRwnd: 4 << 20,
      outboundStreams: 1024,
      inboundStreams: 65535,
      initialTsn: 0xfffffff0,
      cookie,
      forwardTsn: true,
      reconfig: true,
      iData: true,
      zeroChecksum: true,
    });
    const plain = decodeInit(encodeInit(false, { ...d, cookie: undefined as never, forwardTsn: false, reconfig: false, iData: false, zeroChecksum: false }), 4, 20);
    expect(plain.forwardTsn || plain.iData || plain.zeroChecksum).toBe(false);
  });

  it('SACK written by the tracker reads back with gaps and duplicates', () => {
    const t = new DataTracker();
    t.init(1000);
    for (const tsn of [1000, 1001, 1003, 1004, 1007, 1001, 1010]) t.observe(tsn);
    expect(t.cumTsn).toBe(1001);
    const b = new Uint8Array(100);
    const size = t.sackSize(1000);
    const end = t.writeSack(b, 0, 5000, size);
    expect(end).toBe(size);
    const v = new SackView();
    v.decode(b, 4, end);
    expect(v.cumTsn).toBe(1001);
    expect(v.aRwnd).toBe(5000);
    expect([...v.gapStart.subarray(0, v.gapCount)]).toEqual([2, 6, 9]);
    expect([...v.gapEnd.subarray(0, v.gapCount)]).toEqual([3, 6, 9]);
    expect(v.dupCount).toBe(1);
    t.observe(1002);
    expect(t.cumTsn).toBe(1004);
    expect(t.forwardTo(1008)).toBe(true);
    expect(t.cumTsn).toBe(1008);
    expect(t.hasGaps).toBe(true);
    t.observe(1009);
    expect(t.cumTsn).toBe(1010);
    expect(t.hasGaps).toBe(false);
  });

  it('tracker refuses TSNs beyond the window and wraps around 2^32', () => {
    const t = new DataTracker();
    t.init(0xfffffffe);
    expect(t.observe(0xfffffffe)).toBe('new');
    expect(t.observe(0xffffffff)).toBe('new');
    expect(t.observe(0)).toBe('new');
    expect(t.cumTsn).toBe(0);
    expect(t.observe(70000)).toBe('out-of-window');
    expect(t.observe(0xfffffff0)).toBe('duplicate');
  });

  it('SACK with out-of-order or overrunning gap blocks is a decode error', () => {
    const b = new Uint8Array(4 + 12 + 8);
    b[4 + 9] = 2; // two gap blocks
    b.set([0, 5, 0, 6, 0, 2, 0, 3], 16);
    expect(() => new SackView().decode(b, 4, b.length)).toThrow(SctpDecodeError);
    b[4 + 9] = 3;
    expect(() => new SackView().decode(b, 4, b.length)).toThrow(SctpDecodeError);
  });

  it('FORWARD-TSN and I-FORWARD-TSN round trip', () => {
    const entries = [
      { streamId: 1, seq: 7, unordered: false },
      { streamId: 9, seq: 65535, unordered: false },
    ];
    const f = encodeForwardTsn(1234, entries, false);
    expect(decodeForwardTsn(f, 4, f.length, false)).toEqual({ newCumTsn: 1234, entries });
    const ientries = [{ streamId: 2, seq: 0x10000, unordered: true }];
    const i = encodeForwardTsn(99, ientries, true);
    expect(i[0]).toBe(194);
    expect(decodeForwardTsn(i, 4, i.length, true)).toEqual({ newCumTsn: 99, entries: ientries });
  });

  it('RE-CONFIG request and response round trip', () => {
    const c = encodeReconfig([encodeOutgoingReset(5, 4, 1000, [1, 3, 5]), encodeReconfigResponse(77, 1)]);
    expect(decodeReconfig(c, 4, c.length)).toEqual([
      { type: 'outgoing-reset', reqSeq: 5, respSeq: 4, lastTsn: 1000, streams: [1, 3, 5] },
      { type: 'response', respSeq: 77, result: 1 },
    ]);
  });
});

describe('state cookie', () => {
  const secret = new Uint8Array(32).fill(3);
  const c: CookieContents = {
    peerTag: 1,
    localTag: 2,
    peerInitialTsn: 3,
    localInitialTsn: 4,
    peerRwnd: 5,
    outboundStreams: 6,
    inboundStreams: 7,
    forwardTsn: true,
    reconfig: false,
    iData: true,
    zeroChecksum: false,
    createdMs: 1000.5,
  };

  it('verifies, and rejects tampering, another secret and old cookies', () => {
    const b = encodeCookie(c, secret);
    expect(decodeCookie(b, secret, 2000, 60000)).toEqual({ ok: true, cookie: c });
    const t = new Uint8Array(b);
    t[0]! ^= 1;
    expect(decodeCookie(t, secret, 2000, 60000)).toEqual({ ok: false, reason: 'bad-cookie' });
    expect(decodeCookie(b, new Uint8Array(32), 2000, 60000)).toEqual({ ok: false, reason: 'bad-cookie' });
    expect(decodeCookie(b, secret, 70000, 60000)).toEqual({ ok: false, reason: 'stale-cookie' });
    expect(decodeCookie(b.subarray(1), secret, 2000, 60000)).toEqual({ ok: false, reason: 'bad-cookie' });
  });
});
