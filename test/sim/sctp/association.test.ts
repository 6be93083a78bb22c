import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import { SctpAssociationCore } from '../../../src/sctp/association-core.js';
import { SctpError } from '../../../src/sctp/errors.js';
import { checkMessage, makeMessage, Pair } from './harness.js';
import { chunkTypes, messageIndexes } from './packets.js';

const CLEAN = { delayMs: 5 };

function closedEvents(events: { type: string }[]): unknown[] {
  return events.filter((e) => e.type === 'closed');
}

describe('SCTP association setup', () => {
  it('establishes when both sides send INIT (collision), negotiating I-DATA and zero checksum', () => {
    const p = new Pair(1, CLEAN);
    p.connect();
    expect(p.aEvents[0]).toEqual({ type: 'connected', outboundStreams: 65535, inboundStreams: 65535 });
    expect(p.bEvents[0]).toEqual({ type: 'connected', outboundStreams: 65535, inboundStreams: 65535 });
    expect(p.a.interleaving && p.b.interleaving).toBe(true);
    expect(p.a.zeroChecksumInUse && p.b.zeroChecksumInUse).toBe(true);
  });

  it('establishes from one INIT (the other side passive) and negotiates the smaller stream counts', () => {
    const p = new Pair(2, CLEAN, { maxOutboundStreams: 10, maxInboundStreams: 20 }, { maxOutboundStreams: 300, maxInboundStreams: 7 });
    p.connect(30000, false);
    expect(p.a.outboundStreams).toBe(7);
    expect(p.a.inboundStreams).toBe(20);
    expect(p.b.outboundStreams).toBe(20);
    expect(p.b.inboundStreams).toBe(7);
  });

  it('falls back to DATA and CRC32c when the peer offers neither I-DATA nor zero checksum', () => {
    const p = new Pair(3, CLEAN, {}, { interleaving: false, zeroChecksum: false });
    p.connect();
    expect(p.a.interleaving).toBe(false);
    expect(p.a.zeroChecksumInUse).toBe(false);
    const got: number[] = [];
    p.onB = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    p.a.send(1, 53, makeMessage(1, 5000));
    p.run(p.now + 1000, () => got.length === 1);
    expect(got).toEqual([1]);
  });

  it('retransmits lost INIT and COOKIE-ECHO (T1) with backoff', () => {
    let dropped = 0;
    const p = new Pair(4, { ab: { delayMs: 5, filter: (d) => (chunkTypes(d)[0] === 1 || chunkTypes(d)[0] === 10) && dropped++ < 3 }, ba: CLEAN });
    p.connect(30000, false);
    expect(dropped).toBeGreaterThanOrEqual(3);
    expect(p.now).toBeGreaterThan(1000 + 2000 + 4000 - 1);
  });

  it('closes with reason timeout when the peer never answers INIT', () => {
    const p = new Pair(5, { ab: { delayMs: 5, filter: () => true }, ba: CLEAN }, { maxInitRetransmits: 3, rtoInitialMs: 100 });
    p.a.connect(0);
    p.run(60000);
    expect(p.a.state).toBe('closed');
    expect(p.aEvents).toContainEqual(expect.objectContaining({ type: 'closed', reason: 'timeout' }));
    expect(p.a.pollTimeout()).toBeUndefined();
  });

  it('answers a flood of INITs with a bounded number of INIT-ACKs and no state', () => {
    const attacker = new SctpAssociationCore({ rng: new SeededRng(99) });
    const victim = new SctpAssociationCore({ rng: new SeededRng(98) });
    attacker.connect(0);
    const init = attacker.pollTransmit()!;
    for (let i = 0; i < 200; i++) victim.handleInput(init, 10);
    let acks = 0;
    while (victim.pollTransmit()) acks++;
    expect(acks).toBe(16);
    expect(victim.stats.dropped['init-flood']).toBe(184);
    expect(victim.state).toBe('closed');
  });
});

describe('SCTP association lifetime', () => {
  it('sends heartbeats on an idle association and measures the RTT', () => {
    const p = new Pair(6, { delayMs: 40 }, { heartbeatIntervalMs: 1000 });
    p.connect();
    p.run(p.now + 5000);
    expect(p.a.stats.srttMs).toBeGreaterThan(70);
    expect(p.a.stats.srttMs).toBeLessThan(100);
    expect(p.a.state).toBe('established');
  });

  it('closes with reason timeout when the peer goes silent (heartbeats unanswered)', () => {
    let silent = false;
    const p = new Pair(7, { ab: CLEAN, ba: { delayMs: 5, filter: () => silent } }, { heartbeatIntervalMs: 500, maxAssociationRetransmits: 3 });
    p.connect();
    silent = true;
    p.run(p.now + 60000);
    expect(p.a.state).toBe('closed');
    expect(p.aEvents).toContainEqual(expect.objectContaining({ type: 'closed', reason: 'timeout' }));
  });

  it('closes with reason timeout when DATA is never acknowledged', () => {
    let silent = false;
    const p = new Pair(8, { ab: CLEAN, ba: { delayMs: 5, filter: () => silent } }, { maxAssociationRetransmits: 4 });
    p.connect();
    silent = true;
    p.a.send(0, 53, makeMessage(0, 100));
    p.run(p.now + 120000);
    expect(p.aEvents).toContainEqual(expect.objectContaining({ type: 'closed', reason: 'timeout' }));
    expect(p.a.stats.t3Expirations).toBe(4); // the 5th expiry exceeds the limit and closes
  });

  it('shuts down gracefully after delivering queued data', () => {
    const p = new Pair(9, { delayMs: 5, loss: 0.05 });
    p.connect();
    const got: number[] = [];
    p.onB = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    for (let i = 0; i < 50; i++) p.a.send(0, 53, makeMessage(i, 3000));
    p.a.shutdown(p.now);
    expect(() => p.a.send(0, 53, makeMessage(0, 10))).toThrow(SctpError);
    p.run(p.now + 60000, () => p.a.state === 'closed' && p.b.state === 'closed');
    expect(got).toEqual([...Array(50).keys()]);
    expect(closedEvents(p.aEvents)).toEqual([{ type: 'closed', reason: 'shutdown' }]);
    expect(closedEvents(p.bEvents)).toEqual([{ type: 'closed', reason: 'shutdown' }]);
    expect(p.a.pollTimeout()).toBeUndefined();
    expect(p.b.pollTimeout()).toBeUndefined();
  });

  it('aborts: the peer sees reason abort, the local side reason local, nothing is sent afterwards', () => {
    const p = new Pair(10, CLEAN);
    p.connect();
    p.a.send(0, 53, makeMessage(0, 100));
    p.a.abort('bye');
    p.run(p.now + 1000);
    expect(closedEvents(p.aEvents)).toEqual([{ type: 'closed', reason: 'local' }]);
    expect(p.bEvents).toContainEqual(expect.objectContaining({ type: 'closed', reason: 'abort' }));
    expect(() => p.a.send(0, 53, makeMessage(0, 10))).toThrow(expect.objectContaining({ code: 'ERR_SCTP_CLOSED' }));
    expect(p.a.pollTransmit()).toBeUndefined();
  });
});

describe('SCTP stream reset (RFC 6525)', () => {
  it.each([true, false])('resets an outgoing stream after its queued data, both sides notified (I-DATA %s, 5% loss)', (interleaving) => {
    const p = new Pair(11, { delayMs: 10, loss: 0.05 }, { interleaving });
    p.connect();
    const got: [number, number][] = [];
    p.onB = (e) => e.type === 'message' && got.push([e.streamId, checkMessage(e.data)]);
    for (let i = 0; i < 20; i++) p.a.send(3, 53, makeMessage(i, 2000));
    p.a.resetStreams([3]);
    expect(() => p.a.send(3, 53, makeMessage(0, 10))).toThrow(expect.objectContaining({ code: 'ERR_SCTP_INVALID_STATE' }));
    p.run(p.now + 30000, () => p.aEvents.some((e) => e.type === 'outgoing-reset-done'));
    expect(got.length).toBe(20);
    expect(p.bEvents).toContainEqual({ type: 'stream-reset', streamIds: [3] });
    expect(p.aEvents).toContainEqual({ type: 'outgoing-reset-done', streamIds: [3] });
    // The stream is usable again, its sequence numbers restarted at 0.
    p.a.send(3, 53, makeMessage(100, 10));
    p.a.send(3, 53, makeMessage(101, 10));
    p.run(p.now + 30000, () => got.length === 22);
    expect(got.slice(20)).toEqual([
      [3, 100],
      [3, 101],
    ]);
  });
});

describe('SCTP send API', () => {
  it('throws typed errors: too big, buffer full, bad stream, empty', () => {
    const p = new Pair(12, CLEAN, { maxMessageSize: 1000, sendHighWaterMark: 3000 }, { maxInboundStreams: 4 });
    p.connect();
    const code = (f: () => void): string | undefined => {
      try {
        f();
      } catch (e) {
        return (e as SctpError).code;
      }
      return undefined;
    };
    expect(code(() => p.a.send(0, 53, new Uint8Array(1001)))).toBe('ERR_SCTP_MESSAGE_TOO_BIG');
    expect(code(() => p.a.send(4, 53, new Uint8Array(10)))).toBe('ERR_SCTP_BAD_STREAM');
    expect(code(() => p.a.send(0, 53, new Uint8Array(0)))).toBe('ERR_SCTP_INVALID_ARGUMENT');
    for (let i = 0; i < 3; i++) p.a.send(0, 53, new Uint8Array(1000));
    expect(code(() => p.a.send(0, 53, new Uint8Array(1)))).toBe('ERR_SCTP_BUFFER_FULL');
    expect(p.a.bufferedAmount(0)).toBe(3000);
  });

  it('queues messages sent before the association is up and sends them once it is', () => {
    const p = new Pair(17, CLEAN);
    const got: number[] = [];
    p.onB = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    p.a.send(0, 50, makeMessage(0, 20));
    p.a.send(1, 53, makeMessage(1, 5000));
    expect(p.a.bufferedAmount(1)).toBe(5000);
    p.connect();
    p.run(p.now + 1000, () => got.length === 2);
    expect(got).toEqual([0, 1]);
  });

  it('reports buffered-amount-low when the stream drains to its threshold', () => {
    const p = new Pair(13, { delayMs: 20, bandwidthBps: 10e6 });
    p.connect();
    p.a.setBufferedAmountLowThreshold(2, 10_000);
    for (let i = 0; i < 40; i++) p.a.send(2, 53, makeMessage(i, 5000));
    expect(p.a.bufferedAmount(2)).toBe(200_000);
    p.run(p.now + 10000, () => p.aEvents.some((e) => e.type === 'buffered-amount-low'));
    expect(p.aEvents.filter((e) => e.type === 'buffered-amount-low')).toEqual([{ type: 'buffered-amount-low', streamId: 2 }]);
    expect(p.a.bufferedAmount(2)).toBeLessThanOrEqual(10_000);
  });
});

describe('SCTP partial reliability drops exactly what it should', () => {
  /**
   * A link that drops every packet carrying the first fragment of message `victim` while
   * `active()`; counts them. Messages of 1,100 bytes travel one per packet, so only the victim is hit.
   */
  function victimPair(seed: number, victim: number, active: (n: number) => boolean, opts = {}): { p: Pair; hits: () => number } {
    let hits = 0;
    const p = new Pair(
      seed,
      {
        ab: {
          delayMs: 10,
          filter: (d) => {
            if (!messageIndexes(d).includes(victim)) return false;
            hits++;
            return active(hits);
          },
        },
        ba: { delayMs: 10 },
      },
      opts,
    );
    return { p, hits: () => hits };
  }

  it.each([true, false])('maxRetransmits=2: the victim is sent 3 times then skipped; all others arrive in order (I-DATA %s)', (interleaving) => {
    const { p, hits } = victimPair(14, 5, () => true, { interleaving });
    p.connect();
    const got: number[] = [];
    p.onB = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    for (let i = 0; i < 20; i++) p.a.send(0, 53, makeMessage(i, 1100), { maxRetransmits: 2 });
    p.run(p.now + 30000, () => got.length === 19);
    p.run(p.now + 5000);
    expect(got).toEqual([...Array(20).keys()].filter((i) => i !== 5));
    expect(hits()).toBe(3);
    expect(p.a.stats.abandonedMessages).toBe(1);
  });

  it('lifetime 500 ms: the victim is retried until its lifetime ends, then skipped', () => {
    let last = 0;
    const { p, hits } = victimPair(15, 3, () => {
      last = p.now;
      return true;
    });
    p.connect();
    const got: number[] = [];
    p.onB = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    const t0 = p.now;
    for (let i = 0; i < 10; i++) p.a.send(1, 53, makeMessage(i, 1100), { maxPacketLifeTimeMs: 500 }, t0);
    p.run(p.now + 10000, () => got.length === 9);
    p.run(p.now + 5000);
    expect(got).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    expect(hits()).toBeGreaterThan(1);
    expect(last - t0).toBeLessThanOrEqual(500);
    expect(p.a.stats.abandonedMessages).toBe(1);
  });

  it('a reliable message survives the same losses', () => {
    const { p } = victimPair(16, 5, (n) => n <= 4);
    p.connect();
    const got: number[] = [];
    p.onB = (e) => e.type === 'message' && got.push(checkMessage(e.data));
    for (let i = 0; i < 20; i++) p.a.send(0, 53, makeMessage(i, 1100));
    p.run(p.now + 60000, () => got.length === 20);
    expect(got).toEqual([...Array(20).keys()]);
    expect(p.a.stats.abandonedMessages).toBe(0);
  });
});
