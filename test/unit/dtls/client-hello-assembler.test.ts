import { describe, expect, it } from 'vitest';
import { ClientHelloAssembler, MAX_CLIENT_HELLO_LENGTH } from '../../../src/dtls/handshake/client-hello-assembler.js';

const frag = (seq: number, length: number, offset: number, data: Buffer) => ({ msgType: 1, length, messageSeq: seq, fragmentOffset: offset, fragment: data });

describe('ClientHelloAssembler', () => {
  it('passes whole messages through and joins fragments in any order', () => {
    const a = new ClientHelloAssembler();
    const body = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    expect(a.push(frag(0, 300, 0, body))!.fragment).toEqual(body);
    expect(a.push(frag(1, 300, 200, body.subarray(200)))).toBeUndefined();
    expect(a.push(frag(1, 300, 0, body.subarray(0, 150)))).toBeUndefined();
    const whole = a.push(frag(1, 300, 100, body.subarray(100, 250)))!;
    expect(whole.fragment).toEqual(body);
    expect(whole.fragmentOffset).toBe(0);
  });
  it('starts over for a new message and refuses oversized or inconsistent fragments', () => {
    const a = new ClientHelloAssembler();
    expect(a.push(frag(0, 10, 0, Buffer.alloc(5)))).toBeUndefined();
    expect(a.push(frag(1, 10, 5, Buffer.alloc(5)))).toBeUndefined();
    expect(a.push(frag(2, MAX_CLIENT_HELLO_LENGTH + 1, 0, Buffer.alloc(10)))).toBeUndefined();
    expect(a.push(frag(3, 10, 8, Buffer.alloc(5)))).toBeUndefined();
  });
});
