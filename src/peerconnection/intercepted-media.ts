import { Attributes } from '../interceptor/attributes.js';
import type { Interceptor, RTCPReader, RTCPWriter, RTPReader, RTPWriter, StreamInfo } from '../interceptor/interceptor.js';
import type { RtpCodecParameters } from './codec.js';
import type { MediaPipe } from './media-pipe.js';
import { MAX_INBOUND_STREAMS } from './media-router.js';
import type { RTCRtpSender } from './rtp-sender.js';
import type { RTCRtpTransceiver } from './transceiver.js';

/** What the interceptor glue needs from the peer connection. */
export interface InterceptedMediaHost {
  /** The peer connection's log id, handed to interceptors in every StreamInfo. */
  readonly id: string;
  transceivers(): readonly RTCRtpTransceiver[];
  /** The end of the inbound RTP chain (the media router). */
  deliverRtp(packet: Buffer): void;
  /** The end of the inbound RTCP chain (the media router). */
  deliverRtcp(packet: Buffer): void;
}

/** Local streams bound at most (our own SSRCs: main and RTX of every encoding). */
const MAX_LOCAL_STREAMS = 1024;

/**
 * Puts an interceptor chain between the senders/receivers and the secure
 * transport. It is a {@link MediaPipe} for the senders and the RTCP
 * scheduler (outbound), and gives `readRtp`/`readRtcp` to the transport
 * (inbound). Streams are bound when their first packet passes: a local one
 * by its sender, a remote one by the receiving section that negotiated its
 * payload type; at most {@link MAX_INBOUND_STREAMS} remote ones (the router's
 * own bound), later SSRCs go to the router unintercepted (where they are
 * dropped and counted). Used only when the registry is not empty.
 */
export class InterceptedMedia implements MediaPipe {
  readonly #chain: Interceptor;
  readonly #sink: MediaPipe;
  readonly #host: InterceptedMediaHost;
  readonly #local = new Map<number, { info: StreamInfo; writer: RTPWriter }>();
  readonly #remote = new Map<number, { info: StreamInfo; reader: RTPReader }>();
  readonly #rtcpWriter: RTCPWriter;
  readonly #rtcpReader: RTCPReader;
  #closed = false;

  constructor(chain: Interceptor, sink: MediaPipe, host: InterceptedMediaHost) {
    this.#chain = chain;
    this.#sink = sink;
    this.#host = host;
    this.#rtcpWriter = chain.bindRTCPWriter({ write: (packet) => !this.#closed && sink.writeRtcp(packet) });
    this.#rtcpReader = chain.bindRTCPReader({ read: (packet) => host.deliverRtcp(packet) });
  }

  now(): number {
    return this.#sink.now();
  }

  wallMs(): number {
    return this.#sink.wallMs();
  }

  writeRtp(packet: Buffer): boolean {
    if (this.#closed || packet.length < 12) return this.#sink.writeRtp(packet);
    const ssrc = packet.readUInt32BE(8);
    const bound = this.#local.get(ssrc) ?? this.#bindLocal(ssrc);
    return bound ? bound.writer.write(packet, new Attributes()) : this.#sink.writeRtp(packet);
  }

  writeRtcp(packet: Buffer): boolean {
    return this.#rtcpWriter.write(packet, new Attributes());
  }

  /** Inbound plain RTP from the transport. */
  readonly readRtp = (packet: Buffer): void => {
    if (this.#closed || packet.length < 12) return this.#host.deliverRtp(packet);
    const ssrc = packet.readUInt32BE(8);
    const bound = this.#remote.get(ssrc) ?? this.#bindRemote(ssrc, packet[1]! & 0x7f);
    if (bound) bound.reader.read(packet, new Attributes());
    else this.#host.deliverRtp(packet);
  };

  /** Inbound plain compound RTCP from the transport. */
  readonly readRtcp = (packet: Buffer): void => {
    if (this.#closed) return;
    this.#rtcpReader.read(packet, new Attributes());
  };

  /** Unbinds every stream and closes the chain (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const seen = new Set<StreamInfo>();
    for (const { info } of this.#local.values()) if (!seen.has(info) && seen.add(info)) this.#chain.unbindLocalStream(info);
    for (const { info } of this.#remote.values()) this.#chain.unbindRemoteStream(info);
    this.#local.clear();
    this.#remote.clear();
    this.#chain.close();
  }

  #bindLocal(ssrc: number): { info: StreamInfo; writer: RTPWriter } | undefined {
    if (this.#local.size >= MAX_LOCAL_STREAMS) return undefined;
    let sender: RTCRtpSender | undefined;
    let owner: RTCRtpTransceiver | undefined;
    for (const t of this.#host.transceivers()) {
      sender = t.sender.encodings.find((s) => s.ssrc === ssrc || s.rtxSsrc === ssrc);
      if (sender) {
        owner = t;
        break;
      }
    }
    if (!sender || !owner || !sender.codec) return undefined;
    const rtx = sender.getParameters().encodings[0]?.rtx?.ssrc ?? 0;
    const info = this.#info(sender.ssrc, rtx, sender.codec, owner, sender.rid);
    const sink = this.#sink;
    const writer = this.#chain.bindLocalStream(info, { write: (packet) => !this.#closed && sink.writeRtp(packet) });
    const bound = { info, writer };
    this.#local.set(sender.ssrc, bound);
    if (rtx) this.#local.set(rtx, bound);
    return this.#local.get(ssrc);
  }

  #bindRemote(ssrc: number, payloadType: number): { info: StreamInfo; reader: RTPReader } | undefined {
    if (this.#remote.size >= MAX_INBOUND_STREAMS) return undefined;
    for (const t of this.#host.transceivers()) {
      if (t.stopped || t.mid === null) continue;
      const codec = t.negotiatedCodecs.find((c) => c.payloadType === payloadType);
      if (!codec) continue;
      const info = this.#info(ssrc, 0, codec, t, undefined);
      const host = this.#host;
      const reader = this.#chain.bindRemoteStream(info, { read: (packet) => host.deliverRtp(packet) });
      const bound = { info, reader };
      this.#remote.set(ssrc, bound);
      return bound;
    }
    return undefined;
  }

  #info(ssrc: number, rtx: number, codec: RtpCodecParameters, t: RTCRtpTransceiver, rid: string | undefined): StreamInfo {
    return {
      id: this.#host.id,
      ssrc,
      ssrcRetransmission: rtx,
      payloadType: codec.payloadType,
      mimeType: codec.mimeType,
      clockRate: codec.clockRate,
      channels: codec.channels ?? 0,
      sdpFmtpLine: codec.sdpFmtpLine ?? '',
      rtpHeaderExtensions: t.negotiatedExtensions.map((e) => ({ uri: e.uri, id: e.id })),
      rtcpFeedback: (codec.rtcpFeedback ?? []).map((f) => ({ type: f.type, ...(f.parameter ? { parameter: f.parameter } : {}) })),
      mid: t.mid,
      rid,
    };
  }
}

/**
 * The media path of one peer connection's transport: with an empty registry
 * the transport talks to the router and the senders directly (no chain, no
 * wrapper, no per-packet cost); otherwise through an {@link InterceptedMedia}.
 */
export class MediaPath {
  readonly onRtp: (packet: Buffer) => void;
  readonly onRtcp: (packet: Buffer) => void;
  readonly #chain: Interceptor | undefined;
  readonly #host: InterceptedMediaHost;
  #media: InterceptedMedia | undefined;
  #pipe: MediaPipe | undefined;

  constructor(chain: Interceptor | undefined, host: InterceptedMediaHost) {
    this.#chain = chain;
    this.#host = host;
    if (!chain) {
      // The host's own functions: nothing in between.
      this.onRtp = host.deliverRtp;
      this.onRtcp = host.deliverRtcp;
    } else {
      this.onRtp = (packet) => this.#media?.readRtp(packet);
      this.onRtcp = (packet) => this.#media?.readRtcp(packet);
    }
  }

  /** The pipe senders and the RTCP scheduler write to, once attached. */
  get pipe(): MediaPipe | undefined {
    return this.#pipe;
  }

  /** Puts the chain (if any) in front of the transport; returns the pipe to write to. */
  attach(transport: MediaPipe): MediaPipe {
    if (this.#chain) this.#media = new InterceptedMedia(this.#chain, transport, this.#host);
    this.#pipe = this.#media ?? transport;
    return this.#pipe;
  }

  close(): void {
    if (this.#media) this.#media.close();
    else this.#chain?.close();
  }
}
