import { GccCore, type GccOptions } from '../../src/interceptor/gcc/gcc-core.js';
import { PacerCore } from '../../src/interceptor/gcc/pacer-core.js';
import { TwccRecorder } from '../../src/interceptor/twcc-recorder.js';
import { TransportCcFeedback } from '../../src/rtcp/transport-cc.js';

/** One capacity step of the bottleneck: from `atMs` on, the link carries `bps`. */
export interface CapacityStep {
  atMs: number;
  bps: number;
}

export interface BottleneckSimOptions {
  steps: readonly CapacityStep[];
  durationMs: number;
  /** One-way propagation delay each way (ms). */
  oneWayMs?: number;
  /** Drop-tail: a packet that would wait longer than this in the queue is lost. */
  maxQueueMs?: number;
  frameRate?: number;
  feedbackIntervalMs?: number;
  packetBytes?: number;
  gcc?: GccOptions;
}

export interface SimSample {
  tMs: number;
  targetBps: number;
  capacityBps: number;
  queueMs: number;
}

/**
 * A deterministic bottleneck on virtual time (1 ms steps): a video-like
 * source at the estimator's target rate (frames at `frameRate`, split into
 * packets), the pacer, a FIFO link of the stepped capacity with a drop-tail
 * queue, propagation each way, and a receiver sending transport-cc feedback
 * every `feedbackIntervalMs` through the wire format. Samples every 100 ms.
 */
export function simulateBottleneck(o: BottleneckSimOptions): SimSample[] {
  const oneWay = o.oneWayMs ?? 20;
  const maxQueueMs = o.maxQueueMs ?? 300;
  const frameMs = 1000 / (o.frameRate ?? 30);
  const fbInterval = o.feedbackIntervalMs ?? 100;
  const mtu = o.packetBytes ?? 1200;
  const gcc = new GccCore(o.gcc);
  const pacer = new PacerCore<{ seq: number; size: number }>(gcc.targetBitrate);
  const recorder = new TwccRecorder();
  const samples: SimSample[] = [];
  // In flight: arrivals at the receiver, and feedback on its way back.
  const toReceiver: { at: number; seq: number }[] = [];
  const toSender: { at: number; fb: Buffer }[] = [];
  let linkFreeAt = 0;
  let seq = 0;
  let nextFrame = 0;
  let nextFeedback = fbInterval;
  const capacityAt = (t: number): number => {
    let c = o.steps[0]!.bps;
    for (const s of o.steps) if (t >= s.atMs) c = s.bps;
    return c;
  };
  const send = (p: { seq: number; size: number }, t: number): void => {
    gcc.onPacketSent(p.seq, p.size, t);
    const start = Math.max(t, linkFreeAt);
    if (start - t > maxQueueMs) return; // tail drop
    linkFreeAt = start + (p.size * 8 * 1000) / capacityAt(start);
    toReceiver.push({ at: linkFreeAt + oneWay, seq: p.seq });
  };
  for (let t = 0; t <= o.durationMs; t++) {
    if (t >= nextFrame) {
      nextFrame += frameMs;
      let bytes = Math.max(mtu, Math.round(gcc.targetBitrate / 8 / (o.frameRate ?? 30)));
      while (bytes > 0) {
        const size = Math.min(mtu, Math.max(bytes, 100));
        bytes -= size;
        const p = { seq: seq++ & 0xffff, size };
        if (pacer.enqueue(p, size, t) === 'now') send(p, t);
      }
    }
    for (const p of pacer.poll(t)) send(p, t);
    while (toReceiver.length && toReceiver[0]!.at <= t) recorder.record(toReceiver.shift()!.seq, 1, t);
    if (t >= nextFeedback) {
      nextFeedback += fbInterval;
      for (const fb of recorder.feedback(2)) toSender.push({ at: t + oneWay, fb: serialize(fb) });
    }
    while (toSender.length && toSender[0]!.at <= t) {
      const raw = toSender.shift()!.fb;
      const est = gcc.onFeedback(TransportCcFeedback.parse(raw, 0, raw.length), t);
      pacer.setTargetBitrate(est.targetBitrate);
    }
    if (t % 100 === 0) samples.push({ tMs: t, targetBps: gcc.targetBitrate, capacityBps: capacityAt(t), queueMs: Math.max(0, linkFreeAt - t) });
  }
  return samples;
}

function serialize(fb: TransportCcFeedback): Buffer {
  const buf = Buffer.alloc(fb.serializedSize);
  fb.serializeTo(buf, 0);
  return buf;
}

/** Mean target over [fromMs, toMs). */
export function meanTarget(samples: readonly SimSample[], fromMs: number, toMs: number): number {
  const s = samples.filter((x) => x.tMs >= fromMs && x.tMs < toMs);
  return s.reduce((a, x) => a + x.targetBps, 0) / Math.max(s.length, 1);
}
