import { getLogger } from '../common/log.js';
import { ReceiveLog } from '../interceptor/receive-log.js';
import { ReceiverStats } from '../interceptor/receiver-stats.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import type { RtcpPacket } from '../rtcp/index.js';
import { RtcpReader } from './rtcp-reader.js';
import type { MediaKind } from './codec.js';
import type { TrackRemote } from './track-remote.js';

const log = getLogger('rtp');

/** Per inbound SSRC: the track it feeds and its reception state. */
export interface InboundStream {
  readonly ssrc: number;
  readonly track: TrackRemote;
  readonly stats: ReceiverStats;
  readonly nackLog: ReceiveLog | undefined;
  /** True for the RTX stream of a track (RFC 4588). */
  readonly repair: boolean;
}

/**
 * Receives the remote side's track(s) of one transceiver (W3C
 * RTCRtpReceiver); several tracks when the remote sends simulcast.
 */
export class RTCRtpReceiver {
  readonly kind: MediaKind;
  readonly #tracks: TrackRemote[] = [];
  readonly #streams = new Map<number, InboundStream>();
  readonly #rtcp = new RtcpReader('receiver');

  constructor(kind: MediaKind) {
    this.kind = kind;
  }

  /** The first (or only) remote track, once media has arrived. */
  get track(): TrackRemote | undefined {
    return this.#tracks[0];
  }

  get tracks(): readonly TrackRemote[] {
    return this.#tracks;
  }

  get streams(): ReadonlyMap<number, InboundStream> {
    return this.#streams;
  }

  /** RTCP about the remote streams (SR, SDES, BYE) as raw compound packets. */
  onRtcp(handler: (packet: Buffer) => void): () => void {
    return this.#rtcp.onRtcp(handler);
  }

  /** The next compound RTCP packet about this stream, parsed (Pion's ReadRTCP). */
  readRTCP(): Promise<RtcpPacket[]> {
    return this.#rtcp.readRTCP();
  }

  /** @internal */
  addStream(stream: InboundStream): void {
    this.#streams.set(stream.ssrc, stream);
    if (!stream.repair && !this.#tracks.includes(stream.track)) this.#tracks.push(stream.track);
  }

  /** @internal */
  deliver(stream: InboundStream, packet: RtpPacket, size: number, nowMs: number): void {
    stream.stats.onPacket(packet.header.sequenceNumber, packet.header.timestamp, size, nowMs);
    stream.nackLog?.add(packet.header.sequenceNumber);
    stream.track.deliver(packet);
  }

  /** @internal */
  deliverRtcp(packet: Buffer): void {
    this.#rtcp.deliver(packet);
  }

  /** @internal Ends every track (transceiver stopped, direction changed or connection closed). */
  stop(): void {
    this.#rtcp.close();
    for (const t of this.#tracks) t.end();
    this.#tracks.length = 0;
    this.#streams.clear();
  }
}
