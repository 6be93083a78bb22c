import { getLogger } from '../common/log.js';
import { DropCounter } from '../common/drop-counter.js';
import { NackResponder } from '../interceptor/nack-responder.js';
import { SendHistory } from '../interceptor/send-history.js';
import { SenderStats } from '../interceptor/sender-stats.js';
import { InvalidArgumentError } from '../common/errors.js';
import type { RtcpPacket } from '../rtcp/index.js';
import { RtpPacket } from '../rtp/rtp-packet.js';
import { RtcpReader } from './rtcp-reader.js';
import { ArgumentRangeError, ArgumentTypeError } from './errors.js';
import { checkRtpBytes, MAX_RTP_PACKET_SIZE } from './rtp-checks.js';
import type { MediaKind, RtpCodecParameters } from './codec.js';
import type { MediaPipe } from './media-pipe.js';
import type { TrackLocal, TrackLocalBinding } from './track-local.js';

const log = getLogger('rtp');

export interface RTCRtpSendParameters {
  codecs: RtpCodecParameters[];
  encodings: { ssrc: number; rtx?: { ssrc: number }; rid?: string }[];
}

/**
 * Sends one local track (W3C RTCRtpSender). SSRCs are fixed at creation;
 * the payload type comes from negotiation. Keeps a send history to answer
 * NACKs and statistics for sender reports.
 */
export class RTCRtpSender {
  readonly kind: MediaKind;
  readonly ssrc: number;
  readonly rtxSsrc: number;
  readonly cname: string;
  #track: TrackLocal | null;
  #codec: RtpCodecParameters | undefined;
  #rtxPayloadType: number | undefined;
  #binding: TrackLocalBinding | undefined;
  #pipe: MediaPipe | undefined;
  readonly #history = new SendHistory();
  /** NACKed packets skipped by the responder's limits, by reason. */
  readonly drops = new DropCounter(log);
  /** Which NACKed packets are resent (de-duplicated, rate-limited, byte budget, age). */
  readonly #nack = new NackResponder({ drops: this.drops });
  #stats: SenderStats | undefined;
  #rtxSeq: number;
  readonly #initialSeq: number;
  readonly #initialTimestamp: number;
  /** Packets dropped because the transport was not ready. */
  droppedPackets = 0;
  readonly #rtcp = new RtcpReader('sender');
  /** RID of this encoding when sending simulcast (RFC 8851). */
  readonly rid: string | undefined;
  /** The other simulcast encodings of this sender (each with its own SSRC), in order. */
  readonly #layers: RTCRtpSender[] = [];
  /** MID and RID header extensions written into every packet of a simulcast layer. */
  #simulcastExt: { midId: number; ridId: number; mid: Buffer; rid: Buffer } | undefined;

  constructor(init: { kind: MediaKind; track: TrackLocal | null; ssrc: number; rtxSsrc: number; cname: string; initialSequenceNumber: number; initialTimestamp: number; rid?: string }) {
    this.kind = init.kind;
    this.rid = init.rid;
    this.#track = init.track;
    this.ssrc = init.ssrc;
    this.rtxSsrc = init.rtxSsrc;
    this.cname = init.cname;
    this.#initialSeq = init.initialSequenceNumber;
    this.#initialTimestamp = init.initialTimestamp;
    this.#rtxSeq = (init.initialSequenceNumber + 0x4000) & 0xffff;
  }

  get track(): TrackLocal | null {
    return this.#track;
  }

  /** Every encoding: this sender first, then its other simulcast layers. */
  get encodings(): readonly RTCRtpSender[] {
    return [this, ...this.#layers];
  }

  /**
   * Pion's AddEncoding: attaches the track for another simulcast layer; the
   * track's `rid` names the encoding (given in `addTransceiver`'s sendEncodings).
   */
  addEncoding(track: TrackLocal): void {
    const layer = this.#layers.find((l) => l.rid !== undefined && l.rid === track.rid);
    if (!layer) throw new InvalidArgumentError(`no send encoding with rid ${String(track.rid)}`);
    if (track.kind !== this.kind) throw new InvalidArgumentError(`a ${track.kind} track cannot feed a ${this.kind} sender`);
    void layer.replaceTrack(track);
  }

  /** @internal Adds a simulcast layer (created by the peer connection). */
  addLayer(layer: RTCRtpSender): void {
    this.#layers.push(layer);
  }

  /** @internal Simulcast: write MID and RID into every packet (ids from negotiation). */
  setSimulcastExtensions(ext: { midId: number; ridId: number; mid: string } | undefined): void {
    this.#simulcastExt = ext && this.rid !== undefined ? { midId: ext.midId, ridId: ext.ridId, mid: Buffer.from(ext.mid), rid: Buffer.from(this.rid) } : undefined;
  }

  get codec(): RtpCodecParameters | undefined {
    return this.#codec;
  }

  get stats(): SenderStats | undefined {
    return this.#stats;
  }

  getParameters(): RTCRtpSendParameters {
    return {
      codecs: this.#codec ? [this.#codec] : [],
      encodings: [{ ssrc: this.ssrc, ...(this.#rtxPayloadType !== undefined ? { rtx: { ssrc: this.rtxSsrc } } : {}) }],
    };
  }

  /** Swaps the track without renegotiation (W3C replaceTrack). */
  async replaceTrack(track: TrackLocal | null): Promise<void> {
    this.#unbind();
    this.#track = track;
    this.#bind();
  }

  /** Sends RTCP (e.g. a PLI towards a forwarded source is sent by receivers; here: SR/SDES extras). */
  writeRTCP(packet: Uint8Array): boolean {
    if (!(packet instanceof Uint8Array)) throw new ArgumentTypeError('packet', 'expected a Uint8Array (a serialized RTCP packet)');
    if (packet.length < 4) throw new ArgumentRangeError('packet', `${packet.length} bytes: an RTCP packet has at least 4`);
    return this.#pipe?.writeRtcp(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength)) ?? false;
  }

  /** RTCP about this sender's stream (NACK, PLI, FIR, REMB, RR blocks) as raw compound packets. */
  onRtcp(handler: (packet: Buffer) => void): () => void {
    return this.#rtcp.onRtcp(handler);
  }

  /** The next compound RTCP packet about this stream, parsed (Pion's ReadRTCP). */
  readRTCP(): Promise<RtcpPacket[]> {
    return this.#rtcp.readRTCP();
  }

  /** @internal Negotiation fixed the codec (and RTX payload type, if any). */
  configure(codec: RtpCodecParameters | undefined, rtxPayloadType: number | undefined): void {
    const changed = codec?.payloadType !== this.#codec?.payloadType;
    this.#codec = codec;
    this.#rtxPayloadType = rtxPayloadType;
    if (codec) this.#stats ??= new SenderStats(this.ssrc, codec.clockRate);
    if (changed) {
      this.#unbind();
      this.#bind();
    }
  }

  /** @internal The secure transport is ready (or gone, with undefined). */
  setPipe(pipe: MediaPipe | undefined): void {
    this.#pipe = pipe;
    for (const l of this.#layers) l.setPipe(pipe);
  }

  /** @internal Answers a generic NACK from the send history (RTX when negotiated), within the responder's limits. */
  retransmit(seqs: readonly number[]): number {
    const pipe = this.#pipe;
    if (!pipe) return 0;
    const sent = this.#nack.respond(
      seqs,
      pipe.now(),
      (seq) => this.#history.get(seq),
      (original) => pipe.writeRtp(this.#rtxPayloadType !== undefined ? this.#toRtx(original) : original),
    );
    if (this.#stats) this.#stats.retransmitted += sent;
    return sent;
  }

  /** @internal */
  deliverRtcp(packet: Buffer): void {
    this.#rtcp.deliver(packet);
  }

  /** @internal */
  stop(): void {
    for (const l of this.#layers) l.stop();
    this.#rtcp.close();
    this.#unbind();
    this.#pipe = undefined;
    this.#history.clear();
    this.#nack.clear();
  }

  /** RFC 4588 §4: RTX payload = original sequence number + original payload. */
  #toRtx(original: Buffer): Buffer {
    const csrcs = original[0]! & 0x0f;
    let headerLen = 12 + 4 * csrcs;
    if (original[0]! & 0x10) headerLen += 4 + 4 * original.readUInt16BE(headerLen + 2);
    const out = Buffer.allocUnsafe(original.length + 2);
    original.copy(out, 0, 0, headerLen);
    out[0] = out[0]! & ~0x20; // padding is not carried over
    out[1] = (original[1]! & 0x80) | this.#rtxPayloadType!;
    out.writeUInt16BE(this.#rtxSeq, 2);
    this.#rtxSeq = (this.#rtxSeq + 1) & 0xffff;
    out.writeUInt32BE(this.rtxSsrc, 8);
    out.writeUInt16BE(original.readUInt16BE(2), headerLen);
    let end = original.length;
    if (original[0]! & 0x20) end -= original[original.length - 1]!;
    original.copy(out, headerLen + 2, headerLen, end);
    return out.subarray(0, headerLen + 2 + end - headerLen);
  }

  #bind(): void {
    const track = this.#track;
    const codec = this.#codec;
    if (!track || !codec || this.#binding) return;
    const binding: TrackLocalBinding = {
      ssrc: this.ssrc,
      payloadType: codec.payloadType,
      clockRate: codec.clockRate,
      initialSequenceNumber: this.#initialSeq,
      initialTimestamp: this.#initialTimestamp,
      writeRtp: (packet) => this.#write(packet),
    };
    this.#binding = binding;
    track.bind(binding);
  }

  #unbind(): void {
    if (this.#binding && this.#track) this.#track.unbind(this.#binding);
    this.#binding = undefined;
  }

  #write(raw: Buffer): void {
    const pipe = this.#pipe;
    if (!pipe) {
      this.droppedPackets++;
      return;
    }
    let packet = raw;
    const ext = this.#simulcastExt;
    if (ext) {
      // RFC 8852: receivers route simulcast layers by MID and RID, not by signalled SSRCs.
      const p = RtpPacket.parse(raw);
      p.header.setExtension(ext.midId, ext.mid);
      p.header.setExtension(ext.ridId, ext.rid);
      packet = p.serialize();
    }
    // Refused before anything counts it as sent: the peer would truncate or drop it.
    if (packet.length > MAX_RTP_PACKET_SIZE) checkRtpBytes(packet);
    const seq = packet.readUInt16BE(2);
    this.#history.put(seq, packet);
    // Counted as sent only when the transport took it (not after failed or close).
    if (!pipe.writeRtp(packet)) {
      this.droppedPackets++;
      return;
    }
    this.#nack.onSent(seq, pipe.now());
    if (this.#stats) {
      const headerLen = 12 + 4 * (packet[0]! & 0x0f);
      this.#stats.onPacket(packet.readUInt32BE(4), packet.length - headerLen, packet.length, pipe.now());
    }
  }
}
