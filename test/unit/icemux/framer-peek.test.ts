import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rfc4571Framer, frameRfc4571 } from '../../../src/agent/tcp/index.js';
import { peekBindingRequestUfrag } from '../../../src/icemux/index.js';
import { StunClass, StunMessage, StunMethod } from '../../../src/stun/index.js';

describe('RFC 4571 framer', () => {
  it('reassembles frames across any chunking, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map((f) => frameRfc4571(f)));
          const out: Buffer[] = [];
          const framer = new Rfc4571Framer((f) => out.push(Buffer.from(f)));
          let off = 0;
          let i = 0;
          while (off < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            framer.push(stream.subarray(off, off + n));
            off += n;
          }
          expect(out.map((b) => b.toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
          expect(framer.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('skips and counts oversized frames without buffering them, staying in sync', () => {
    const out: Buffer[] = [];
    const framer = new Rfc4571Framer((f) => out.push(Buffer.from(f)), { maxFrameBytes: 100 });
    const stream = Buffer.concat([frameRfc4571(Buffer.alloc(5, 1)), frameRfc4571(Buffer.alloc(5000, 2)), frameRfc4571(Buffer.alloc(7, 3))]);
    for (let off = 0; off < stream.length; off += 333) framer.push(stream.subarray(off, off + 333));
    expect(out.map((b) => b.length)).toEqual([5, 7]);
    expect(framer.oversizedFrames).toBe(1);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('never throws and never buffers more than one bounded frame on random input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 20 }), (chunks) => {
        const framer = new Rfc4571Framer(() => undefined, { maxFrameBytes: 1500 });
        for (const c of chunks) {
          framer.push(Buffer.from(c));
          expect(framer.bufferedBytes).toBeLessThanOrEqual(1500);
        }
      }),
    );
  });

  it('refuses to frame more than 65535 bytes', () => {
    expect(() => frameRfc4571(Buffer.alloc(65536))).toThrow(RangeError);
  });
});

describe('USERNAME peek for routing', () => {
  const req = (user?: string, cls: StunClass = StunClass.Request): Buffer => {
    const m = new StunMessage(StunMethod.Binding, cls, Buffer.alloc(12, 9));
    if (user !== undefined) m.setUsername(user);
    m.addAttr(0x8022, Buffer.from('tern'));
    return m.encode({ integrityKey: Buffer.from('k'), fingerprint: true });
  };

  it('returns the local part of USERNAME of a Binding request', () => {
    expect(peekBindingRequestUfrag(req('srvU:cliU'))).toEqual({ ok: true, ufrag: 'srvU' });
  });

  it('rejects non-STUN, non-requests, missing or malformed USERNAME', () => {
    expect(peekBindingRequestUfrag(Buffer.from([0x80, 1, 2]))).toMatchObject({ ok: false, reason: 'not-stun' });
    expect(peekBindingRequestUfrag(req('a:b', StunClass.SuccessResponse))).toMatchObject({ ok: false, reason: 'not-binding-request' });
    expect(peekBindingRequestUfrag(req())).toMatchObject({ ok: false, reason: 'no-username' });
    expect(peekBindingRequestUfrag(req('nocolon'))).toMatchObject({ ok: false, reason: 'bad-username' });
    expect(peekBindingRequestUfrag(req(':x'))).toMatchObject({ ok: false, reason: 'bad-username' });
  });

  it('never throws on random or truncated input', () => {
    const good = req('abcd:efgh');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(good.length), (junk, cut) => {
        peekBindingRequestUfrag(junk);
        peekBindingRequestUfrag(good.subarray(0, cut));
        const mutated = Buffer.from(good);
        if (junk.length > 0) mutated[junk[0]! % mutated.length] = junk[junk.length - 1]!;
        peekBindingRequestUfrag(mutated);
      }),
    );
  });
});
