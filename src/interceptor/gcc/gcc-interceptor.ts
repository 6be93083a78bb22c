import type { Observable } from 'rxjs';
import type { Clock, TimerHandle } from '../../common/clock.js';
import { DropCounter } from '../../common/drop-counter.js';
import { LazyState } from '../../common/lazy-subjects.js';
import type { ScopedLogger } from '../../common/log.js';
import { TransportCcFeedback } from '../../rtcp/transport-cc.js';
import type { Attributes } from '../attributes.js';
import type { Interceptor, InterceptorContext, InterceptorFactory, RTCPReader, RTPWriter, StreamInfo } from '../interceptor.js';
import { NoOpInterceptor } from '../interceptor.js';
import { stampTransportSequence, transportCcExtensionId } from '../twcc-header-extension.js';
import { GccCore, type BandwidthEstimate, type GccOptions } from './gcc-core.js';
import { DEFAULT_PACING_FACTOR, PacerCore } from './pacer-core.js';

export interface GccInterceptorOptions extends GccOptions {
  /** Pace sent packets at `pacingFactor` × the target (default on). */
  pacing?: boolean;
  pacingFactor?: number;
}

interface Queued {
  writer: RTPWriter;
  packet: Buffer;
  attributes: Attributes;
  seq: number | undefined;
}

/**
 * Sender-side bandwidth estimation for one peer connection (Pion's
 * cc.Interceptor with gcc.SendSideBWE): stamps or reads the transport-wide
 * sequence number of every packet of the streams that negotiated
 * transport-cc, paces them, records when each left, and feeds the
 * transport-cc feedback the remote peer sends back to a {@link GccCore}.
 * The target bitrate is {@link targetBitrate}, `onBandwidthEstimate` and
 * `bandwidthEstimate$`. Drives one timer (the pacer's), only while packets wait.
 */
export class GccInterceptor extends NoOpInterceptor {
  readonly id: string;
  readonly #core: GccCore;
  readonly #clock: Clock;
  readonly #log: ScopedLogger;
  readonly #pacer: PacerCore<Queued> | undefined;
  readonly #counter = { next: 0 };
  readonly #estimate$: LazyState<BandwidthEstimate>;
  readonly drops: DropCounter;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #closed = false;

  constructor(context: InterceptorContext, options: GccInterceptorOptions = {}) {
    super();
    this.id = context.id;
    this.#clock = context.clock;
    this.#log = context.log;
    this.drops = new DropCounter(context.log);
    this.#core = new GccCore(options);
    this.#counter.next = context.rng.uint32() & 0xffff;
    this.#estimate$ = new LazyState(this.#core.estimate);
    if (options.pacing !== false) this.#pacer = new PacerCore(this.#core.targetBitrate, options.pacingFactor ?? DEFAULT_PACING_FACTOR);
  }

  /** The bitrate (bps) the peer connection's senders should stay under. */
  get targetBitrate(): number {
    return this.#core.targetBitrate;
  }

  /** The latest estimate with the figures behind it. */
  get estimate(): BandwidthEstimate {
    return this.#core.estimate;
  }

  /** Every new estimate (after each transport-cc feedback that changed the target). */
  get bandwidthEstimate$(): Observable<BandwidthEstimate> {
    return this.#estimate$.asObservable();
  }

  /** Calls `listener` with every later estimate whose target changed; returns the unsubscribe function. */
  onBandwidthEstimate(listener: (estimate: BandwidthEstimate) => void): () => void {
    return this.#estimate$.listen((e) => {
      try {
        listener(e);
      } catch (err) {
        this.#log.error('onBandwidthEstimate listener threw', err);
      }
    });
  }

  /** Packets waiting in the pacer. */
  get queuedPackets(): number {
    return this.#pacer?.queued ?? 0;
  }

  override bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter {
    const id = transportCcExtensionId(info);
    return {
      write: (packet, attributes) => {
        if (this.#closed) return writer.write(packet, attributes);
        let seq: number | undefined;
        if (id !== undefined) {
          const stamped = stampTransportSequence(packet, attributes, id, this.#counter);
          if (stamped) {
            packet = stamped.packet;
            seq = stamped.seq;
          }
        }
        return this.#send({ writer, packet, attributes, seq });
      },
    };
  }

  override bindRTCPReader(reader: RTCPReader): RTCPReader {
    return {
      read: (packet, attributes) => {
        if (!this.#closed) this.#onRtcp(packet, attributes);
        reader.read(packet, attributes);
      },
    };
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#pacer?.clear();
    this.#estimate$.complete();
  }

  #send(q: Queued): boolean {
    const pacer = this.#pacer;
    if (!pacer) return this.#out(q);
    const verdict = pacer.enqueue(q, q.packet.length, this.#clock.now());
    if (verdict === 'now') return this.#out(q);
    if (verdict === 'dropped') {
      this.drops.drop('pacer-queue-full');
      return false;
    }
    this.#arm();
    return true;
  }

  #out(q: Queued): boolean {
    if (q.seq !== undefined) this.#core.onPacketSent(q.seq, q.packet.length, this.#clock.now());
    return q.writer.write(q.packet, q.attributes);
  }

  #arm(): void {
    const now = this.#clock.now();
    const at = this.#pacer?.nextDeadline(now);
    if (at === undefined || this.#closed) return;
    if (this.#timer && at >= this.#timerAt) return;
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(() => this.#onTimer(), Math.max(0, at - now));
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#closed || !this.#pacer) return;
    for (const q of this.#pacer.poll(this.#clock.now())) this.#out(q);
    this.#arm();
  }

  #onRtcp(packet: Buffer, attributes: Attributes): void {
    let packets;
    try {
      packets = attributes.rtcpPackets(packet);
    } catch (err) {
      this.drops.drop('rtcp-decode', err);
      return;
    }
    for (const p of packets) {
      if (!(p instanceof TransportCcFeedback)) continue;
      const before = this.#core.targetBitrate;
      const estimate = this.#core.onFeedback(p, this.#clock.now());
      this.#pacer?.setTargetBitrate(estimate.targetBitrate);
      if (estimate.targetBitrate !== before) {
        if (this.#log.debugEnabled) this.#log.debug(`bandwidth estimate ${before} -> ${estimate.targetBitrate} bps (${estimate.usage})`);
        this.#estimate$.set(estimate);
      }
    }
  }
}

/**
 * Makes one {@link GccInterceptor} per peer connection (Pion's
 * cc.NewInterceptor): `onNewPeerConnection` hands each one to the
 * application when the peer connection is created, with the peer
 * connection's id. Register it before the transport-cc sequence writer
 * (`registerDefaultInterceptors`) or without it: it stamps the sequence
 * numbers itself when a packet has none.
 */
export class GccInterceptorFactory implements InterceptorFactory {
  static readonly NAME = 'gcc';
  readonly name = GccInterceptorFactory.NAME;
  readonly #options: GccInterceptorOptions;
  readonly #listeners = new Set<(id: string, estimator: GccInterceptor) => void>();

  constructor(options: GccInterceptorOptions = {}) {
    this.#options = { ...options };
  }

  /** Calls `listener` with the estimator of every peer connection built after this call; returns the unsubscribe function. */
  onNewPeerConnection(listener: (id: string, estimator: GccInterceptor) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  newInterceptor(context: InterceptorContext): Interceptor {
    const i = new GccInterceptor(context, this.#options);
    for (const l of this.#listeners) {
      try {
        l(context.id, i);
      } catch (err) {
        context.log.error('onNewPeerConnection listener threw', err);
      }
    }
    return i;
  }
}
