import type { Clock } from '../common/clock.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { Attributes } from './attributes.js';

/**
 * Interceptors, Pion's model (`github.com/pion/interceptor`) in TypeScript:
 * every RTP and RTCP packet of a peer connection passes through a chain of
 * interceptors that may read, rewrite, delay, drop or generate packets. The
 * difference from Pion: the read side is push-based (a reader is called with
 * each inbound packet) because Node delivers datagrams by callback.
 *
 * Packets are plain (decrypted) serialized buffers. A packet's parsed forms
 * are cached in its {@link Attributes}, so several interceptors parse it once.
 */

/** Writes one plain RTP packet towards the network. Returns false when it was dropped. */
export interface RTPWriter {
  write(packet: Buffer, attributes: Attributes): boolean;
}

/** Receives one plain RTP packet coming from the network. */
export interface RTPReader {
  read(packet: Buffer, attributes: Attributes): void;
}

/** Writes one plain compound RTCP packet towards the network. */
export interface RTCPWriter {
  write(packet: Buffer, attributes: Attributes): boolean;
}

/** Receives one plain compound RTCP packet coming from the network. */
export interface RTCPReader {
  read(packet: Buffer, attributes: Attributes): void;
}

export interface RTPHeaderExtensionInfo {
  readonly uri: string;
  readonly id: number;
}

export interface RTCPFeedbackInfo {
  readonly type: string;
  readonly parameter?: string;
}

/** What an interceptor learns about one local or remote stream (Pion's StreamInfo). */
export interface StreamInfo {
  /** Identifies the peer connection the stream belongs to (its log id). */
  readonly id: string;
  readonly ssrc: number;
  /** The RTX stream repairing this one, when negotiated (local streams; 0 when none). */
  readonly ssrcRetransmission: number;
  readonly payloadType: number;
  readonly mimeType: string;
  readonly clockRate: number;
  readonly channels: number;
  readonly sdpFmtpLine: string;
  readonly rtpHeaderExtensions: readonly RTPHeaderExtensionInfo[];
  readonly rtcpFeedback: readonly RTCPFeedbackInfo[];
  readonly mid: string | null;
  readonly rid: string | undefined;
}

/**
 * One interceptor bound to one peer connection. Every bind method returns the
 * reader or writer to use in place of the one given (the same one when the
 * interceptor has nothing to do on that path: see {@link NoOpInterceptor}).
 */
export interface Interceptor {
  /** Wraps the reader of every inbound compound RTCP packet. */
  bindRTCPReader(reader: RTCPReader): RTCPReader;
  /** Wraps the writer of every outbound compound RTCP packet; an interceptor that generates RTCP keeps it. */
  bindRTCPWriter(writer: RTCPWriter): RTCPWriter;
  /** A local stream (one SSRC we send) starts: wrap its RTP writer. */
  bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter;
  unbindLocalStream(info: StreamInfo): void;
  /** A remote stream (one SSRC we receive) starts: wrap its RTP reader. */
  bindRemoteStream(info: StreamInfo, reader: RTPReader): RTPReader;
  unbindRemoteStream(info: StreamInfo): void;
  /** Releases timers and state; called once when the peer connection closes. */
  close(): void;
}

/** What a factory is handed when a peer connection builds its chain. */
export interface InterceptorContext {
  /** The peer connection's log id. */
  readonly id: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: ScopedLogger;
}

/** Makes one interceptor per peer connection (Pion's interceptor.Factory). */
export interface InterceptorFactory {
  /** A name for listing, removing and reordering (e.g. 'gcc', 'twcc-sender'). */
  readonly name: string;
  newInterceptor(context: InterceptorContext): Interceptor;
}

/** An interceptor that passes everything through; extend it and override what you need. */
export class NoOpInterceptor implements Interceptor {
  bindRTCPReader(reader: RTCPReader): RTCPReader {
    return reader;
  }
  bindRTCPWriter(writer: RTCPWriter): RTCPWriter {
    return writer;
  }
  bindLocalStream(_info: StreamInfo, writer: RTPWriter): RTPWriter {
    return writer;
  }
  unbindLocalStream(_info: StreamInfo): void {}
  bindRemoteStream(_info: StreamInfo, reader: RTPReader): RTPReader {
    return reader;
  }
  unbindRemoteStream(_info: StreamInfo): void {}
  close(): void {}
}

export { Attributes };
