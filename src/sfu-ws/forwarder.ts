import { isNewerSeq, seqDiff, type Clock, type MediaKind, type RtpCodecCapability, type RtpPacket, type TrackLocal, type TrackLocalBinding } from '../index.js';
import { isKeyFrameStart, KeyFrameRequester } from './keyframes.js';
import { LayerMeter } from './simulcast.js';

/** Largest RTP packet forwarded (anything larger is dropped and counted). */
export const MAX_FORWARDED_PACKET = 1500;
/** Simulcast layers one published track may have (RFC 8853 allows more; browsers send at most 3). */
export const MAX_LAYERS = 4;

/** A sequence-number jump beyond this on one SSRC is a restarted source (rebased, so the subscriber sees no jump). */
export const MAX_SEQ_JUMP = 1000;

/** What a forwarder needs from the publisher side. */
export interface ForwarderSource {
  /** Sends a PLI for the remote SSRC of `layer`. */
  requestKeyFrame(ssrc: number): void;
}

/**
 * One published track (all of its simulcast layers) and its subscribers.
 * Each incoming packet is serialized once into a reused scratch buffer and
 * handed to every {@link DownTrack}, which copies it into the one buffer the
 * subscriber's sender keeps (for NACKs) and rewrites SSRC, payload type,
 * sequence number and timestamp in place.
 */
export class Forwarder {
  readonly id: string;
  readonly streamId: string;
  readonly kind: MediaKind;
  readonly codec: RtpCodecCapability;
  readonly #clock: Clock;
  readonly #source: ForwarderSource;
  readonly #down = new Set<DownTrack>();
  /** Remote SSRC per layer index; layers are keyed by rid ('' without simulcast). */
  readonly #layerSsrc: number[] = [];
  readonly #layerRid: string[] = [];
  readonly #requesters: KeyFrameRequester[] = [];
  readonly meter: LayerMeter;
  readonly #scratch = Buffer.allocUnsafe(MAX_FORWARDED_PACKET);
  readonly #gate: boolean;
  packets = 0;
  bytes = 0;
  dropped = 0;
  #closed = false;

  constructor(init: { id: string; streamId: string; codec: RtpCodecCapability; clock: Clock; source: ForwarderSource }) {
    this.id = init.id;
    this.streamId = init.streamId;
    this.codec = init.codec;
    this.kind = init.codec.mimeType.toLowerCase().startsWith('audio/') ? 'audio' : 'video';
    this.#clock = init.clock;
    this.#source = init.source;
    this.meter = new LayerMeter(init.clock);
    this.#gate = this.kind === 'video' && isKeyFrameStart(init.codec.mimeType, new Uint8Array(0)) !== undefined;
  }

  get subscribers(): number {
    return this.#down.size;
  }

  get rids(): readonly string[] {
    return this.#layerRid;
  }

  /** The remote SSRC of each layer. */
  get ssrcs(): readonly number[] {
    return this.#layerSsrc;
  }

  get simulcast(): boolean {
    return this.#layerRid.length > 1;
  }

  /**
   * Attaches (or re-attaches, on re-publish) the remote stream of one layer;
   * returns its layer index, or -1 beyond {@link MAX_LAYERS}.
   */
  setLayer(rid: string, ssrc: number): number {
    let i = this.#layerRid.indexOf(rid);
    if (i < 0) {
      if (this.#layerRid.length >= MAX_LAYERS) return -1;
      i = this.#layerRid.push(rid) - 1;
      this.#requesters[i] = new KeyFrameRequester(this.#clock, () => this.#source.requestKeyFrame(this.#layerSsrc[i]!));
    }
    this.#layerSsrc[i] = ssrc;
    for (const d of this.#down) d.sourceChanged(i);
    return i;
  }

  /** A subscriber's track: add it to that subscriber's peer connection. */
  subscribe(): DownTrack {
    const d = new DownTrack(this, this.#gate);
    this.#down.add(d);
    return d;
  }

  unsubscribe(d: DownTrack): void {
    this.#down.delete(d);
  }

  /** Rate-limited key-frame request towards the publisher, for `layer` (all layers when -1). */
  requestKeyFrame(layer: number): void {
    if (this.kind !== 'video' || this.#closed) return;
    if (layer >= 0) this.#requesters[layer]?.request();
    else for (const r of this.#requesters) r.request();
  }

  /** The packet path: called synchronously for every RTP packet of `layer`. */
  write(packet: RtpPacket, layer: number): void {
    if (this.#closed) return;
    const len = packet.serializedSize;
    if (len > MAX_FORWARDED_PACKET) {
      this.dropped++;
      return;
    }
    const now = this.#clock.now();
    this.packets++;
    this.bytes += len;
    // Once a second, with fresh layer rates, subscribers re-pick their layer (switching at its next key frame).
    if (this.meter.add(layer, len, now) && this.#layerRid.length > 1) for (const d of this.#down) d.updateTarget();
    if (this.#down.size === 0) return;
    packet.serializeTo(this.#scratch, 0);
    const key = this.#gate ? isKeyFrameStart(this.codec.mimeType, packet.payload) === true : true;
    const ssrc = packet.header.ssrc;
    for (const d of this.#down) d.forward(this.#scratch, len, layer, ssrc, key, now);
  }

  /** The layer index a subscriber wants, from its request (rid) or its bandwidth estimate. */
  chooseLayer(requestedRid: string | undefined, estimateBps: number | undefined): number {
    if (this.#layerRid.length <= 1) return 0;
    if (requestedRid !== undefined) {
      const i = this.#layerRid.indexOf(requestedRid);
      if (i >= 0) return i;
    }
    return this.meter.pick(this.#layerRid.length, estimateBps);
  }

  close(): void {
    this.#closed = true;
    for (const r of this.#requesters) r.close();
    this.#down.clear();
  }
}

/**
 * What one subscriber receives of one {@link Forwarder} (ion-sfu's DownTrack):
 * a TrackLocal bound by exactly one sender. Keeps the subscriber's stream
 * continuous: its SSRC is the sender's, and sequence numbers and timestamps
 * are rebased whenever the source changes (re-publish, layer switch), so the
 * subscriber never sees a jump. Video starts, and layers switch, only on a
 * key frame.
 */
export class DownTrack implements TrackLocal {
  readonly rid = undefined;
  #binding: TrackLocalBinding | undefined;
  readonly #fwd: Forwarder;
  /** Layer forwarded now (-1: none yet) and the one wanted. */
  #layer = -1;
  #target = 0;
  #waitKey: boolean;
  readonly #gate: boolean;
  #srcSsrc = -1;
  #seqOffset = 0;
  #tsOffset = 0;
  #lastSeq = 0;
  #lastTs = 0;
  #lastMs = 0;
  #started = false;
  /** Subscriber's own choice of layer (by rid), if any, and its last REMB estimate. */
  requestedRid: string | undefined;
  estimateBps: number | undefined;
  packets = 0;
  skipped = 0;
  switches = 0;

  constructor(fwd: Forwarder, gate: boolean) {
    this.#fwd = fwd;
    this.#gate = gate;
    this.#waitKey = gate;
  }

  get id(): string {
    return this.#fwd.id;
  }
  get streamId(): string {
    return this.#fwd.streamId;
  }
  get kind(): MediaKind {
    return this.#fwd.kind;
  }
  get codec(): RtpCodecCapability {
    return this.#fwd.codec;
  }
  get forwarder(): Forwarder {
    return this.#fwd;
  }
  /** The layer index forwarded now (-1 before the first packet). */
  get layer(): number {
    return this.#layer;
  }
  get targetLayer(): number {
    return this.#target;
  }

  bind(binding: TrackLocalBinding): void {
    this.#binding = binding;
    if (!this.#started) {
      this.#lastSeq = (binding.initialSequenceNumber - 1) & 0xffff;
      this.#lastTs = binding.initialTimestamp >>> 0;
    }
    // A new subscriber (or a renegotiated one) needs a key frame to start decoding.
    this.#waitKey = this.#gate;
    this.#fwd.requestKeyFrame(this.#target);
  }

  /** Continues the numbering of `prev` (the down track its sender carried before). */
  continueFrom(prev: DownTrack): void {
    const st = prev.#numbering();
    this.#lastSeq = st.lastSeq;
    this.#lastTs = st.lastTs;
    this.#lastMs = st.lastMs;
    this.#started = st.started;
  }

  #numbering(): { lastSeq: number; lastTs: number; lastMs: number; started: boolean } {
    return { lastSeq: this.#lastSeq, lastTs: this.#lastTs, lastMs: this.#lastMs, started: this.#started };
  }

  unbind(binding: TrackLocalBinding): void {
    if (this.#binding === binding) this.#binding = undefined;
  }

  /** Re-evaluates the wanted layer; a switch happens at the target's next key frame. */
  updateTarget(): void {
    const t = this.#fwd.chooseLayer(this.requestedRid, this.estimateBps);
    if (t === this.#target) return;
    this.#target = t;
    if (t !== this.#layer) this.#fwd.requestKeyFrame(t);
  }

  /** @internal The remote stream of `layer` changed (re-publish): rebase at its next packet. */
  sourceChanged(layer: number): void {
    if (layer === this.#layer) {
      this.#srcSsrc = -1;
      this.#waitKey = this.#gate;
      this.#fwd.requestKeyFrame(layer);
    }
  }

  /** @internal The packet path. `src` holds `len` bytes of plain RTP, reused after this call returns. */
  forward(src: Buffer, len: number, layer: number, ssrc: number, key: boolean, nowMs: number): void {
    const b = this.#binding;
    if (b === undefined) return;
    if (layer !== this.#layer) {
      // Switch only onto the target's key frame (or at once for audio and ungated codecs).
      if (layer !== this.#target || !key) {
        this.skipped++;
        return;
      }
      if (this.#layer >= 0) this.switches++;
      this.#layer = layer;
      this.#srcSsrc = -1;
      this.#waitKey = false;
    }
    if (this.#waitKey) {
      if (!key) {
        this.skipped++;
        return;
      }
      this.#waitKey = false;
    }
    const seq = src.readUInt16BE(2);
    const ts = src.readUInt32BE(4);
    if (ssrc !== this.#srcSsrc || (this.#started && Math.abs(seqDiff((seq + this.#seqOffset) & 0xffff, this.#lastSeq)) > MAX_SEQ_JUMP)) {
      // Rebase: continue right after what this subscriber saw last.
      const nextSeq = (this.#lastSeq + 1) & 0xffff;
      const gap = this.#started ? Math.max(1, Math.round(((nowMs - this.#lastMs) * b.clockRate) / 1000)) : 0;
      const nextTs = (this.#lastTs + gap) >>> 0;
      this.#seqOffset = (nextSeq - seq) & 0xffff;
      this.#tsOffset = (nextTs - ts) >>> 0;
      this.#srcSsrc = ssrc;
    }
    const outSeq = (seq + this.#seqOffset) & 0xffff;
    // (A jump larger than MAX_SEQ_JUMP on the same SSRC is a restarted source, rebased above.)
    const outTs = (ts + this.#tsOffset) >>> 0;
    if (!this.#started || isNewerSeq(outSeq, this.#lastSeq)) {
      this.#lastSeq = outSeq;
      this.#lastTs = outTs;
      this.#lastMs = nowMs;
      this.#started = true;
    }
    // The sender keeps this buffer in its NACK history: one copy per subscriber is the floor.
    const out = Buffer.allocUnsafe(len);
    src.copy(out, 0, 0, len);
    out[1] = (src[1]! & 0x80) | b.payloadType;
    out.writeUInt16BE(outSeq, 2);
    out.writeUInt32BE(outTs, 4);
    out.writeUInt32BE(b.ssrc, 8);
    this.packets++;
    b.writeRtp(out);
  }
}
