import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DataChannelRegistry } from '../../../src/datachannel/data-channel-registry.js';
import { RTCSctpTransport } from '../../../src/datachannel/rtc-sctp-transport.js';
import { cryptoRng } from '../../../src/common/rng.js';
import { systemClock } from '../../../src/common/clock.js';
import { FakeSctp, fakePair, tick } from '../../support/fake-sctp.js';

describe('RTCDataChannel.stream() over a stand-in association', () => {
  it('pipes a source through with bounded buffering and closes the channel at the end', async () => {
    const p = fakePair();
    p.connect();
    const ch = p.a.create('s');
    await tick();
    const remote = p.incoming.b[0]!;
    const chunk = Buffer.alloc(64 * 1024, 3);
    let produced = 0;
    let maxBuffered = 0;
    // Deliveries are held and released in slices: the writer must wait on bufferedAmount.
    p.sa.stalled = true;
    const release = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, ch.bufferedAmount);
      p.sa.release();
      p.sa.stalled = true;
    }, 2);
    const source = new Readable({
      read() {
        if (produced >= 4 * 1024 * 1024) return this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    let received = 0;
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        received += c.length;
        cb();
      },
    });
    const reading = pipeline(remote.stream(), sink);
    await pipeline(source, ch.stream({ highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024 }));
    clearInterval(release);
    p.sa.release();
    await reading;
    expect(received).toBe(4 * 1024 * 1024);
    expect(maxBuffered).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(ch.readyState).toBe('closed');
    expect(remote.readyState).toBe('closed');
  });

  it('cuts writes into messages no larger than maxMessageSize', async () => {
    const p = fakePair({ maxMessageSize: 1000 });
    p.connect();
    const ch = p.a.create('s');
    await tick();
    const s = ch.stream();
    await new Promise<void>((resolve, reject) => s.write(Buffer.alloc(2500), (err) => (err ? reject(err) : resolve())));
    expect(p.sa.sent.slice(1).map((x) => x.data.length)).toEqual([1000, 1000, 500]);
  });

  it('detached channels deliver to the stream only (SettingEngine.detachDataChannels)', async () => {
    const incoming: unknown[] = [];
    const mk = (detached: boolean) => new DataChannelRegistry({ maxMessageSize: () => 65536, onDataChannel: (c) => incoming.push(c), detached });
    const a = mk(false);
    const b = mk(true);
    a.setRole('client');
    b.setRole('server');
    const sa = new FakeSctp(a);
    const sb = new FakeSctp(b);
    sa.peer = sb;
    sb.peer = sa;
    a.handleConnected(sa, 16, 16);
    b.handleConnected(sb, 16, 16);
    const ch = a.create('d');
    await tick();
    const remote = incoming[0] as ReturnType<typeof a.create>;
    let onmessage = 0;
    remote.onmessage = () => onmessage++;
    const chunks: Buffer[] = [];
    remote.detach().on('data', (c: Buffer) => chunks.push(c));
    ch.send('abc');
    await tick();
    expect(Buffer.concat(chunks).toString()).toBe('abc');
    expect(onmessage).toBe(0);
  });
});

describe('RTCSctpTransport.maxMessageSize (W3C §6.1.1, RFC 8841 §6)', () => {
  it('is the smaller of ours and the remote a=max-message-size, 64 KiB when absent, ours when 0', () => {
    const t = new RTCSctpTransport({ clock: systemClock, rng: cryptoRng, onDataChannel: () => undefined });
    expect(t.maxMessageSize).toBe(65536);
    t.setRemote({ port: 5000, maxMessageSize: 0 });
    expect(t.maxMessageSize).toBe(262144);
    t.setRemote({ port: 5000, maxMessageSize: 100_000 });
    expect(t.maxMessageSize).toBe(100_000);
    expect(t.maxChannels).toBeNull();
    expect(t.state).toBe('connecting');
    t.close();
    expect(t.state).toBe('closed');
  });
});
