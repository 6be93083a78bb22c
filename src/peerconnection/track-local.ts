import { allocPacket } from '../common/packet-slab.js';
import { ArgumentRangeError, ArgumentTypeError } from './errors.js';
import { checkRtpBytes, MAX_RTP_PACKET_SIZE } from './rtp-checks.js';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { RtpPacket } from '../rtp/rtp-packet.js';
import { seqAdd } from '../rtp/sequence.js';
import { H264Payloader, OpusPayloader, Vp8Payloader, type Payloader } from '../rtp/payloaders/index.js';
import type { MediaKind, RtpCodecCapability } from './codec.js';

const log = getLogger('rtp');

/**
 * Where a local track's packets go: one per sender the track is attached
 * to (Pion's TrackLocalContext). The sender fixes SSRC and payload type.
 */
export interface TrackLocalBinding {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  /** RFC 3550 §5.1: random starting points, drawn by the sender. */
  readonly initialSequenceNumber: number;
  readonly initialTimestamp: number;
  /** Sends one complete plain RTP packet (SSRC and PT already set). */
  writeRtp(packet: Buffer): void;
}

/** A local track: the source a sender reads from. */
export interface TrackLocal {
  readonly id: string;
  readonly streamId: string;
  readonly kind: MediaKind;
  readonly rid: string | undefined;
  /** The codec this track produces; negotiation must find a match for it. */
  readonly codec: RtpCodecCapability;
  bind(binding: TrackLocalBinding): void;
  unbind(binding: TrackLocalBinding): void;
}

function kindOf(codec: RtpCodecCapability): MediaKind {
  const kind = codec.mimeType.split('/')[0]?.toLowerCase();
  if (kind !== 'audio' && kind !== 'video') throw new InvalidArgumentError(`mime type must be audio/* or video/*: ${codec.mimeType}`);
  return kind;
}

abstract class TrackLocalBase {
  readonly kind: MediaKind;
  protected readonly bindings = new Set<TrackLocalBinding>();

  constructor(
    readonly codec: RtpCodecCapability,
    readonly id: string,
    readonly streamId: string,
    readonly rid: string | undefined,
  ) {
    this.kind = kindOf(codec);
  }

  bind(binding: TrackLocalBinding): void {
    this.bindings.add(binding);
  }

  unbind(binding: TrackLocalBinding): void {
    this.bindings.delete(binding);
  }
}

/**
 * A track written with whole RTP packets (Pion's TrackLocalStaticRTP), e.g.
 * forwarded from a remote track. Each sender gets a copy with its own SSRC
 * and payload type; sequence numbers and timestamps pass through.
 */
export class TrackLocalStaticRTP extends TrackLocalBase implements TrackLocal {
  constructor(codec: RtpCodecCapability, id: string, streamId: string, options: { rid?: string } = {}) {
    super(codec, id, streamId, options.rid);
  }

  /**
   * Writes an RTP packet to every bound sender. Throws ArgumentTypeError for
   * anything but an RtpPacket, ArgumentRangeError over MAX_RTP_PACKET_SIZE.
   */
  writeRTP(packet: RtpPacket): void {
    if (!(packet instanceof RtpPacket)) throw new ArgumentTypeError('packet', 'expected an RtpPacket');
    if (packet.serializedSize > MAX_RTP_PACKET_SIZE) {
      throw new ArgumentRangeError('packet', `${packet.serializedSize} bytes, over the ${MAX_RTP_PACKET_SIZE}-byte MTU`);
    }
    if (this.bindings.size === 0) return;
    this.write(packet.serialize());
  }

  /** Writes a serialized RTP packet (12 to MAX_RTP_PACKET_SIZE bytes) to every bound sender. */
  write(raw: Uint8Array): void {
    checkRtpBytes(raw);
    for (const b of this.bindings) {
      const out = allocPacket(raw.length);
      out.set(raw);
      out[1] = (raw[1]! & 0x80) | b.payloadType;
      out.writeUInt32BE(b.ssrc, 8);
      b.writeRtp(out);
    }
  }
}

export interface MediaSample {
  /** One encoded frame (Annex-B for H.264). */
  data: Uint8Array;
  /** How long the frame lasts; advances the RTP timestamp. */
  durationMs: number;
}

interface PacketizerState {
  seq: number;
  timestamp: number;
  payloader: Payloader;
}

/** The RTP payload size packetizers aim for (Pion's default MTU minus headers). */
export const DEFAULT_PAYLOAD_MTU = 1200;

function payloaderFor(codec: RtpCodecCapability): () => Payloader {
  switch (codec.mimeType.toLowerCase()) {
    case 'video/vp8':
      return () => new Vp8Payloader();
    case 'video/h264':
      return () => new H264Payloader();
    case 'audio/opus':
      return () => new OpusPayloader();
    default:
      throw new InvalidArgumentError(`no packetizer for ${codec.mimeType}; use TrackLocalStaticRTP`);
  }
}

/**
 * A track written with encoded frames (Pion's TrackLocalStaticSample):
 * packetized per sender (VP8, H.264, Opus), with sequence numbers and
 * timestamps kept per sender.
 */
export class TrackLocalStaticSample extends TrackLocalBase implements TrackLocal {
  readonly #newPayloader: () => Payloader;
  readonly #state = new Map<TrackLocalBinding, PacketizerState>();
  readonly #mtu: number;

  constructor(codec: RtpCodecCapability, id: string, streamId: string, options: { rid?: string; mtu?: number } = {}) {
    super(codec, id, streamId, options.rid);
    this.#newPayloader = payloaderFor(codec);
    this.#mtu = options.mtu ?? DEFAULT_PAYLOAD_MTU;
  }

  override bind(binding: TrackLocalBinding): void {
    super.bind(binding);
    this.#state.set(binding, {
      seq: binding.initialSequenceNumber & 0xffff,
      timestamp: binding.initialTimestamp >>> 0,
      payloader: this.#newPayloader(),
    });
  }

  override unbind(binding: TrackLocalBinding): void {
    super.unbind(binding);
    this.#state.delete(binding);
  }

  writeSample(sample: MediaSample): void {
    if (typeof sample !== 'object' || sample === null || !(sample.data instanceof Uint8Array)) {
      throw new ArgumentTypeError('sample.data', 'expected a sample with Uint8Array data');
    }
    if (!(sample.durationMs >= 0)) throw new InvalidArgumentError('sample duration must be >= 0');
    for (const [b, st] of this.#state) {
      const payloads = st.payloader.payload(this.#mtu, sample.data);
      for (let i = 0; i < payloads.length; i++) {
        const p = new RtpPacket(
          {
            payloadType: b.payloadType,
            sequenceNumber: st.seq,
            timestamp: st.timestamp,
            ssrc: b.ssrc,
            marker: i === payloads.length - 1,
          },
          payloads[i]!,
        );
        st.seq = seqAdd(st.seq, 1);
        b.writeRtp(p.serialize());
      }
      st.timestamp = (st.timestamp + Math.round((sample.durationMs * b.clockRate) / 1000)) >>> 0;
      if (log.traceEnabled) log.trace(`sample ${this.id}: ${sample.data.length} bytes in ${payloads.length} packets to ssrc ${b.ssrc}`);
    }
  }
}
