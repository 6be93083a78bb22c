import { describe, expect, it } from 'vitest';
import { RtpHeader as WeriftRtpHeader, RtpPacket as WeriftRtpPacket } from 'werift-rtp';
import { RtpDecodeError } from '../../../src/rtp/errors.js';
import { absSendTime, audioLevel, playoutDelay, sdesMid, transportSequenceNumber, videoOrientation } from '../../../src/rtp/extension-codecs.js';
import { RTP_EXTENSION_PROFILE_ONE_BYTE, RTP_EXTENSION_PROFILE_TWO_BYTE } from '../../../src/rtp/header-extension.js';
import { RtpHeader } from '../../../src/rtp/rtp-header.js';
import { RtpHeaderView } from '../../../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RtpPacket', () => {
  it('parses and re-serializes a packet with CSRCs, one-byte extensions and padding', () => {
    const p = new RtpPacket(
      { marker: true, payloadType: 111, sequenceNumber: 0xfffe, timestamp: 0xdeadbeef, ssrc: 0x11223344, csrcs: [1, 2] },
      Buffer.from('hello'),
      4,
    );
    p.header.setExtensionValue(1, sdesMid, '0');
    p.header.setExtensionValue(3, transportSequenceNumber, 513);
    p.header.setExtensionValue(2, absSendTime, 0x123456);
    const wire = p.serialize();
    expect(wire.length % 4).toBe(1 + 0); // 12+8+4+ext(1+1+1+2+1+3=9 -> 12) + 5 + 4 = 45
    expect(wire.readUInt16BE(20)).toBe(RTP_EXTENSION_PROFILE_ONE_BYTE);
    const back = RtpPacket.parse(wire);
    expect(back.header.marker).toBe(true);
    expect(back.header.payloadType).toBe(111);
    expect(back.header.sequenceNumber).toBe(0xfffe);
    expect(back.header.timestamp).toBe(0xdeadbeef);
    expect(back.header.csrcs).toEqual([1, 2]);
    expect(back.paddingLength).toBe(4);
    expect(back.payload.toString()).toBe('hello');
    expect(back.header.getExtensionValue(3, transportSequenceNumber)).toBe(513);
    expect(back.header.getExtensionValue(1, sdesMid)).toBe('0');
    expect(back.header.getExtensionValue(2, absSendTime)).toBe(0x123456);
    expect(back.serialize()).toEqual(wire);
  });

  it('switches to the two-byte form for ids > 14, long or empty elements (RFC 8285 §4.3)', () => {
    const h = new RtpHeader({ ssrc: 1 });
    h.setExtension(1, Buffer.alloc(0));
    h.setExtension(20, Buffer.alloc(40, 7));
    const wire = new RtpPacket(h, Buffer.from([1, 2, 3])).serialize();
    expect(wire.readUInt16BE(12)).toBe(RTP_EXTENSION_PROFILE_TWO_BYTE);
    const back = RtpPacket.parse(wire);
    expect(back.header.getExtension(1)).toEqual(Buffer.alloc(0));
    expect(back.header.getExtension(20)).toEqual(Buffer.alloc(40, 7));
    expect([...back.payload]).toEqual([1, 2, 3]);
  });

  it('keeps non-RFC 8285 extension blocks raw', () => {
    const wire = hex('90000001 00000002 00000003 abcd0001 01020304 ff');
    const p = RtpPacket.parse(wire);
    expect(p.header.extensionProfile).toBe(0xabcd);
    expect(p.header.extensionData).toEqual(hex('01020304'));
    expect(p.serialize()).toEqual(wire);
  });

  it('serializes into a caller buffer', () => {
    const p = new RtpPacket({ ssrc: 5, sequenceNumber: 9 }, Buffer.alloc(100, 1));
    const buf = Buffer.alloc(200);
    expect(p.serializeTo(buf, 10)).toBe(112);
    expect(RtpPacket.parse(buf.subarray(10, 122)).header.sequenceNumber).toBe(9);
  });

  it('typed codecs round trip', () => {
    expect(audioLevel.decode(audioLevel.encode({ voiceActivity: true, level: 42 }))).toEqual({ voiceActivity: true, level: 42 });
    expect(videoOrientation.decode(videoOrientation.encode({ camera: true, flip: false, rotation: 270 }))).toEqual({
      camera: true,
      flip: false,
      rotation: 270,
    });
    expect(playoutDelay.decode(playoutDelay.encode({ minMs: 100, maxMs: 40950 }))).toEqual({ minMs: 100, maxMs: 40950 });
    expect(() => transportSequenceNumber.decode(Buffer.alloc(1))).toThrow(RtpDecodeError);
  });

  it('rejects malformed packets with RtpDecodeError only', () => {
    for (const bad of ['8000', '40000001000000020000000300', '8f000001 00000002 00000003', '90000001 00000002 00000003 bede0002 10', 'a0000001 00000002 00000003 00', 'a0000001 00000002 00000003 0105']) {
      expect(() => RtpPacket.parse(hex(bad)), bad).toThrow(RtpDecodeError);
      expect(() => new RtpHeaderView(hex(bad)), bad).toThrow(RtpDecodeError);
    }
    // A truncated one-byte element inside a well-sized block.
    const trunc = hex('90000001 00000002 00000003 bede0001 3f000000');
    expect(() => RtpPacket.parse(trunc)).toThrow(RtpDecodeError);
    expect(() => new RtpHeaderView(trunc).getExtension(3)).toThrow(RtpDecodeError);
  });
});

describe('RtpHeaderView', () => {
  const pkt = new RtpPacket({ payloadType: 96, sequenceNumber: 1000, timestamp: 90000, ssrc: 42, csrcs: [7] }, Buffer.from('payload'), 3);
  pkt.header.setExtensionValue(5, transportSequenceNumber, 77);
  pkt.header.setExtensionValue(1, sdesMid, 'video');
  const wire = pkt.serialize();

  it('reads fields and extensions lazily without copying', () => {
    const v = new RtpHeaderView(wire);
    expect(v.payloadType).toBe(96);
    expect(v.sequenceNumber).toBe(1000);
    expect(v.timestamp).toBe(90000);
    expect(v.ssrc).toBe(42);
    expect(v.csrcCount).toBe(1);
    expect(v.csrc(0)).toBe(7);
    expect(v.paddingLength).toBe(3);
    expect(v.payload.toString()).toBe('payload');
    expect(v.payload.buffer).toBe(wire.buffer);
    expect(v.getExtensionValue(5, transportSequenceNumber)).toBe(77);
    expect(v.getExtensionValue(1, sdesMid)).toBe('video');
    expect(v.getExtension(9)).toBeUndefined();
    const seen: number[] = [];
    v.forEachExtension((id) => seen.push(id));
    expect(seen).toEqual([5, 1]);
  });

  it('rewrites fields and same-size extensions in place', () => {
    const copy = Buffer.from(wire);
    const v = new RtpHeaderView(copy);
    v.ssrc = 0xfeedface;
    v.sequenceNumber = 65535;
    v.timestamp = 1;
    v.payloadType = 100;
    v.marker = true;
    expect(v.writeExtension(5, transportSequenceNumber.encode(900))).toBe(true);
    expect(v.writeExtension(5, Buffer.alloc(3))).toBe(false);
    const p = RtpPacket.parse(copy);
    expect(p.header).toMatchObject({ ssrc: 0xfeedface, sequenceNumber: 65535, timestamp: 1, payloadType: 100, marker: true });
    expect(p.header.getExtensionValue(5, transportSequenceNumber)).toBe(900);
  });

  it('agrees with werift-rtp on werift-serialized packets', () => {
    const w = new WeriftRtpPacket(
      new WeriftRtpHeader({
        marker: true,
        payloadType: 100,
        sequenceNumber: 4321,
        timestamp: 123456,
        ssrc: 99,
        extension: true,
        extensionProfile: RTP_EXTENSION_PROFILE_ONE_BYTE,
        extensions: [
          { id: 1, payload: Buffer.from('mid') },
          { id: 3, payload: Buffer.from([1, 2]) },
        ],
      }),
      Buffer.from('data'),
    ).serialize();
    const v = new RtpHeaderView(w);
    expect(v.sequenceNumber).toBe(4321);
    expect(v.getExtension(1)?.toString()).toBe('mid');
    expect([...v.getExtension(3)!]).toEqual([1, 2]);
    expect(v.payload.toString()).toBe('data');
    const ours = RtpPacket.parse(w).serialize();
    const back = WeriftRtpPacket.deSerialize(ours);
    expect(back.header.sequenceNumber).toBe(4321);
    expect(back.payload.toString()).toBe('data');
  });
});

describe('RtpHeaderView allocation-free extension access', () => {
  it('locates elements and reads small integers in place', () => {
    const h = new RtpHeader({ ssrc: 1 });
    h.setExtensionValue(3, transportSequenceNumber, 0xbeef);
    h.setExtensionValue(2, absSendTime, 0x123456);
    h.setExtensionValue(7, sdesMid, 'abcdef');
    const v = new RtpHeaderView(new RtpPacket(h, Buffer.from('x')).serialize());
    expect(v.readExtensionUint(3)).toBe(0xbeef);
    expect(v.readExtensionUint(2)).toBe(0x123456);
    expect(v.readExtensionUint(7)).toBeUndefined();
    expect(v.readExtensionUint(9)).toBeUndefined();
    expect(v.locateExtension(7)).toBe(true);
    expect(v.buffer.toString('utf8', v.extensionOffset, v.extensionOffset + v.extensionLength)).toBe('abcdef');
    expect(v.locateExtension(4)).toBe(false);
    expect(v.extensionOffset).toBe(-1);
  });
});
