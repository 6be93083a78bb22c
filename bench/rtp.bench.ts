/**
 * rtp-parse-pkts-per-sec: parse an RTP packet (12-byte header, one-byte
 * header extensions mid / abs-send-time / transport-cc, 1000-byte payload)
 * and read its fields and the three extensions.
 *   ours   RtpHeaderView.reset (the zero-copy hot-path form) + field reads and the three
 *          extensions located in place (locateExtension, no allocation)
 *   werift werift-rtp RtpPacket.deSerialize + the same reads
 *   pion   pion/rtp Packet.Unmarshal + the same reads (test/interop/pion/srtp-bench -mode rtp-parse)
 * notes.oursObject is tern's full object form (RtpPacket.parse). Rates are
 * per CPU-second of the process, over alternating batches of 2000 packets, medians.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RtpPacket as WeriftRtpPacket } from 'werift-rtp';
import { absSendTime, sdesMid, transportSequenceNumber } from '../src/rtp/extension-codecs.js';
import { RtpHeader } from '../src/rtp/rtp-header.js';
import { RtpHeaderView } from '../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../src/rtp/rtp-packet.js';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { median, round } from './stats.js';
import type { Bench } from './types.js';

const ROUNDS = 21;
const RUN_MS = 60;
const BATCH = 2000;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** CPU microseconds (user + system) spent running `step` `n` times. */
function cpuUsOf(step: () => void, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) step();
  const u = process.cpuUsage(start);
  return u.user + u.system;
}

function pionFigure(): number | null {
  if (!pionAvailable()) return null;
  try {
    const out = execFileSync(pionBinary('srtp-bench'), ['-mode', 'rtp-parse', '-ms', '200', '-runs', '7'], {
      encoding: 'utf8',
      env: { ...process.env, GOMAXPROCS: '1' },
      timeout: 60_000,
    });
    return median((JSON.parse(out) as { pktsPerCpuSec: number[] }).pktsPerCpuSec);
  } catch (err) {
    console.error('pion rtp-parse failed:', err);
    return null;
  }
}

function packets(): Buffer[] {
  return Array.from({ length: 64 }, (_, i) => {
    const h = new RtpHeader({ payloadType: 96, sequenceNumber: i, timestamp: i * 3000, ssrc: 0x1234, marker: i % 8 === 0 });
    h.setExtensionValue(1, sdesMid, '0');
    h.setExtensionValue(2, absSendTime, (i * 1000) & 0xffffff);
    h.setExtensionValue(3, transportSequenceNumber, i);
    return new RtpPacket(h, randomBytes(1000)).serialize();
  });
}

export const benches: Bench[] = [
  {
    name: 'rtp-parse-pkts-per-sec',
    async run() {
      const pkts = packets();
      let sink = 0;
      let i = 0;
      const view = new RtpHeaderView();
      const steps: Record<'ours' | 'werift' | 'oursObject', () => void> = {
        ours: () => {
          const v = view.reset(pkts[i++ & 63]!);
          sink += v.sequenceNumber + v.timestamp + v.ssrc + v.payloadType + v.payloadLength;
          for (let id = 1; id <= 3; id++) if (v.locateExtension(id)) sink += v.extensionLength;
        },
        werift: () => {
          const p = WeriftRtpPacket.deSerialize(pkts[i++ & 63]!);
          const h = p.header;
          sink += h.sequenceNumber + h.timestamp + h.ssrc + h.payloadType + p.payload.length;
          for (const e of h.extensions) sink += e.payload.length;
        },
        oursObject: () => {
          const p = RtpPacket.parse(pkts[i++ & 63]!);
          const h = p.header;
          sink += h.sequenceNumber + h.timestamp + h.ssrc + h.payloadType + p.payload.length;
          for (const e of h.extensions) sink += e.data.length;
        },
      };
      const runs: Record<keyof typeof steps, number[]> = { ours: [], werift: [], oursObject: [] };
      const order = Object.keys(steps) as (keyof typeof steps)[];
      for (const k of order) for (let w = 0; w < 5000; w++) steps[k]();
      collectGarbage();
      // Alternating batches, as in srtp.bench.ts; a batch's rate is BATCH over its CPU time.
      const deadline = process.hrtime.bigint() + BigInt(ROUNDS * RUN_MS * order.length) * 1_000_000n;
      let turn = 0;
      while (process.hrtime.bigint() < deadline) {
        for (let k = 0; k < order.length; k++) {
          const name = order[(k + turn) % order.length]!;
          const us = cpuUsOf(steps[name], BATCH);
          if (us > 0) runs[name].push(BATCH / (us / 1e6));
        }
        turn++;
      }
      if (sink === 0.5) console.log(sink); // keep the reads observable
      const ours = median(runs.ours);
      const werift = median(runs.werift);
      const pion = pionFigure();
      return [
        {
          bench: 'rtp-parse-pkts-per-sec',
          unit: 'pkt/cpu-s',
          better: 'higher',
          ours: round(ours),
          werift: round(werift),
          pion: pion === null ? null : round(pion),
          bare: null,
          notes: { oursVsWerift: round(ours / werift, 3), oursObject: round(median(runs.oursObject)), extensions: 3 },
        },
      ];
    },
  },
];
