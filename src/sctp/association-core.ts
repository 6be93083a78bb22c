import { getLogger, type ScopedLogger } from '../common/log.js';
import { DropCounter } from '../common/drop-counter.js';
import {
  decodeForwardTsn,
  decodeInit,
  decodeReconfig,
  encodeCause,
  encodeChunk,
  encodeInit,
  encodeShutdown,
  firstCauseCode,
  SackView,
  type InitChunk,
} from './chunks.js';
import { ChunkType, COMMON_HEADER_SIZE, ErrorCause } from './constants.js';
import { sctpChecksum } from './crc32c.js';
import { DataReceiver } from './data-receiver.js';
import { SctpDecodeError, SctpError } from './errors.js';
import { DataSender } from './data-sender.js';
import type { OutChunk } from './outstanding.js';
import { resolveOptions, newStats, type ResolvedOptions } from './options.js';
import { writePacket, type Ctrl } from './packet-writer.js';
import { decodeCookie, encodeCookie, type CookieContents } from './state-cookie.js';
import { localInitFields, negotiate, validInit } from './handshake.js';
import { StreamReset } from './stream-reset.js';
import { tsnAdd, tsnLte } from './tsn.js';
import type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';
import { pad4, u16, u32, w16, w32 } from './wire.js';

export type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';
export { SCTP_DEFAULTS } from './options.js';

const baseLog = getLogger('sctp');

/** INIT-ACKs answered per second at most (INIT flood bound; the responder keeps no state). */
const MAX_INIT_ACKS_PER_SECOND = 16;
/** Longest HEARTBEAT info echoed back. */
const MAX_HEARTBEAT_INFO = 512;
/** Control chunks queued (unsent) beyond which further input is dropped. */
const MAX_CONTROL_BACKLOG = 256;
/** Most chunks processed from one packet. */
const MAX_CHUNKS_PER_PACKET = 1024;


/**
 * Sans-IO SCTP association (RFC 9260) for data channels over DTLS (RFC 8261): one packet per
 * DTLS record, a single path, no IP addresses. Fed packets and `now`; produces packets
 * ({@link pollTransmit}), events ({@link pollEvent}) and its next deadline ({@link pollTimeout}).
 *
 * Memory bounds: inbound reassembly and undelivered messages ≤ `maxReceiveWindow` (advertised as
 * a_rwnd; the whole window is advertised from the start, so it never limits a path below
 * maxReceiveWindow / RTT, e.g. 670 Mbit/s at 50 ms with 4 MiB, and memory is used only by what
 * is actually held); unsent data ≤ `sendHighWaterMark`; data in flight ≤ min(cwnd, peer
 * window, 16 MiB).
 */
export class SctpAssociationCore {
  readonly #o: ResolvedOptions;
  readonly #log: ScopedLogger;
  readonly #drops: DropCounter;
  #state: SctpState = 'closed';
  #terminated = false;
  readonly #localTag: number;
  readonly #localInitialTsn: number;
  readonly #secret: Uint8Array;
  #peerTag = 0;
  #peerInitialTsn = 0;
  /** The peer's a_rwnd from its INIT / INIT-ACK. */
  #peerRwnd0 = 0;
  #peerZeroChecksum = false;
  #forwardTsn = false;
  #reconfig = false;
  #iData = false;
  #outStreams = 0;
  #inStreams = 0;
  #now = 0;
  // Receive side.
  readonly #rx: DataReceiver;
  // Send side.
  readonly #tx: DataSender;
  #errorCount = 0;
  // Handshake / shutdown timers.
  #t1At: number | undefined;
  #t1Rto = 0;
  #t1Count = 0;
  #t1Chunk: Uint8Array | undefined;
  #t2At: number | undefined;
  #t2Count = 0;
  #hbAt: number | undefined;
  #hbNonce = 0;
  #hbOutstanding = false;
  #initAckWindow = -Infinity;
  #initAckCount = 0;
  readonly #reset: StreamReset;
  // Output.
  readonly #ctrl: Ctrl[] = [];
  #events: SctpEvent[] = [];
  #eventHead = 0;
  readonly #sack = new SackView();
  readonly #pktData: OutChunk[] = [];
  readonly #pktCtrl: Ctrl[] = [];
  readonly #stats: SctpStats;

  constructor(opts: SctpAssociationOptions) {
    const o = resolveOptions(opts);
    this.#o = o;
    this.#log = opts.logger ?? baseLog;
    this.#drops = new DropCounter(this.#log);
    this.#rx = new DataReceiver(
      { maxReceiveWindow: o.maxReceiveWindow, maxMessageSize: o.maxMessageSize, delayedAckMs: o.delayedAckMs },
      this.#drops,
    );
    this.#localTag = nonZero(o.rng);
    this.#localInitialTsn = o.rng.uint32();
    this.#secret = o.rng.bytes(32);
    this.#tx = new DataSender({
      mtu: o.mtu,
      maxBurst: o.maxBurst,
      sendHighWaterMark: o.sendHighWaterMark,
      maxSendMessageSize: o.maxSendMessageSize,
      rtoInitialMs: o.rtoInitialMs,
      rtoMinMs: o.rtoMinMs,
      rtoMaxMs: o.rtoMaxMs,
      congestionControl: o.congestionControl,
    });
    this.#reset = new StreamReset(this.#localInitialTsn);
    this.#stats = newStats(o.rtoInitialMs, o.maxReceiveWindow);
  }

  get state(): SctpState {
    return this.#state;
  }

  get stats(): Readonly<SctpStats> {
    const s = this.#stats;
    s.srttMs = this.#tx.cc.srtt;
    s.rtoMs = this.#tx.cc.rto;
    s.cwnd = this.#tx.cc.cwnd;
    s.ssthresh = this.#tx.cc.ssthresh;
    s.peerRwnd = this.#tx.peerRwnd();
    s.localRwnd = this.#localRwnd();
    s.flightSize = this.#tx.out.flightSize;
    s.fastRetransmissions = this.#tx.out.fastRetransmissions;
    s.retransmissions = this.#tx.retransmissions;
    s.duplicateTsns = this.#rx.duplicates;
    s.abandonedMessages = this.#tx.out.abandonedMessages;
    s.dropped = this.#drops.toJSON();
    const broken = this.#rx.droppedMessages;
    if (broken > 0) s.dropped['message-too-big-or-broken'] = broken;
    return s;
  }

  /** Negotiated stream counts (0 before the association is up). */
  get outboundStreams(): number {
    return this.#outStreams;
  }

  get inboundStreams(): number {
    return this.#inStreams;
  }

  /** Whether I-DATA (RFC 8260) was negotiated. */
  get interleaving(): boolean {
    return this.#iData;
  }

  /** Whether packets are sent with a zero checksum (RFC 9653, both sides agreed). */
  get zeroChecksumInUse(): boolean {
    return this.#o.zeroChecksum && this.#peerZeroChecksum;
  }

  // ---- API -------------------------------------------------------------------------------

  connect(nowMs: number): void {
    this.#now = nowMs;
    if (this.#terminated) throw new SctpError('ERR_SCTP_CLOSED', 'SCTP association is closed');
    if (this.#state !== 'closed') return;
    const init = encodeInit(false, localInitFields(this.#o, this.#localTag, this.#localInitialTsn));
    this.#state = 'cookie-wait';
    this.#t1Chunk = init;
    this.#t1Rto = this.#o.rtoInitialMs;
    this.#t1Count = 0;
    this.#t1At = nowMs + this.#t1Rto;
    this.#ctrl.push({ bytes: init, vtag: 0, crc: true });
  }

  send(streamId: number, ppid: number, data: Uint8Array, opts?: SctpSendOptions, nowMs?: number): void {
    if (nowMs !== undefined) this.#now = nowMs;
    if (this.#terminated || this.#state.startsWith('shutdown')) {
      throw new SctpError('ERR_SCTP_CLOSED', `SCTP association is ${this.#terminated ? 'closed' : 'shutting down'}`);
    }
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 65535) {
      throw new SctpError('ERR_SCTP_INVALID_ARGUMENT', `bad stream id ${streamId}`);
    }
    const limit = this.#state === 'established' ? this.#outStreams : this.#o.maxOutboundStreams;
    if (streamId >= limit) throw new SctpError('ERR_SCTP_BAD_STREAM', `stream ${streamId} beyond the ${limit} outbound streams`);
    this.#tx.enqueue(streamId, ppid, data, opts, this.#now);
    this.#stats.messagesSent++;
  }

  resetStreams(streamIds: number[]): void {
    if (this.#terminated || this.#state !== 'established') {
      throw new SctpError('ERR_SCTP_INVALID_STATE', `cannot reset streams in state ${this.#state}`);
    }
    if (!this.#reconfig) throw new SctpError('ERR_SCTP_INVALID_STATE', 'the peer does not support stream reconfiguration');
    for (const id of streamIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.#outStreams) throw new SctpError('ERR_SCTP_BAD_STREAM', `bad stream ${id}`);
    }
    for (const id of streamIds) this.#tx.queue.stream(id).resetting = true;
    this.#reset.request(streamIds);
    this.#maybeSendReset();
  }

  bufferedAmount(streamId: number): number {
    return this.#tx.queue.peekStream(streamId)?.buffered ?? 0;
  }

  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    if (!(bytes >= 0)) throw new SctpError('ERR_SCTP_INVALID_ARGUMENT', 'threshold must be ≥ 0');
    this.#tx.queue.stream(streamId).lowThreshold = bytes;
  }

  shutdown(nowMs: number): void {
    this.#now = nowMs;
    if (this.#terminated) return;
    if (this.#state === 'cookie-wait' || this.#state === 'cookie-echoed' || this.#state === 'closed') {
      this.#close('shutdown');
      return;
    }
    if (this.#state !== 'established') return;
    this.#state = 'shutdown-pending';
    this.#maybeShutdown();
  }

  abort(reason?: string): void {
    if (this.#terminated) return;
    if (this.#peerTag !== 0 && this.#state !== 'cookie-wait') {
      const info = reason ? new TextEncoder().encode(reason).subarray(0, 128) : undefined;
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.Abort, 0, encodeCause(ErrorCause.UserInitiatedAbort, info)) });
    }
    this.#close('local');
  }

  pollEvent(): SctpEvent | undefined {
    const low = this.#tx.queue.lowEvents;
    if (low.length > 0) {
      for (const id of low) this.#events.push({ type: 'buffered-amount-low', streamId: id });
      low.length = 0;
    }
    if (this.#eventHead >= this.#events.length) {
      if (this.#eventHead > 0) {
        this.#events = [];
        this.#eventHead = 0;
      }
      return undefined;
    }
    const e = this.#events[this.#eventHead]!;
    this.#events[this.#eventHead++] = undefined as unknown as SctpEvent;
    if (e.type === 'message') this.#rx.eventBytes -= e.data.length;
    return e;
  }

  pollTimeout(): number | undefined {
    if (this.#terminated) return undefined;
    let t: number | undefined;
    for (const x of [this.#t1At, this.#t2At, this.#tx.t3At, this.#rx.ackAt, this.#hbAt, this.#reset.timerAt]) {
      if (x !== undefined && (t === undefined || x < t)) t = x;
    }
    return t;
  }

  handleTimeout(nowMs: number): void {
    this.#now = nowMs;
    if (this.#terminated) return;
    if (this.#t1At !== undefined && nowMs >= this.#t1At) this.#onT1(nowMs);
    if (this.#t2At !== undefined && nowMs >= this.#t2At) this.#onT2(nowMs);
    if (this.#terminated) return;
    if (this.#tx.t3At !== undefined && nowMs >= this.#tx.t3At) this.#onT3(nowMs);
    if (this.#terminated) return;
    if (this.#rx.ackAt !== undefined && nowMs >= this.#rx.ackAt) {
      this.#rx.ackAt = undefined;
      this.#rx.sackNeeded = true;
    }
    if (this.#hbAt !== undefined && nowMs >= this.#hbAt) this.#onHeartbeatTimer(nowMs);
    if (this.#terminated) return;
    const resend = this.#reset.onTimer(nowMs, this.#tx.cc.rto);
    if (resend) this.#ctrl.push({ bytes: resend });
    this.#tx.refillBurst(nowMs);
  }

  // ---- input -----------------------------------------------------------------------------

  handleInput(packet: Uint8Array, nowMs: number): void {
    this.#now = nowMs;
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += packet.length;
    if (this.#terminated) return this.#drop('closed');
    try {
      // A plain Uint8Array view: `slice()` below must copy, which Buffer#slice does not.
      const view = packet instanceof Buffer ? new Uint8Array(packet.buffer, packet.byteOffset, packet.length) : packet;
      this.#input(view, nowMs);
    } catch (err) {
      if (err instanceof SctpDecodeError) this.#drop('malformed', err.message);
      else {
        this.#drop('internal-error', err);
        this.#log.warn('error handling a packet', err);
      }
    }
  }

  #drop(reason: string, detail?: unknown): void {
    this.#drops.drop(reason, detail);
  }

  #input(b: Uint8Array, now: number): void {
    const len = b.length;
    // Replies the peer's packets cause (HEARTBEAT-ACK, ERROR, COOKIE-ACK) wait here until the
    // driver polls; a peer cannot pile them up without bound.
    if (this.#ctrl.length >= MAX_CONTROL_BACKLOG) return this.#drop('control-backlog');
    if (len < COMMON_HEADER_SIZE + 4) return this.#drop('short-packet');
    if (u16(b, 0) !== this.#o.remotePort || u16(b, 2) !== this.#o.localPort) return this.#drop('bad-port');
    const checksum = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0;
    if (!(checksum === 0 && this.#o.zeroChecksum) && sctpChecksum(b) !== checksum) return this.#drop('bad-checksum');
    const vtag = u32(b, 4);
    const first = b[12]!;
    if (first === ChunkType.Init) {
      const clen = u16(b, 14);
      if (vtag !== 0 || clen < 20 || 12 + pad4(clen) < len) return this.#drop('bad-init');
      if (12 + clen > len) throw new SctpDecodeError('INIT overruns the packet');
      return this.#onInit(decodeInit(b, 16, 12 + clen), now);
    }
    this.#rx.beginPacket();
    let o = COMMON_HEADER_SIZE;
    let n = 0;
    while (o < len) {
      if (++n > MAX_CHUNKS_PER_PACKET) return this.#drop('too-many-chunks');
      if (len - o < 4) throw new SctpDecodeError('truncated chunk header');
      const type = b[o]!;
      const flags = b[o + 1]!;
      const clen = u16(b, o + 2);
      if (clen < 4 || o + clen > len) throw new SctpDecodeError('chunk length overruns the packet');
      const start = o + 4;
      const end = o + clen;
      o += pad4(clen);
      // RFC 9260 §8.5.1: ABORT and SHUTDOWN-COMPLETE may carry the peer's tag with the T bit.
      const tOk = (flags & 1) === 1 && vtag === this.#peerTag && this.#peerTag !== 0;
      if (type === ChunkType.Abort || type === ChunkType.ShutdownComplete) {
        if (vtag !== this.#localTag && !tOk) return this.#drop('bad-vtag');
      } else if (vtag !== this.#localTag) return this.#drop('bad-vtag');
      switch (type) {
        case ChunkType.Data:
        case ChunkType.IData:
          this.#onData(b, start, end, flags, type === ChunkType.IData);
          break;
        case ChunkType.Sack:
          this.#onSack(b, start, end, now);
          break;
        case ChunkType.InitAck:
          this.#onInitAck(decodeInit(b, start, end), now);
          break;
        case ChunkType.CookieEcho:
          this.#onCookieEcho(b.subarray(start, end), now);
          break;
        case ChunkType.CookieAck:
          if (this.#state === 'cookie-echoed') this.#establish(now);
          break;
        case ChunkType.Heartbeat:
          this.#onHeartbeat(b, start, end);
          break;
        case ChunkType.HeartbeatAck:
          this.#onHeartbeatAck(b, start, end, now);
          break;
        case ChunkType.Abort:
          this.#log.debug('peer aborted, cause', firstCauseCode(b, start, end));
          this.#close('abort', new SctpError('ERR_SCTP_ABORTED', 'the peer aborted the association'));
          return;
        case ChunkType.Shutdown:
          this.#onShutdown(b, start, end, now);
          break;
        case ChunkType.ShutdownAck:
          if (this.#state === 'shutdown-sent' || this.#state === 'shutdown-ack-sent') {
            this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownComplete, 0) });
            this.#close('shutdown');
            return;
          }
          break;
        case ChunkType.ShutdownComplete:
          if (this.#state === 'shutdown-ack-sent') {
            this.#close('shutdown');
            return;
          }
          break;
        case ChunkType.Error:
          this.#log.debug('peer reported error cause', firstCauseCode(b, start, end));
          break;
        case ChunkType.ForwardTsn:
        case ChunkType.IForwardTsn:
          this.#onForwardTsn(b, start, end, type === ChunkType.IForwardTsn);
          break;
        case ChunkType.Reconfig:
          this.#onReconfig(b, start, end, now);
          break;
        default:
          // RFC 9260 §3.2: the two high bits say whether to skip the chunk and whether to report it.
          if (type & 0x40 && this.#state === 'established') {
            const info = b.subarray(start - 4, Math.min(end, start - 4 + 128));
            this.#ctrl.push({ bytes: encodeChunk(ChunkType.Error, 0, encodeCause(ErrorCause.UnrecognizedChunkType, info)) });
          }
          if ((type & 0x80) === 0) {
            this.#drop('unrecognized-chunk');
            o = len;
          }
      }
      if (this.#terminated) return;
    }
    if (this.#rx.endPacket(now, this.#state !== 'established')) this.#checkDeferredReset();
  }

  #onInit(init: InitChunk, now: number): void {
    if (!validInit(init)) return this.#drop('bad-init');
    if (this.#state !== 'closed' && this.#state !== 'cookie-wait' && this.#state !== 'cookie-echoed') {
      // A retransmitted INIT of the same peer (an INIT collision finishing late) is answered
      // again; a restart (new tag) is not supported.
      if (init.initiateTag !== this.#peerTag) return this.#drop('init-restart-unsupported');
    }
    if (now - this.#initAckWindow >= 1000) {
      this.#initAckWindow = now;
      this.#initAckCount = 0;
    }
    if (++this.#initAckCount > MAX_INIT_ACKS_PER_SECOND) return this.#drop('init-flood');
    const cookie = negotiate(init, this.#o, this.#localTag, this.#localInitialTsn, now);
    const ack = encodeInit(true, { ...localInitFields(this.#o, this.#localTag, this.#localInitialTsn), cookie: encodeCookie(cookie, this.#secret) });
    this.#ctrl.push({ bytes: ack, vtag: init.initiateTag, crc: true });
  }

  #onInitAck(init: InitChunk, now: number): void {
    if (this.#state !== 'cookie-wait') return this.#drop('unexpected-init-ack');
    if (!validInit(init) || !init.cookie) return this.#drop('bad-init-ack');
    this.#adopt(negotiate(init, this.#o, this.#localTag, this.#localInitialTsn, now));
    const echo = encodeChunk(ChunkType.CookieEcho, 0, init.cookie);
    this.#state = 'cookie-echoed';
    this.#t1Chunk = echo;
    this.#t1Count = 0;
    this.#t1Rto = this.#o.rtoInitialMs;
    this.#t1At = now + this.#t1Rto;
    this.#ctrl.push({ bytes: echo, crc: true });
  }

  #adopt(c: CookieContents): void {
    this.#peerTag = c.peerTag;
    this.#peerInitialTsn = c.peerInitialTsn;
    this.#peerRwnd0 = c.peerRwnd;
    this.#outStreams = c.outboundStreams;
    this.#inStreams = c.inboundStreams;
    this.#forwardTsn = c.forwardTsn;
    this.#reconfig = c.reconfig;
    this.#iData = c.iData;
    this.#peerZeroChecksum = c.zeroChecksum;
  }

  #onCookieEcho(bytes: Uint8Array, now: number): void {
    const check = decodeCookie(bytes, this.#secret, now, this.#o.cookieLifetimeMs);
    if (!check.ok) return this.#drop(check.reason);
    const c = check.cookie;
    if (c.localTag !== this.#localTag) return this.#drop('bad-cookie');
    if (this.#state === 'closed' || this.#state === 'cookie-wait' || this.#state === 'cookie-echoed') {
      this.#adopt(c);
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.CookieAck, 0) });
      this.#establish(now);
      return;
    }
    // RFC 9260 §5.2.4 case D: both tags match, the COOKIE-ACK was lost.
    if (c.peerTag !== this.#peerTag) return this.#drop('cookie-restart-unsupported');
    this.#ctrl.push({ bytes: encodeChunk(ChunkType.CookieAck, 0) });
  }

  #establish(now: number): void {
    this.#state = 'established';
    this.#t1At = undefined;
    this.#t1Chunk = undefined;
    this.#tx.start({
      initialTsn: this.#localInitialTsn,
      peerRwnd: this.#peerRwnd0,
      iData: this.#iData,
      forwardTsn: this.#forwardTsn,
      outStreams: this.#outStreams,
    });
    this.#rx.start(this.#peerInitialTsn, this.#iData, this.#inStreams, (streamId, ppid, data) => {
      this.#stats.messagesReceived++;
      this.#events.push({ type: 'message', streamId, ppid, data });
    });
    this.#reset.start(this.#peerInitialTsn);
    if (this.#o.heartbeatIntervalMs > 0) this.#hbAt = now + this.#o.heartbeatIntervalMs;
    this.#events.push({ type: 'connected', outboundStreams: this.#outStreams, inboundStreams: this.#inStreams });
    this.#log.debug(`established: streams ${this.#outStreams}/${this.#inStreams}, i-data ${this.#iData}, zero checksum ${this.zeroChecksumInUse}`);
  }

  #onData(b: Uint8Array, start: number, end: number, flags: number, iData: boolean): void {
    if (!(this.#state === 'established' || this.#state === 'shutdown-pending' || this.#state === 'shutdown-sent')) {
      return this.#drop('data-not-established');
    }
    const r = this.#rx.onData(b, start, end, flags, iData);
    if (r === 'ok') this.#stats.dataChunksReceived++;
    else if (r === 'bad-stream') {
      // RFC 9260 §6.5: acknowledged, discarded, reported with an Invalid Stream Identifier cause.
      const cause = new Uint8Array(4);
      w16(cause, 0, u16(b, start + 4));
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.Error, 0, encodeCause(ErrorCause.InvalidStreamIdentifier, cause)) });
    }
  }

  #onForwardTsn(b: Uint8Array, start: number, end: number, iForward: boolean): void {
    if (!this.#rx.started || iForward !== this.#iData || !this.#forwardTsnUsable()) return this.#drop('unexpected-forward-tsn');
    const f = decodeForwardTsn(b, start, end, iForward);
    this.#rx.onForwardTsn(f.newCumTsn, f.entries);
  }

  #forwardTsnUsable(): boolean {
    return this.#state === 'established' || this.#state === 'shutdown-pending' || this.#state === 'shutdown-sent';
  }

  #onSack(b: Uint8Array, start: number, end: number, now: number): void {
    if (this.#state === 'closed' || this.#state === 'cookie-wait' || this.#state === 'cookie-echoed') {
      return this.#drop('sack-not-established');
    }
    this.#sack.decode(b, start, end);
    this.#stats.sacksReceived++;
    const r = this.#tx.onSack(this.#sack, now);
    if (r.outcome === 'stale') return this.#drop('stale-sack');
    if (r.outcome === 'unsent') return this.#drop('sack-unsent');
    if (r.acked) this.#errorCount = 0;
    this.#maybeShutdown();
    this.#maybeSendReset();
  }

  #onHeartbeat(b: Uint8Array, start: number, end: number): void {
    if (end - start > MAX_HEARTBEAT_INFO) return this.#drop('heartbeat-too-big');
    if (this.#state === 'closed' || this.#state === 'cookie-wait') return this.#drop('heartbeat-not-established');
    this.#ctrl.push({ bytes: encodeChunk(ChunkType.HeartbeatAck, 0, b.slice(start, end)) });
  }

  #onHeartbeatAck(b: Uint8Array, start: number, end: number, now: number): void {
    // Our info: parameter header (4) + send time (8, float64) + nonce (4).
    if (end - start !== 16 || u32(b, start + 12) !== this.#hbNonce || !this.#hbOutstanding) return this.#drop('bad-heartbeat-ack');
    const sentAt = Buffer.from(b.buffer, b.byteOffset + start + 4, 8).readDoubleBE(0);
    this.#hbOutstanding = false;
    this.#errorCount = 0;
    this.#tx.cc.onRtt(now - sentAt);
  }

  #onShutdown(b: Uint8Array, start: number, end: number, now: number): void {
    if (end - start < 4) throw new SctpDecodeError('SHUTDOWN too short');
    const s = this.#state;
    if (s === 'established' || s === 'shutdown-pending' || s === 'shutdown-received') {
      // The cumulative TSN ack it carries counts as a SACK without gaps (RFC 9260 §9.2).
      const sv = this.#sack;
      sv.cumTsn = u32(b, start);
      sv.aRwnd = this.#tx.peerARwnd;
      sv.gapCount = 0;
      sv.dupCount = 0;
      if (tsnLte(this.#tx.out.cumAck, sv.cumTsn)) {
        const r = this.#tx.out.processSack(sv, now);
        if (r.outcome === 'ok' && !this.#tx.out.hasUnacked) this.#tx.t3At = undefined;
      }
      this.#state = 'shutdown-received';
      this.#maybeShutdown();
    } else if (s === 'shutdown-sent') {
      this.#state = 'shutdown-ack-sent';
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownAck, 0) });
      this.#t2Count = 0;
      this.#t2At = now + this.#tx.cc.rto;
    }
  }

  #onReconfig(b: Uint8Array, start: number, end: number, now: number): void {
    if (this.#state === 'closed' || this.#state === 'cookie-wait' || this.#state === 'cookie-echoed') {
      return this.#drop('reconfig-not-established');
    }
    const params = decodeReconfig(b, start, end);
    const out: Uint8Array[] = [];
    for (const p of params) {
      if (p.type === 'response') {
        const done = this.#reset.onResponse(p.respSeq, p.result, now, this.#tx.cc.rto);
        if (done) this.#outgoingResetDone(done.streams, done.ok);
        else if (done === undefined) this.#drop('unexpected-reconfig-response');
      } else {
        const r = this.#reset.onRequest(p, this.#rx.tracker.cumTsn);
        if (r.performed) this.#incomingReset(r.performed);
        out.push(r.response);
      }
    }
    if (out.length > 0) this.#ctrl.push({ bytes: this.#reset.chunk(out) });
    this.#maybeSendReset();
  }

  #incomingReset(streams: number[]): void {
    this.#rx.resetStreams(streams);
    this.#events.push({ type: 'stream-reset', streamIds: streams });
  }

  #outgoingResetDone(streams: number[], ok: boolean): void {
    for (const id of streams) {
      const s = this.#tx.queue.stream(id);
      if (ok) {
        s.nextSsn = 0;
        s.nextMid = 0;
        s.nextUMid = 0;
      }
      s.resetting = false;
      this.#tx.queue.reschedule(s);
    }
    if (!ok) this.#log.debug('peer refused to reset streams', streams);
    this.#events.push({ type: 'outgoing-reset-done', streamIds: streams });
  }

  #checkDeferredReset(): void {
    const performed = this.#reset.onCumAdvanced(this.#rx.tracker.cumTsn);
    if (performed) {
      this.#incomingReset(performed.streams);
      this.#ctrl.push({ bytes: performed.chunk });
    }
  }

  #maybeSendReset(): void {
    if (this.#state !== 'established' && this.#state !== 'shutdown-pending') return;
    const chunk = this.#reset.maybeSend(
      (id) => this.#tx.queue.hasPending(id),
      tsnAdd(this.#tx.out.nextTsn, -1),
      this.#now,
      this.#tx.cc.rto,
    );
    if (chunk) this.#ctrl.push({ bytes: chunk });
  }

  // ---- timers ----------------------------------------------------------------------------

  #onT1(now: number): void {
    if (!this.#t1Chunk || ++this.#t1Count > this.#o.maxInitRetransmits) {
      this.#close('timeout', new SctpError('ERR_SCTP_TIMEOUT', 'association setup timed out'));
      return;
    }
    this.#t1Rto = Math.min(this.#t1Rto * 2, this.#o.rtoMaxMs);
    this.#t1At = now + this.#t1Rto;
    this.#ctrl.push(this.#state === 'cookie-wait' ? { bytes: this.#t1Chunk, vtag: 0, crc: true } : { bytes: this.#t1Chunk, crc: true });
  }

  #onT2(now: number): void {
    if (++this.#t2Count > this.#o.maxAssociationRetransmits) {
      this.#close('timeout', new SctpError('ERR_SCTP_TIMEOUT', 'shutdown timed out'));
      return;
    }
    this.#tx.cc.rto = Math.min(this.#tx.cc.rto * 2, this.#o.rtoMaxMs);
    this.#t2At = now + this.#tx.cc.rto;
    if (this.#state === 'shutdown-sent') this.#ctrl.push({ bytes: encodeShutdown(this.#rx.tracker.cumTsn) });
    else if (this.#state === 'shutdown-ack-sent') this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownAck, 0) });
  }

  #onT3(now: number): void {
    this.#tx.t3At = undefined;
    if (!this.#tx.out.hasUnacked) return;
    if (!this.#countError()) return;
    this.#stats.t3Expirations++;
    this.#tx.onT3(now);
  }

  /** Association error counter (RFC 9260 §8.1); false once it closed the association. */
  #countError(): boolean {
    if (++this.#errorCount > this.#o.maxAssociationRetransmits) {
      this.#close('timeout', new SctpError('ERR_SCTP_TIMEOUT', 'peer unreachable: too many retransmissions'));
      return false;
    }
    return true;
  }

  #onHeartbeatTimer(now: number): void {
    this.#hbAt = now + this.#o.heartbeatIntervalMs + this.#tx.cc.rto;
    if (this.#state !== 'established') return;
    if (this.#hbOutstanding && !this.#countError()) return;
    this.#hbNonce = this.#o.rng.uint32();
    this.#hbOutstanding = true;
    const info = new Uint8Array(16);
    w16(info, 0, 1); // Heartbeat Info parameter
    w16(info, 2, 16);
    Buffer.from(info.buffer, info.byteOffset, 16).writeDoubleBE(now, 4);
    w32(info, 12, this.#hbNonce);
    this.#ctrl.push({ bytes: encodeChunk(ChunkType.Heartbeat, 0, info) });
  }

  #maybeShutdown(): void {
    if (this.#state !== 'shutdown-pending' && this.#state !== 'shutdown-received') return;
    if (!this.#tx.idle) return;
    this.#tx.t3At = undefined;
    this.#t2Count = 0;
    this.#t2At = this.#now + this.#tx.cc.rto;
    if (this.#state === 'shutdown-pending') {
      this.#state = 'shutdown-sent';
      this.#ctrl.push({ bytes: encodeShutdown(this.#rx.tracker.cumTsn) });
    } else {
      this.#state = 'shutdown-ack-sent';
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownAck, 0) });
    }
  }

  #close(reason: 'shutdown' | 'abort' | 'timeout' | 'local', error?: Error): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#state = 'closed';
    this.#t1At = this.#t2At = this.#tx.t3At = this.#rx.ackAt = this.#hbAt = undefined;
    this.#reset.stop();
    this.#events.push(error ? { type: 'closed', reason, error } : { type: 'closed', reason });
    this.#log.debug(`closed (${reason})`);
  }

  // ---- output ----------------------------------------------------------------------------

  #localRwnd(): number {
    return this.#rx.localRwnd();
  }

  #canSendData(): boolean {
    const s = this.#state;
    return !this.#terminated && (s === 'established' || s === 'shutdown-pending' || s === 'shutdown-received');
  }

  pollTransmit(): Uint8Array | undefined {
    const mtu = this.#o.mtu;
    const ctrl = this.#pktCtrl;
    const data = this.#pktData;
    ctrl.length = 0;
    data.length = 0;
    let size = COMMON_HEADER_SIZE;
    let vtag = this.#peerTag;
    let crc = false;
    // Control chunks first; one with its own verification tag (INIT, INIT-ACK) travels alone.
    while (this.#ctrl.length > 0) {
      const c = this.#ctrl[0]!;
      if (c.vtag !== undefined) {
        if (ctrl.length > 0) break;
        this.#ctrl.shift();
        return this.#write(c.bytes.length + COMMON_HEADER_SIZE, c.vtag, true, [c], 0);
      }
      if (ctrl.length > 0 && size + c.bytes.length > mtu) break;
      this.#ctrl.shift();
      ctrl.push(c);
      size += c.bytes.length;
      if (c.crc) crc = true;
    }
    if (this.#terminated) {
      return ctrl.length > 0 ? this.#write(size, vtag, crc, ctrl, 0) : undefined;
    }
    const sackLen = this.#rx.takeSack(mtu - size);
    if (sackLen > 0) {
      size += sackLen;
      this.#stats.sacksSent++;
    }
    const ftsn = this.#tx.takeForwardTsn(mtu - size, size === COMMON_HEADER_SIZE);
    if (ftsn) {
      ctrl.push({ bytes: ftsn });
      size += ftsn.length;
    }
    if (this.#canSendData()) {
      const r = this.#tx.fill(data, size, mtu, this.#now);
      size = r.size;
      if (r.fresh) this.#maybeSendReset();
      if (data.length > 0 && this.#hbAt !== undefined) this.#hbAt = this.#now + this.#o.heartbeatIntervalMs + this.#tx.cc.rto;
    }
    if (size === COMMON_HEADER_SIZE) return undefined;
    if (vtag === 0) vtag = this.#peerTag;
    return this.#write(size, vtag, crc, ctrl, sackLen);
  }

  #write(size: number, vtag: number, crc: boolean, ctrl: Ctrl[], sackLen: number): Uint8Array {
    const data = this.#pktData;
    this.#stats.dataChunksSent += data.length;
    this.#stats.packetsSent++;
    this.#stats.bytesSent += size;
    return writePacket({
      size,
      srcPort: this.#o.localPort,
      dstPort: this.#o.remotePort,
      vtag,
      checksum: crc || !this.zeroChecksumInUse,
      ctrl,
      sack: sackLen > 0 ? { tracker: this.#rx.tracker, aRwnd: this.#localRwnd(), len: sackLen } : undefined,
      data,
      iData: this.#iData,
    });
  }
}

function nonZero(rng: SctpAssociationOptions['rng']): number {
  for (;;) {
    const v = rng.uint32();
    if (v !== 0) return v;
  }
}
