import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtpPacket, type Clock, type TimerHandle, type TrackLocalBinding } from '../../../src/index.js';
import {
  AddressCounter,
  Forwarder,
  isKeyFrameStart,
  KeyFrameRequester,
  LocalRoomDirectory,
  MAX_SIGNAL_BYTES,
  parseClientMessage,
  parseSfuCli,
  sfuCliHelp,
  prometheusText,
  randomAlnum,
  TokenBucket,
} from '../../../src/sfu-ws/index.js';

/** A manual clock: timers run when `advance` passes them. */
class FakeClock implements Clock {
  t = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.t;
  }
  wallMs(): number {
    return 1_700_000_000_000 + this.t;
  }
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + delayMs, fn });
    return id as unknown as TimerHandle;
  }
  clearTimer(h: TimerHandle): void {
    this.#timers.delete(h as unknown as number);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

const KEY = Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a]);
const DELTA = Buffer.from([0x10, 0x01, 0x00, 0x00, 0x00]);

describe('sfu-ws protocol validation', () => {
  it('never throws on arbitrary input, and accepts only typed messages within their caps', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ type: 'candidate', candidate: v }))), (text) => {
        const m = parseClientMessage(text);
        if (m !== undefined) expect(['join', 'answer', 'candidate', 'remove', 'layer', 'leave']).toContain(m.type);
      }),
    );
    expect(parseClientMessage('{"type":"join","token":"abc"}')).toEqual({ type: 'join', token: 'abc' });
    expect(parseClientMessage(JSON.stringify({ type: 'join', token: 'x'.repeat(200) }))).toBeUndefined();
    expect(parseClientMessage(JSON.stringify({ type: 'answer', sdp: 'v=0'.padEnd(MAX_SIGNAL_BYTES + 1) }))).toBeUndefined();
    expect(parseClientMessage(JSON.stringify({ type: 'candidate', candidate: { candidate: 'c'.repeat(2000) } }))).toBeUndefined();
    expect(parseClientMessage('{"type":"candidate","candidate":null}')).toEqual({ type: 'candidate', candidate: null });
    expect(parseClientMessage('{"type":"layer","trackId":"t","rid":null}')).toEqual({ type: 'layer', trackId: 't', rid: null });
  });
});

describe('sfu-ws key frames', () => {
  it('finds key-frame starts for VP8, VP9 and H.264, and never throws on garbage', () => {
    expect(isKeyFrameStart('video/VP8', KEY)).toBe(true);
    expect(isKeyFrameStart('video/VP8', DELTA)).toBe(false);
    // VP8 with extended descriptor: X, I (15-bit picture id), then the frame tag.
    expect(isKeyFrameStart('video/VP8', Buffer.from([0x90, 0x80, 0x81, 0x23, 0x9c]))).toBe(true);
    expect(isKeyFrameStart('video/H264', Buffer.from([0x65]))).toBe(true);
    expect(isKeyFrameStart('video/H264', Buffer.from([0x7c, 0x85]))).toBe(true); // FU-A start of an IDR
    expect(isKeyFrameStart('video/H264', Buffer.from([0x78, 0x00, 0x02, 0x67, 0x42]))).toBe(true); // STAP-A with SPS
    expect(isKeyFrameStart('video/H264', Buffer.from([0x41]))).toBe(false);
    expect(isKeyFrameStart('video/VP9', Buffer.from([0x08]))).toBe(true);
    expect(isKeyFrameStart('audio/opus', Buffer.from([1]))).toBeUndefined();
    fc.assert(fc.property(fc.constantFrom('video/VP8', 'video/VP9', 'video/H264'), fc.uint8Array({ maxLength: 64 }), (mime, p) => void isKeyFrameStart(mime, p)));
  });

  it('rate-limits key-frame requests, deferring (not dropping) one inside the interval', () => {
    const clock = new FakeClock();
    let sent = 0;
    const r = new KeyFrameRequester(clock, () => sent++, 500);
    r.request();
    r.request();
    r.request();
    expect(sent).toBe(1);
    clock.advance(499);
    expect(sent).toBe(1);
    clock.advance(1);
    expect(sent).toBe(2);
    clock.advance(1000);
    expect(sent).toBe(2);
    r.close();
  });
});

describe('sfu-ws limits and directory', () => {
  it('token bucket and per-address counter', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(100)).toBe(true);
    const a = new AddressCounter(2, 2);
    expect([a.acquire('x'), a.acquire('x'), a.acquire('x'), a.acquire('y'), a.acquire('z')]).toEqual([true, true, false, true, false]);
    a.release('x');
    expect(a.acquire('x')).toBe(true);
  });

  it('grants are single-use, expire, and are bounded', async () => {
    const d = new LocalRoomDirectory({ maxGrants: 2, maxRooms: 1 });
    const room = await d.createRoom({ maxParticipants: 4, secured: true });
    await expect(d.createRoom({ maxParticipants: 4, secured: true })).rejects.toMatchObject({ code: 'ERR_SFU_TOO_MANY_ROOMS' });
    const g = await d.issueGrant(room.id, 'host', 0, 1000);
    expect(g.token).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await d.redeemGrant(g.token, 10)).toMatchObject({ room: room.id, role: 'host' });
    expect(await d.redeemGrant(g.token, 10)).toBeUndefined();
    const late = await d.issueGrant(room.id, 'participant', 0, 1000);
    expect(await d.redeemGrant(late.token, 1000)).toBeUndefined();
    await d.issueGrant(room.id, 'participant', 0, 10);
    await d.issueGrant(room.id, 'participant', 0, 10);
    await expect(d.issueGrant(room.id, 'participant', 5, 10)).rejects.toMatchObject({ code: 'ERR_SFU_TOO_MANY_GRANTS' });
    // Expired grants make room again.
    await d.issueGrant(room.id, 'participant', 20, 10);
    expect(randomAlnum({ bytes: (n: number) => Buffer.alloc(n, 61), uint32: () => 0, float: () => 0 }, 5)).toBe('99999');
  });
});

describe('sfu-ws forwarding', () => {
  function binding(clockRate = 90000): TrackLocalBinding & { out: Buffer[] } {
    const out: Buffer[] = [];
    return { ssrc: 0xabc, payloadType: 100, clockRate, initialSequenceNumber: 1000, initialTimestamp: 5000, writeRtp: (p) => out.push(p), out };
  }
  const pkt = (seq: number, ts: number, ssrc: number, payload: Buffer): RtpPacket => new RtpPacket({ payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, ssrc, marker: true }, payload);

  it('starts on a key frame, rewrites SSRC and payload type, and stays continuous across a source change and a layer switch', () => {
    const clock = new FakeClock();
    const plis: number[] = [];
    const fwd = new Forwarder({ id: 't', streamId: 's', codec: { mimeType: 'video/VP8', clockRate: 90000 }, clock, source: { requestKeyFrame: (ssrc) => plis.push(ssrc) } });
    expect(fwd.setLayer('', 111)).toBe(0);
    const down = fwd.subscribe();
    const b = binding();
    down.bind(b);
    expect(plis).toEqual([111]); // a new subscriber asks for a key frame at once
    fwd.write(pkt(1, 100, 111, DELTA), 0);
    expect(b.out).toHaveLength(0);
    fwd.write(pkt(2, 3100, 111, KEY), 0);
    fwd.write(pkt(3, 6100, 111, DELTA), 0);
    expect(b.out.map((p) => [p.readUInt16BE(2), p.readUInt32BE(4), p.readUInt32BE(8), p[1]! & 0x7f])).toEqual([
      [1000, 5000, 0xabc, 100],
      [1001, 8000, 0xabc, 100],
    ]);
    // Re-publish: a new SSRC with unrelated numbers continues right after.
    clock.advance(33);
    fwd.setLayer('', 222);
    fwd.write(pkt(40_000, 9_999_999, 222, KEY), 0);
    const last = b.out[b.out.length - 1]!;
    expect(last.readUInt16BE(2)).toBe(1002);
    expect(last.readUInt32BE(4)).toBe(8000 + 33 * 90);
    // The buffer each subscriber gets is its own (the sender keeps it for NACKs).
    expect(new Set(b.out.map((x) => x.buffer === b.out[0]!.buffer && x.byteOffset === b.out[0]!.byteOffset)).size).toBeGreaterThan(0);
  });

  it('switches simulcast layers only on a key frame of the target layer', () => {
    const clock = new FakeClock();
    const fwd = new Forwarder({ id: 't', streamId: 's', codec: { mimeType: 'video/VP8', clockRate: 90000 }, clock, source: { requestKeyFrame: () => undefined } });
    fwd.setLayer('l', 1);
    fwd.setLayer('h', 2);
    const down = fwd.subscribe();
    const b = binding();
    down.requestedRid = 'l';
    down.updateTarget();
    down.bind(b);
    fwd.write(pkt(10, 0, 1, KEY), 0);
    fwd.write(pkt(500, 0, 2, KEY), 1);
    fwd.write(pkt(11, 3000, 1, DELTA), 0);
    expect(b.out).toHaveLength(2);
    down.requestedRid = 'h';
    down.updateTarget();
    fwd.write(pkt(501, 3000, 2, DELTA), 1); // not a key frame: no switch yet
    fwd.write(pkt(12, 6000, 1, DELTA), 0);
    expect(down.layer).toBe(0);
    clock.advance(33);
    fwd.write(pkt(502, 6000, 2, KEY), 1);
    fwd.write(pkt(13, 9000, 1, DELTA), 0); // the old layer is no longer forwarded
    expect(down.layer).toBe(1);
    expect(b.out.map((p) => p.readUInt16BE(2))).toEqual([1000, 1001, 1002, 1003]);
    expect(down.switches).toBe(1);
  });
});

describe('sfu-ws operations', () => {
  it('prints Prometheus text', () => {
    const text = prometheusText({
      node: 'n1',
      rooms: 1,
      peers: 2,
      tracks: 1,
      connections: 2,
      mux: null,
      dropped: { malformed: 3 },
      roomList: [{ id: 'r"1', host: 'p1', participants: [], tracks: [{ id: 't', publisher: 'p1', kind: 'video', mimeType: 'video/VP8', bitrateBps: 1000, packets: 5, loss: 0.01, rttMs: 2, subscribers: 1, layers: [], subscriberLayers: [] }] }],
    });
    expect(text).toContain('sfu_rooms 1\n');
    expect(text).toContain('sfu_node_info{node="n1"} 1\n');
    expect(text).toContain('sfu_track_bitrate_bps{room="r\\"1",track="t",kind="video"} 1000');
    expect(text).toContain('sfu_dropped_total{reason="malformed"} 3');
    expect(text).toMatch(/# TYPE sfu_peers gauge/);
  });

  it('parses flags over environment variables, with the Origin check on for 0.0.0.0', () => {
    expect(parseSfuCli(['--help'], {})).toBe('help');
    const clustered = parseSfuCli(['--redis', 'redis://127.0.0.1:6379', '--node-url=http://10.0.0.5:8080/'], { NODE_ID: 'edge-1' });
    expect(clustered).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', nodeUrl: 'http://10.0.0.5:8080', nodeId: 'edge-1' });
    expect(parseSfuCli([], { REDIS_URL: 'redis://r:6379' })).toMatchObject({ redisUrl: 'redis://r:6379' });
    expect(parseSfuCli([], {})).not.toHaveProperty('redisUrl');
    expect(() => parseSfuCli(['--redis', 'http://r'], {})).toThrow(/--redis/);
    expect(sfuCliHelp()).toContain('--redis URL');
    const local = parseSfuCli([], {});
    if (local === 'help') throw new Error('unexpected');
    expect(local).toMatchObject({ host: '127.0.0.1', httpPort: 8080, options: { media: { mode: 'single-port', udpPort: 8443, tcpPort: 8443 } } });
    expect(local.options.allowedOrigins).toBeUndefined();
    const pub = parseSfuCli(['--host', '0.0.0.0', '--nat-1to1=203.0.113.7', '--ice-servers', 'stun:stun.example:3478,turn:u:p@turn.example:3478', '--port', '9000'], { MEDIA_PORT: '5000' });
    if (pub === 'help') throw new Error('unexpected');
    expect(pub.options.allowedOrigins).toEqual([]);
    expect(pub.options.iceServers).toEqual([{ urls: 'stun:stun.example:3478' }, { urls: 'turn:turn.example:3478', username: 'u', credential: 'p' }]);
    expect(pub.options.settingEngine!.values.nat1To1IPs).toEqual(['203.0.113.7']);
    expect(pub.options.media).toMatchObject({ udpPort: 5000 });
    const range = parseSfuCli(['--no-single-port', '--port-range', '40000-40100'], {});
    if (range === 'help') throw new Error('unexpected');
    expect(range.options.media).toEqual({ mode: 'per-peer' });
    expect(range.options.settingEngine!.values).toMatchObject({ portMin: 40000, portMax: 40100 });
    expect(() => parseSfuCli(['--bogus'], {})).toThrow(/unknown option/);
  });
});
