import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  H264Depacketizer,
  H264Payloader,
  OpusDepacketizer,
  OpusPayloader,
  PayloadDecodeError,
  Vp8Depacketizer,
  Vp8Payloader,
  splitAnnexB,
} from '../../../src/rtp/payloaders/index.js';
import { IvfWriter } from '../../../src/media/ivf-writer.js';

function reassemble(d: { depacketize(p: Uint8Array): { data: Buffer } }, payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.map((p) => d.depacketize(p).data));
}

describe('VP8', () => {
  it('splits a frame to the MTU and reassembles it', () => {
    const frame = Buffer.alloc(3000, 7);
    frame[0] = 0x10; // key frame (P bit 0)
    const payloads = new Vp8Payloader({ pictureId: 0x7ffe }).payload(1200, frame);
    expect(payloads.length).toBe(3);
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(1200);
    const d = new Vp8Depacketizer();
    expect(d.isKeyFrame(payloads[0]!)).toBe(true);
    expect(d.isKeyFrame(payloads[1]!)).toBe(false);
    expect(d.depacketize(payloads[0]!).frameStart).toBe(true);
    expect(d.depacketize(payloads[1]!).frameStart).toBe(false);
    expect(reassemble(d, payloads)).toEqual(frame);
  });
  it('increments and wraps the 15-bit PictureID per frame', () => {
    const p = new Vp8Payloader({ pictureId: 0x7fff });
    const a = p.payload(1200, Buffer.from([1, 2, 3]))[0]!;
    const b = p.payload(1200, Buffer.from([1, 2, 3]))[0]!;
    expect(((a[2]! & 0x7f) << 8) | a[3]!).toBe(0x7fff);
    expect(((b[2]! & 0x7f) << 8) | b[3]!).toBe(0);
  });
  it('parses descriptors with every optional field', () => {
    // X=1,S=1 | I,L,T | M=1 PictureID (2 bytes) | TL0PICIDX | TID byte | data
    const p = Buffer.from([0x90, 0xe0, 0x81, 0x23, 0x05, 0x40, 0xaa, 0xbb]);
    expect(new Vp8Depacketizer().depacketize(p).data).toEqual(Buffer.from([0xaa, 0xbb]));
  });
});

describe('H.264', () => {
  const sps = Buffer.from([0x67, 0x42, 0xe0, 0x1f, 0xda]);
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(2500, 0x11)]);
  const annexB = Buffer.concat([Buffer.from([0, 0, 0, 1]), sps, Buffer.from([0, 0, 1]), pps, Buffer.from([0, 0, 0, 1]), idr]);

  it('splits Annex-B streams with 3- and 4-byte start codes', () => {
    expect(splitAnnexB(annexB)).toEqual([sps, pps, idr]);
  });
  it('sends SPS+PPS as one STAP-A and fragments large NAL units with FU-A', () => {
    const payloads = new H264Payloader().payload(1200, annexB);
    expect(payloads[0]![0]! & 0x1f).toBe(24);
    expect(payloads.slice(1).every((p) => (p[0]! & 0x1f) === 28)).toBe(true);
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(1200);
    const d = new H264Depacketizer();
    expect(d.isKeyFrame(payloads[0]!)).toBe(true);
    expect(d.isKeyFrame(payloads[1]!)).toBe(true);
    const out = reassemble(d, payloads);
    expect(splitAnnexB(out)).toEqual([sps, pps, idr]);
  });
  it('rejects malformed payloads with a typed error', () => {
    const d = new H264Depacketizer();
    expect(() => d.depacketize(Buffer.from([24, 0, 9, 1]))).toThrow(PayloadDecodeError);
    expect(() => d.depacketize(Buffer.from([])) ).toThrow(PayloadDecodeError);
  });
});

describe('depacketizers on garbage', () => {
  it('throw only PayloadDecodeError', () => {
    const ds = [new Vp8Depacketizer(), new H264Depacketizer(), new OpusDepacketizer()];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const d of ds) {
          try {
            d.depacketize(bytes);
          } catch (err) {
            if (!(err instanceof PayloadDecodeError)) throw err;
          }
          d.isKeyFrame(bytes);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Opus and IVF', () => {
  it('Opus is one payload per frame', () => {
    expect(new OpusPayloader().payload(1200, Buffer.from([1, 2]))).toEqual([Buffer.from([1, 2])]);
  });
  it('IVF writes the DKIF header and frame headers', () => {
    const chunks: Buffer[] = [];
    const w = new IvfWriter((c) => chunks.push(c), { width: 320, height: 240 });
    w.writeFrame(Buffer.from([9, 9, 9]), 3000);
    const file = Buffer.concat(chunks);
    expect(file.subarray(0, 4).toString()).toBe('DKIF');
    expect(file.subarray(8, 12).toString()).toBe('VP80');
    expect(file.readUInt16LE(12)).toBe(320);
    expect(file.readUInt32LE(32)).toBe(3);
    expect(file.readBigUInt64LE(36)).toBe(3000n);
    expect(file.length).toBe(32 + 12 + 3);
  });
});
