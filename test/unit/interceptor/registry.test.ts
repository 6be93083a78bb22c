import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { InvalidArgumentError } from '../../../src/common/errors.js';
import { getLogger } from '../../../src/common/log.js';
import { SeededRng } from '../../../src/common/rng.js';
import { Attributes } from '../../../src/interceptor/attributes.js';
import { InterceptorChain } from '../../../src/interceptor/chain.js';
import { NoOpInterceptor, type InterceptorContext, type RTPWriter, type StreamInfo } from '../../../src/interceptor/interceptor.js';
import { InterceptorRegistry, registerDefaultInterceptors } from '../../../src/interceptor/registry.js';
import { TRANSPORT_CC_URI, TwccHeaderExtensionInterceptor } from '../../../src/interceptor/twcc-header-extension.js';
import { PictureLossIndication, serializeRtcp } from '../../../src/rtcp/index.js';
import { RtpHeaderView } from '../../../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';

const context: InterceptorContext = { id: 'pc1', clock: new FakeClock(), rng: new SeededRng(1), log: getLogger('pc') };
const info: StreamInfo = {
  id: 'pc1',
  ssrc: 1,
  ssrcRetransmission: 0,
  payloadType: 96,
  mimeType: 'video/VP8',
  clockRate: 90000,
  channels: 0,
  sdpFmtpLine: '',
  rtpHeaderExtensions: [{ uri: TRANSPORT_CC_URI, id: 5 }],
  rtcpFeedback: [],
  mid: '0',
  rid: undefined,
};

/** Records the order writers run in. */
class Tag extends NoOpInterceptor {
  constructor(
    readonly name: string,
    readonly log: string[],
  ) {
    super();
  }
  override bindLocalStream(_info: StreamInfo, writer: RTPWriter): RTPWriter {
    return { write: (p, a) => (this.log.push(this.name), writer.write(p, a)) };
  }
  override close(): void {
    this.log.push(`close ${this.name}`);
    if (this.name === 'boom') throw new Error('close failed');
  }
}

const factory = (name: string, log: string[]) => ({ name, newInterceptor: () => new Tag(name, log) });

describe('InterceptorRegistry', () => {
  it('adds, inserts, removes and reorders by name, refusing duplicates and bad input', () => {
    const log: string[] = [];
    const r = new InterceptorRegistry().add(factory('a', log)).add(factory('c', log)).insert(1, factory('b', log));
    expect(r.names).toEqual(['a', 'b', 'c']);
    expect(() => r.add(factory('a', log))).toThrow(InvalidArgumentError);
    expect(() => r.insert(9, factory('d', log))).toThrow(InvalidArgumentError);
    expect(() => r.add({ name: '', newInterceptor: () => new NoOpInterceptor() })).toThrow(InvalidArgumentError);
    expect(() => r.reorder(['a', 'b'])).toThrow(InvalidArgumentError);
    r.reorder(['c', 'a', 'b']);
    expect(r.names).toEqual(['c', 'a', 'b']);
    expect(r.remove('a')).toBe(true);
    expect(r.remove('a')).toBe(false);
    expect(r.size).toBe(2);
  });

  it('builds nothing when empty, the interceptor itself for one, a chain for several', () => {
    expect(new InterceptorRegistry().build(context)).toBeUndefined();
    const log: string[] = [];
    expect(new InterceptorRegistry().add(factory('a', log)).build(context)).toBeInstanceOf(Tag);
    expect(new InterceptorRegistry().add(factory('a', log)).add(factory('b', log)).build(context)).toBeInstanceOf(InterceptorChain);
  });

  it('registers the transport-cc sequence writer by default, once', () => {
    const r = registerDefaultInterceptors(registerDefaultInterceptors(new InterceptorRegistry()));
    expect(r.names).toEqual(['twcc-sender']);
  });
});

describe('InterceptorChain', () => {
  it('runs writers from the last registered (nearest the application) to the first (nearest the transport)', () => {
    const log: string[] = [];
    const chain = new InterceptorRegistry().add(factory('first', log)).add(factory('second', log)).build(context)!;
    const out: Buffer[] = [];
    const w = chain.bindLocalStream(info, { write: (p) => (log.push('transport'), out.push(p), true) });
    expect(w.write(Buffer.alloc(12), new Attributes())).toBe(true);
    expect(log).toEqual(['second', 'first', 'transport']);
  });

  it('closes every interceptor even when one throws, then reports the error', () => {
    const log: string[] = [];
    const chain = new InterceptorChain([new Tag('boom', log), new Tag('after', log)]);
    expect(() => chain.close()).toThrow('close failed');
    expect(log).toEqual(['close boom', 'close after']);
  });
});

describe('Attributes', () => {
  it('parses an RTP header and RTCP packets once per packet', () => {
    const a = new Attributes();
    const rtp = new RtpPacket({ payloadType: 96, sequenceNumber: 9, ssrc: 3 }, Buffer.from([1])).serialize();
    const h = a.rtpHeader(rtp);
    expect(a.rtpHeader(rtp)).toBe(h);
    expect(h.sequenceNumber).toBe(9);
    const rtcp = serializeRtcp([new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 2 })]);
    const b = new Attributes();
    expect(b.rtcpPackets(rtcp)).toBe(b.rtcpPackets(rtcp));
    b.set('k', 1);
    expect(b.get('k')).toBe(1);
  });
});

describe('TwccHeaderExtensionInterceptor', () => {
  it('writes consecutive transport-wide sequence numbers across streams and keeps an existing one', () => {
    const i = new TwccHeaderExtensionInterceptor(65534);
    const out: Buffer[] = [];
    const sink: RTPWriter = { write: (p) => (out.push(p), true) };
    const w1 = i.bindLocalStream(info, sink);
    const w2 = i.bindLocalStream({ ...info, ssrc: 2 }, sink);
    const packet = (ssrc: number): Buffer => new RtpPacket({ payloadType: 96, sequenceNumber: 1, ssrc }, Buffer.from([1, 2])).serialize();
    w1.write(packet(1), new Attributes());
    w2.write(packet(2), new Attributes());
    w1.write(packet(1), new Attributes());
    expect(out.map((p) => new RtpHeaderView(p).readExtensionUint(5))).toEqual([65534, 65535, 0]);
    const stamped = out[0]!;
    w1.write(stamped, new Attributes());
    expect(new RtpHeaderView(out[3]!).readExtensionUint(5)).toBe(65534);
    // A stream without the negotiated extension passes untouched.
    const plain = i.bindLocalStream({ ...info, rtpHeaderExtensions: [] }, sink);
    expect(plain).toBe(sink);
  });
});
