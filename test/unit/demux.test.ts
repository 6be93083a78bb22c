import { describe, expect, it } from 'vitest';
import { classifyPacket } from '../../src/transport/demux.js';

describe('RFC 7983 demux', () => {
  it('classifies by first byte', () => {
    expect(classifyPacket(Buffer.from([0x00, 0x01]))).toBe('stun');
    expect(classifyPacket(Buffer.from([0x16, 0xfe, 0xfd]))).toBe('dtls');
    expect(classifyPacket(Buffer.from([0x17]))).toBe('dtls');
    expect(classifyPacket(Buffer.from([0x40, 0x00]))).toBe('turn-channel');
    expect(classifyPacket(Buffer.from([0x80, 0x60]))).toBe('rtp');
    expect(classifyPacket(Buffer.from([0x80, 0xe0]))).toBe('rtp'); // PT 96 + marker
    expect(classifyPacket(Buffer.from([0x80, 0xc8]))).toBe('rtcp'); // SR
    expect(classifyPacket(Buffer.from([0x81, 0xcd]))).toBe('rtcp'); // RTPFB
    expect(classifyPacket(Buffer.from([0x10]))).toBe('zrtp');
    expect(classifyPacket(Buffer.from([0xff]))).toBe('unknown');
    expect(classifyPacket(Buffer.alloc(0))).toBe('unknown');
  });
});
