import { DropCounter } from '../common/drop-counter.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { randomIceString } from '../common/rng.js';
import { ReceiveLog } from '../interceptor/receive-log.js';
import { ReceiverStats } from '../interceptor/receiver-stats.js';
import { TwccRecorder } from '../interceptor/twcc-recorder.js';
import { ntpMiddle32 } from '../interceptor/sender-stats.js';
import { parseRtcp, type RtcpPacket } from '../rtcp/index.js';
import { RtpPacket } from '../rtp/rtp-packet.js';
import { isRtx, rtxApt } from './codec.js';
import { HeaderExtensionUri } from './media-engine.js';
import type { InboundStream } from './rtp-receiver.js';
import type { RTCRtpSender } from './rtp-sender.js';
import { TrackRemote } from './track-remote.js';
import type { RTCRtpTransceiver } from './transceiver.js';

/** Inbound SSRCs one peer connection accepts before dropping new ones. */
export const MAX_INBOUND_STREAMS = 256;
/**
 * Unannounced SSRCs (not in the remote description) one peer connection
 * binds over its life, by default (SettingEngine.setUnannouncedSSRCLimit).
 * Each becomes a remote track, and an SFU offers every track to every other
 * member, so a peer spraying SSRCs must not be able to create hundreds.
 * 16 covers two simulcast videos of three layers with RTX plus audio.
 */
export const DEFAULT_UNANNOUNCED_SSRC_LIMIT = 16;

export interface SignalledStream {
  mid: string;
  ssrc: number;
  rtxSsrc?: number;
  streamId?: string;
  trackId?: string;
}

export interface MediaRouterHost {
  readonly log: ScopedLogger;
  readonly rng: Rng;
  transceivers(): readonly RTCRtpTransceiver[];
  /** SSRCs the remote description announced, by SSRC (main and RTX). */
  signalled(ssrc: number): SignalledStream | undefined;
  now(): number;
  /** Wall-clock ms since the epoch (round-trip times from reception reports). */
  wallMs(): number;
  onTrack(track: TrackRemote, transceiver: RTCRtpTransceiver): void;
  /** Unannounced SSRCs bound at most (default {@link DEFAULT_UNANNOUNCED_SSRC_LIMIT}). */
  readonly unannouncedSsrcLimit?: number;
}

interface RouteEntry {
  transceiver: RTCRtpTransceiver;
  stream: InboundStream;
  /** For an RTX stream: the main stream's SSRC and the apt mapping. */
  repairOf?: InboundStream;
}

/**
 * Routes decrypted RTP and RTCP to receivers and senders. Unknown SSRCs are
 * bound per RFC 9143 §9.2: signalled SSRC, then the MID header extension
 * (with RID / repaired RID), then a payload type unique to one section.
 */
export class MediaRouter {
  readonly #host: MediaRouterHost;
  readonly #routes = new Map<number, RouteEntry>();
  readonly drops: DropCounter;
  /** Arrivals for transport-cc feedback (sent by the RTCP scheduler). */
  readonly twcc: TwccRecorder;
  /** Unannounced SSRCs bound so far (never decreases: ended tracks stay with their receiver). */
  #unannounced = 0;

  constructor(host: MediaRouterHost) {
    this.#host = host;
    this.drops = new DropCounter(host.log);
    this.twcc = new TwccRecorder(this.drops);
  }

  get inboundStreams(): number {
    return this.#routes.size;
  }

  /** Forgets every route (the transport was replaced or closed). */
  reset(): void {
    this.#routes.clear();
  }

  handleRtp(plain: Buffer): void {
    let packet: RtpPacket;
    try {
      packet = RtpPacket.parse(plain);
    } catch (err) {
      this.drops.drop('rtp-decode', err);
      return;
    }
    let route = this.#routes.get(packet.header.ssrc);
    if (!route) {
      route = this.#bind(packet);
      if (!route) return;
    }
    const t = route.transceiver;
    if (t.twccExtensionId !== undefined) {
      const ext = packet.header.getExtension(t.twccExtensionId);
      if (ext && ext.length >= 2) this.twcc.record(ext.readUInt16BE(0), packet.header.ssrc, this.#host.now());
    }
    if (route.repairOf) {
      const original = this.#unwrapRtx(packet, route);
      if (!original) return;
      t.receiver.deliver(route.repairOf, original, plain.length, this.#host.now());
      return;
    }
    t.receiver.deliver(route.stream, packet, plain.length, this.#host.now());
  }

  handleRtcp(plain: Buffer, senders: readonly RTCRtpSender[]): RtcpPacket[] {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(plain);
    } catch (err) {
      this.drops.drop('rtcp-decode', err);
      return [];
    }
    const now = this.#host.now();
    const senderBySsrc = (ssrc: number): RTCRtpSender | undefined => senders.find((s) => s.ssrc === ssrc);
    const touchedSenders = new Set<RTCRtpSender>();
    const touchedReceivers = new Set<RTCRtpTransceiver>();
    for (const p of packets) {
      if (p.kind === 'sr' || p.kind === 'rr') {
        // Reception reports about our streams: remote-inbound-rtp stats, and the sender's readRTCP (as Pion routes them).
        for (const block of p.reports) {
          const s = senderBySsrc(block.ssrc);
          if (!s) continue;
          s.stats?.onReceptionReport(block, this.#host.wallMs());
          touchedSenders.add(s);
        }
      }
      switch (p.kind) {
        case 'sr': {
          const r = this.#routes.get(p.ssrc);
          if (r) {
            const sec = Number(p.ntpTimestamp >> 32n);
            const frac = Number(p.ntpTimestamp & 0xffffffffn);
            r.stream.stats.onSenderReport(ntpMiddle32(sec, frac), now);
            touchedReceivers.add(r.transceiver);
          }
          break;
        }
        case 'nack': {
          const s = senderBySsrc(p.mediaSsrc);
          if (s) {
            if (s.stats) s.stats.nacksReceived++;
            s.retransmit(p.lostSequenceNumbers());
            touchedSenders.add(s);
          }
          break;
        }
        case 'pli':
        case 'fir': {
          const ssrc = p.kind === 'pli' ? p.mediaSsrc : (p.entries[0]?.ssrc ?? p.mediaSsrc);
          const s = senderBySsrc(ssrc);
          if (s) {
            if (s.stats) p.kind === 'pli' ? s.stats.plisReceived++ : s.stats.firsReceived++;
            touchedSenders.add(s);
          }
          break;
        }
        case 'bye':
          for (const ssrc of p.sources) {
            const r = this.#routes.get(ssrc);
            if (r && !r.repairOf) {
              r.stream.track.end();
              this.#routes.delete(ssrc);
            }
          }
          break;
        case 'remb':
        case 'twcc':
          for (const s of senders) touchedSenders.add(s);
          break;
        default:
          break;
      }
    }
    for (const s of touchedSenders) s.deliverRtcp(plain);
    for (const t of touchedReceivers) t.receiver.deliverRtcp(plain);
    return packets;
  }

  #bind(packet: RtpPacket): RouteEntry | undefined {
    if (this.#routes.size >= MAX_INBOUND_STREAMS) {
      this.drops.drop('too-many-inbound-streams');
      return undefined;
    }
    const h = packet.header;
    const host = this.#host;
    const transceivers = host.transceivers().filter((t) => !t.stopped && t.mid !== null);
    let transceiver: RTCRtpTransceiver | undefined;
    let rid: string | undefined;
    let repairedRid: string | undefined;
    let trackId: string | undefined;
    let streamId: string | undefined;
    let rtxOfSsrc: number | undefined;
    const sig = host.signalled(h.ssrc);
    if (sig) {
      transceiver = transceivers.find((t) => t.mid === sig.mid);
      streamId = sig.streamId;
      trackId = sig.trackId;
      if (sig.rtxSsrc === h.ssrc) rtxOfSsrc = sig.ssrc;
    }
    if (!transceiver) {
      // RFC 9143 §9.2 step 2: the MID header extension, with the ids negotiated for that section.
      for (const t of transceivers) {
        const midId = t.negotiatedExtensions.find((x) => x.uri === HeaderExtensionUri.Mid)?.id;
        if (midId === undefined) continue;
        const mid = h.getExtension(midId);
        if (!mid || mid.toString() !== t.mid) continue;
        transceiver = t;
        const ridId = t.negotiatedExtensions.find((x) => x.uri === HeaderExtensionUri.RtpStreamId)?.id;
        const rridId = t.negotiatedExtensions.find((x) => x.uri === HeaderExtensionUri.RepairedRtpStreamId)?.id;
        rid = ridId !== undefined ? h.getExtension(ridId)?.toString() : undefined;
        repairedRid = rridId !== undefined ? h.getExtension(rridId)?.toString() : undefined;
        break;
      }
    }
    if (!transceiver) {
      // Step 3: a payload type that only one section negotiated.
      const owners = transceivers.filter((t) => t.negotiatedCodecs.some((c) => c.payloadType === h.payloadType));
      if (owners.length === 1) transceiver = owners[0];
    }
    if (!transceiver) {
      this.drops.drop('unroutable-ssrc', `ssrc ${h.ssrc} pt ${h.payloadType}`);
      return undefined;
    }
    const codec = transceiver.negotiatedCodecs.find((c) => c.payloadType === h.payloadType);
    if (!codec) {
      this.drops.drop('unknown-payload-type', `ssrc ${h.ssrc} pt ${h.payloadType}`);
      return undefined;
    }
    const direction = transceiver.currentDirection ?? transceiver.direction;
    if (direction === 'sendonly' || direction === 'inactive') {
      this.drops.drop('not-receiving', `mid ${transceiver.mid}`);
      return undefined;
    }
    const announced = sig !== undefined;
    if (!announced && !this.#admitUnannounced(transceiver, isRtx(codec), rid, h.ssrc)) return undefined;
    if (isRtx(codec)) {
      // An RTX stream: find its main stream (signalled pair or the repaired rid).
      const main = [...this.#routes.values()].find(
        (r) => !r.repairOf && r.transceiver === transceiver && (rtxOfSsrc !== undefined ? r.stream.ssrc === rtxOfSsrc : r.stream.track.rid === repairedRid),
      );
      if (!main) {
        this.drops.drop('rtx-before-media');
        return undefined;
      }
      const stream: InboundStream = { ssrc: h.ssrc, track: main.stream.track, stats: new ReceiverStats(h.ssrc, codec.clockRate), nackLog: undefined, repair: true };
      if (!announced && [...this.#routes.values()].some((r) => r.repairOf === main.stream)) {
        // One repair stream per main stream; a second unannounced one is spray.
        this.drops.drop('rtx-already-bound', `ssrc ${h.ssrc}`);
        return undefined;
      }
      const entry: RouteEntry = { transceiver, stream, repairOf: main.stream };
      this.#routes.set(h.ssrc, entry);
      if (!announced) this.#unannounced++;
      transceiver.receiver.addStream(stream);
      return entry;
    }
    const track = new TrackRemote({
      kind: transceiver.kind,
      ssrc: h.ssrc,
      ...(rid !== undefined ? { rid } : {}),
      id: trackId ?? randomIceString(host.rng, 16),
      streamId: streamId ?? randomIceString(host.rng, 16),
      codec,
    });
    const nack = codec.rtcpFeedback?.some((f) => f.type === 'nack' && !f.parameter) ?? false;
    const stream: InboundStream = {
      ssrc: h.ssrc,
      track,
      stats: new ReceiverStats(h.ssrc, codec.clockRate),
      nackLog: nack ? new ReceiveLog() : undefined,
      repair: false,
    };
    const entry: RouteEntry = { transceiver, stream };
    this.#routes.set(h.ssrc, entry);
    if (!announced) this.#unannounced++;
    transceiver.receiver.addStream(stream);
    host.log.debug(`new remote track: mid ${transceiver.mid} ssrc ${h.ssrc}${rid ? ` rid ${rid}` : ''} ${codec.mimeType}/${codec.payloadType}`);
    host.onTrack(track, transceiver);
    return entry;
  }

  /**
   * Whether a new SSRC the remote description did not announce may bind to
   * `transceiver`: within the per-connection limit, and, when the section
   * already receives a stream, only as another simulcast layer (a RID not yet
   * bound there) or as RTX (checked by the caller against a known stream).
   * Otherwise dropped and counted.
   */
  #admitUnannounced(transceiver: RTCRtpTransceiver, rtx: boolean, rid: string | undefined, ssrc: number): boolean {
    if (!rtx) {
      for (const r of this.#routes.values()) {
        if (r.transceiver !== transceiver || r.repairOf) continue;
        if (r.stream.track.rid === undefined || rid === undefined || r.stream.track.rid === rid) {
          this.drops.drop('ssrc-on-active-mid', `ssrc ${ssrc} mid ${transceiver.mid}${rid !== undefined ? ` rid ${rid}` : ''}`);
          return false;
        }
      }
    }
    if (this.#unannounced >= (this.#host.unannouncedSsrcLimit ?? DEFAULT_UNANNOUNCED_SSRC_LIMIT)) {
      this.drops.drop('unannounced-ssrc-limit', `ssrc ${ssrc}`);
      return false;
    }
    return true;
  }

  /** RFC 4588 §4: restore the original sequence number and payload type. */
  #unwrapRtx(packet: RtpPacket, route: RouteEntry): RtpPacket | undefined {
    const t = route.transceiver;
    const rtxCodec = t.negotiatedCodecs.find((c) => c.payloadType === packet.header.payloadType);
    const apt = rtxCodec ? rtxApt(rtxCodec) : undefined;
    if (apt === undefined || packet.payload.length < 2) {
      this.drops.drop('bad-rtx');
      return undefined;
    }
    const original = new RtpPacket(packet.header.clone(), packet.payload.subarray(2));
    original.header.sequenceNumber = packet.payload.readUInt16BE(0);
    original.header.payloadType = apt;
    original.header.ssrc = route.repairOf!.ssrc;
    route.stream.stats.onPacket(packet.header.sequenceNumber, packet.header.timestamp, packet.payload.length, this.#host.now());
    return original;
  }

  /** Every inbound main stream, for reports and NACKs. */
  *mainStreams(): Iterable<{ transceiver: RTCRtpTransceiver; stream: InboundStream }> {
    for (const r of this.#routes.values()) if (!r.repairOf) yield { transceiver: r.transceiver, stream: r.stream };
  }
}

