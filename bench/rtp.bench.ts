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
import { RtpPacket as WeriftRtpPacket } from 'werift-rtp';
import { absSendTime, sdesMid, transportSequenceNumber } from '../src/rtp/extension-codecs.js';
import { RtpHeader } from '../src/rtp/rtp-header.js';
import { RtpHeaderView } from '../src/rtp/rtp-header-view.js';
import { RtpPacket } from '../src/rtp/rtp-packet.js';
import { pionAvailable, pionBinary } from '../test/support/pion.js';
import { interleavedRates } from './interleaved.js';
import { median, round } from './stats.js';
import type { Bench } from './types.js';

const ROUNDS = 21;
const RUN_MS = 60;
const BATCH = 2000;



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
      // Alternating batches, as in srtp.bench.ts.
      const rates = interleavedRates(steps, { warmup: 5000, rounds: ROUNDS, runMs: RUN_MS, batch: BATCH });
      if (sink === 0.5) console.log(sink); // keep the reads observable
      const ours = rates.ours;
      const werift = rates.werift;
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
          notes: { oursVsWerift: round(ours / werift, 3), oursObject: round(rates.oursObject), extensions: 3 },
        },
      ];
    },
  },
];
