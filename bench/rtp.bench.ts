/**
 * rtp-parse-pkts-per-sec: parse an RTP packet (12-byte header, one-byte
 * header extensions mid / abs-send-time / transport-cc, 1000-byte payload)
 * and read its fields and the three extensions.
 *   ours   RtpHeaderView.reset (the zero-copy hot-path form) + field and extension reads
 *   werift werift-rtp RtpPacket.deSerialize + the same reads
 * notes.oursObject is tern's full object form (RtpPacket.parse). Rates are
 * per CPU-second of the process, over 21 interleaved short rounds, medians.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RtpPacket as WeriftRtpPacket } from 'werift-rtp';
import { absSendTime, sdesMid, transportSequenceNumber } from '../src/rtp/extension-codecs.js';
import { RtpHeader } from '../src/rtp/rtp-header.js';
import { RtpHeaderView } from '../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../src/rtp/rtp-packet.js';
import { median, round } from './stats.js';
import type { Bench } from './types.js';

const ROUNDS = 21;
const RUN_MS = 60;
const BATCH = 256;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function measure(step: () => void, ms: number): number {
  for (let i = 0; i < 2000; i++) step();
  collectGarbage();
  const start = process.cpuUsage();
  let n = 0;
  let usedUs = 0;
  do {
    for (let i = 0; i < BATCH; i++) step();
    n += BATCH;
    const u = process.cpuUsage(start);
    usedUs = u.user + u.system;
  } while (usedUs < ms * 1000);
  return n / (usedUs / 1e6);
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
          sink += v.getExtension(1)!.length + v.getExtension(2)!.length + v.getExtension(3)!.length;
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
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < order.length; k++) {
          const name = order[(k + r) % order.length]!;
          runs[name].push(measure(steps[name], RUN_MS));
        }
      }
      if (sink === 0.5) console.log(sink); // keep the reads observable
      const ours = median(runs.ours);
      const werift = median(runs.werift);
      return [
        {
          bench: 'rtp-parse-pkts-per-sec',
          unit: 'pkt/cpu-s',
          better: 'higher',
          ours: round(ours),
          werift: round(werift),
          pion: null,
          bare: null,
          notes: { oursVsWerift: round(ours / werift, 3), oursObject: round(median(runs.oursObject)), extensions: 3 },
        },
      ];
    },
  },
];
