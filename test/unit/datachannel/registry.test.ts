import { describe, expect, it } from 'vitest';
import { Ppid, decodeDcep } from '../../../src/sctp/dcep.js';
import { fakePair, tick } from '../../support/fake-sctp.js';

describe('DataChannelRegistry over a stand-in association', () => {
  it('opens an in-band channel: DCEP OPEN, ACK, even/odd ids by DTLS role, datachannel then open', async () => {
    const p = fakePair();
    const ch = p.a.create('chat', { protocol: 'json', ordered: false, maxRetransmits: 2, priority: 'high' });
    expect(ch.id).toBeNull();
    expect(ch.readyState).toBe('connecting');
    const events: string[] = [];
    ch.onopen = () => events.push('a-open');
    p.connect();
    expect(ch.id).toBe(0);
    await tick();
    expect(events).toEqual(['a-open']);
    const open = decodeDcep(p.sa.sent[0]!.data);
    expect(open).toMatchObject({ type: 'open', label: 'chat', protocol: 'json', ordered: false, reliability: { kind: 'rexmit', maxRetransmits: 2 }, priority: 1024 });
    const remote = p.incoming.b[0]!;
    expect(remote).toMatchObject({ label: 'chat', protocol: 'json', ordered: false, maxRetransmits: 2, maxPacketLifeTime: null, id: 0, negotiated: false, priority: 'high' });
    expect(remote.readyState).toBe('open');
    expect(p.sb.sent[0]!.ppid).toBe(Ppid.Dcep);
    expect(decodeDcep(p.sb.sent[0]!.data)).toEqual({ type: 'ack' });
    const fromB = p.b.create('back');
    await tick();
    expect(fromB.id).toBe(1);
    expect(p.incoming.a[0]!.label).toBe('back');
  });

  it('carries strings, binaries and the empty variants with their PPIDs', async () => {
    const p = fakePair();
    p.connect();
    const ch = p.a.create('x');
    await tick();
    const remote = p.incoming.b[0]!;
    remote.binaryType = 'nodebuffer';
    const got: unknown[] = [];
    remote.onmessage = (e) => got.push(e.data);
    ch.send('héllo');
    ch.send('');
    ch.send(Buffer.from([1, 2, 3]));
    ch.send(new Uint8Array(0));
    ch.send(new Uint16Array([0x0102]));
    ch.send(new Uint8Array([9, 8]).buffer);
    ch.send(new Blob([Buffer.from('blob')]));
    ch.send('after-blob');
    await new Promise((r) => setTimeout(r, 20));
    expect(p.sa.sent.slice(1).map((s) => s.ppid)).toEqual([Ppid.String, Ppid.StringEmpty, Ppid.Binary, Ppid.BinaryEmpty, Ppid.Binary, Ppid.Binary, Ppid.Binary, Ppid.String]);
    expect(got).toEqual(['héllo', '', Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.from(new Uint16Array([0x0102]).buffer), Buffer.from([9, 8]), Buffer.from('blob'), 'after-blob']);
    remote.binaryType = 'arraybuffer';
    ch.send(Buffer.from([7]));
    await tick();
    expect(got.at(-1)).toBeInstanceOf(ArrayBuffer);
    expect(p.sa.sent[2]!.options).toEqual({}); // ordered reliable
  });

  it('sends unordered only after the ACK (RFC 8832 §6), with partial reliability options', async () => {
    const p = fakePair();
    p.connect();
    const ch = p.a.create('u', { ordered: false, maxPacketLifeTime: 150 });
    await Promise.resolve();
    await Promise.resolve();
    ch.send('early');
    await tick();
    ch.send('late');
    const opts = p.sa.sent.filter((s) => s.ppid === Ppid.String).map((s) => s.options);
    expect(opts).toEqual([{ maxPacketLifeTimeMs: 150 }, { unordered: true, maxPacketLifeTimeMs: 150 }]);
  });

  it('opens pre-negotiated channels on both sides without DCEP', async () => {
    const p = fakePair();
    const a = p.a.create('n', { negotiated: true, id: 7 });
    const b = p.b.create('n', { negotiated: true, id: 7 });
    p.connect();
    await tick();
    expect([a.readyState, b.readyState]).toEqual(['open', 'open']);
    expect(p.sa.sent).toHaveLength(0);
    const got: unknown[] = [];
    b.onmessage = (e) => got.push(e.data);
    a.send('hi');
    await tick();
    expect(got).toEqual(['hi']);
    expect(p.incoming.b).toHaveLength(0);
  });

  it('validates createDataChannel arguments like the W3C spec', () => {
    const p = fakePair();
    expect(() => p.a.create('x', { negotiated: true })).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => p.a.create('x', { maxRetransmits: 1, maxPacketLifeTime: 1 })).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => p.a.create('x', { negotiated: true, id: 65535 })).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => p.a.create('x'.repeat(65536))).toThrow(expect.objectContaining({ name: 'TypeError' }));
    p.a.create('x', { negotiated: true, id: 3 });
    expect(() => p.a.create('y', { negotiated: true, id: 3 })).toThrow(expect.objectContaining({ name: 'OperationError' }));
    expect(p.a.create('z', { maxRetransmits: 70000 }).maxRetransmits).toBe(65535);
  });

  it('closes through stream resets in both directions, from either side', async () => {
    const p = fakePair();
    p.connect();
    const a = p.a.create('c');
    await tick();
    const b = p.incoming.b[0]!;
    const seen: string[] = [];
    for (const [n, ch] of [['a', a], ['b', b]] as const) {
      ch.onclosing = () => seen.push(`${n}-closing`);
      ch.onclose = () => seen.push(`${n}-close`);
    }
    b.close();
    expect(b.readyState).toBe('closing');
    await tick();
    await tick();
    expect(a.readyState).toBe('closed');
    expect(b.readyState).toBe('closed');
    expect(seen).toContain('a-close');
    expect(seen).toContain('b-close');
    expect(() => a.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError', code: 'ERR_DC_NOT_OPEN' }));
    // The stream id is free again.
    const again = p.a.create('again');
    expect(again.id).toBe(0);
  });

  it('refuses a send past maxMessageSize (TypeError) and past the high-water mark (typed error)', async () => {
    const p = fakePair({ maxMessageSize: 1000, highWaterMark: 3000 });
    p.connect();
    const ch = p.a.create('hw');
    await tick();
    expect(() => ch.send(new Uint8Array(1001))).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_DC_MESSAGE_TOO_LARGE' }));
    p.sa.stalled = true;
    ch.send(new Uint8Array(1000));
    ch.send(new Uint8Array(1000));
    ch.send(new Uint8Array(1000));
    expect(ch.bufferedAmount).toBe(3000);
    expect(() => ch.send(new Uint8Array(1))).toThrow(expect.objectContaining({ name: 'OperationError', code: 'ERR_DC_BUFFER_FULL' }));
    let low = 0;
    ch.bufferedAmountLowThreshold = 1000;
    ch.onbufferedamountlow = () => low++;
    p.sa.release();
    await tick();
    expect(low).toBe(1);
    expect(ch.bufferedAmount).toBe(0);
    ch.send(new Uint8Array(1));
  });

  it('drops garbage: bad DCEP, unknown streams, unknown PPIDs, OPEN on a used stream', async () => {
    const p = fakePair();
    p.connect();
    p.b.handleMessage(4, Ppid.Dcep, new Uint8Array([0x03, 1]));
    p.b.handleMessage(4, Ppid.String, new Uint8Array([1]));
    p.a.create('x');
    await tick();
    p.b.handleMessage(0, 99, new Uint8Array([1]));
    p.b.handleMessage(0, Ppid.Dcep, p.sa.sent[0]!.data);
    expect(p.b.drops.toJSON()).toEqual({ ERR_DCEP_DECODE: 1, 'data-on-unknown-stream': 1, 'unknown-ppid': 1, 'dcep-open-on-used-stream': 1 });
    expect(p.incoming.b).toHaveLength(1);
  });

  it('closes every channel with an error when the association aborts', async () => {
    const p = fakePair();
    p.connect();
    const ch = p.a.create('x');
    await tick();
    const errors: string[] = [];
    ch.onerror = (e) => errors.push(e.error.errorDetail ?? '');
    p.a.handleClosed(new Error('abort'));
    expect(ch.readyState).toBe('closed');
    expect(errors).toEqual(['sctp-failure']);
  });
});
