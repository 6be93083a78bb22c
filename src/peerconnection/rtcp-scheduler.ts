import type { Clock, TimerHandle } from '../common/clock.js';
import type { Rng } from '../common/rng.js';
import { ntpTime } from '../interceptor/sender-stats.js';
import { GenericNack, PictureLossIndication, ReceiverReport, SdesItemType, SenderReport, SourceDescription, serializeRtcp, type ReportBlock, type RtcpPacket } from '../rtcp/index.js';
import type { MediaPipe } from './media-pipe.js';
import type { MediaRouter } from './media-router.js';
import type { RTCRtpSender } from './rtp-sender.js';

/** RFC 3550 §6.2 style interval for our reports (randomized ×0.5..1.5), as browsers use ~1 s. */
export const DEFAULT_REPORT_INTERVAL_MS = 1000;
/** How often receive gaps are NACKed (Pion's generator default). */
export const DEFAULT_NACK_INTERVAL_MS = 100;
/** Report blocks per SR/RR packet (5-bit count). */
const MAX_REPORT_BLOCKS = 31;

export interface RtcpSchedulerHost {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly cname: string;
  /** SSRC used as sender SSRC for RR/feedback when we send nothing. */
  readonly localSsrc: number;
  senders(): readonly RTCRtpSender[];
  readonly router: MediaRouter;
}

/**
 * Sends sender/receiver reports with SDES on a randomized schedule and
 * generic NACKs for receive gaps, over a {@link MediaPipe}.
 */
export class RtcpScheduler {
  readonly #host: RtcpSchedulerHost;
  readonly #pipe: MediaPipe;
  #reportTimer: TimerHandle | undefined;
  #nackTimer: TimerHandle | undefined;
  #stopped = false;
  reportsSent = 0;
  nacksSent = 0;
  #reportRotation = 0;

  constructor(host: RtcpSchedulerHost, pipe: MediaPipe) {
    this.#host = host;
    this.#pipe = pipe;
  }

  start(): void {
    this.#armReport();
    this.#armNack();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#reportTimer) this.#host.clock.clearTimer(this.#reportTimer);
    if (this.#nackTimer) this.#host.clock.clearTimer(this.#nackTimer);
    this.#reportTimer = this.#nackTimer = undefined;
  }

  /** Sends a PLI for a remote SSRC (ask the sender for a key frame). */
  requestKeyFrame(mediaSsrc: number): boolean {
    return this.#send([new PictureLossIndication({ senderSsrc: this.#senderSsrc(), mediaSsrc })]);
  }

  /** Builds and sends one compound report now. */
  sendReports(): void {
    const now = this.#pipe.now();
    const blocks: ReportBlock[] = [];
    for (const { stream } of this.#host.router.mainStreams()) {
      const b = stream.stats.reportBlock(now);
      if (b) blocks.push(b);
    }
    const packets: RtcpPacket[] = [];
    // Senders whose track was removed send no more reports; one compound packet holds at most 31 SDES chunks
    // (RFC 3550 §6.5: SC is 5 bits), so beyond that the reports rotate over the senders.
    let sending = this.#host.senders().filter((s) => s.stats?.hasSent && s.track !== null);
    if (sending.length > MAX_REPORT_BLOCKS) {
      const start = this.#reportRotation++ % sending.length;
      sending = [...sending.slice(start), ...sending.slice(0, start)].slice(0, MAX_REPORT_BLOCKS);
    }
    const [sec, frac] = ntpTime(this.#pipe.wallMs());
    if (sending.length) {
      sending.forEach((s, i) => {
        const st = s.stats!;
        packets.push(
          new SenderReport({
            ssrc: s.ssrc,
            ntpTimestamp: (BigInt(sec) << 32n) | BigInt(frac),
            rtpTimestamp: st.rtpTimestampAt(now),
            packetCount: st.packets >>> 0,
            octetCount: st.octets >>> 0,
            reports: i === 0 ? blocks.slice(0, MAX_REPORT_BLOCKS) : [],
          }),
        );
      });
    } else if (blocks.length) {
      packets.push(new ReceiverReport({ ssrc: this.#host.localSsrc, reports: blocks.slice(0, MAX_REPORT_BLOCKS) }));
    } else {
      return;
    }
    const ssrcs = sending.length ? sending.map((s) => s.ssrc) : [this.#host.localSsrc];
    packets.push(new SourceDescription(ssrcs.map((source) => ({ source, items: [{ type: SdesItemType.Cname, text: this.#host.cname }] }))));
    if (this.#send(packets)) this.reportsSent++;
  }

  /** Sends NACKs for every stream with gaps, and transport-cc feedback for what arrived. */
  sendNacks(): void {
    // Each transport-cc feedback packet fits one MTU on its own (see TwccRecorder's limits).
    for (const twcc of this.#host.router.twcc.feedback(this.#senderSsrc())) if (this.#send([twcc])) this.nacksSent++;
    const packets: RtcpPacket[] = [];
    for (const { stream } of this.#host.router.mainStreams()) {
      const missing = stream.nackLog?.missing();
      if (missing && missing.length) packets.push(GenericNack.fromLostSequenceNumbers(this.#senderSsrc(), stream.ssrc, missing));
    }
    if (packets.length && this.#send(packets)) this.nacksSent += packets.length;
  }

  #senderSsrc(): number {
    return this.#host.senders().find((s) => s.stats?.hasSent)?.ssrc ?? this.#host.localSsrc;
  }

  #send(packets: RtcpPacket[]): boolean {
    return this.#pipe.writeRtcp(serializeRtcp(packets));
  }

  #armReport(): void {
    if (this.#stopped) return;
    const delay = DEFAULT_REPORT_INTERVAL_MS * (0.5 + this.#host.rng.float());
    this.#reportTimer = this.#host.clock.setTimer(() => {
      this.sendReports();
      this.#armReport();
    }, delay);
  }

  #armNack(): void {
    if (this.#stopped) return;
    this.#nackTimer = this.#host.clock.setTimer(() => {
      this.sendNacks();
      this.#armNack();
    }, DEFAULT_NACK_INTERVAL_MS);
  }
}
