import { getLogger, type ScopedLogger } from '../common/log.js';
import { DropCounter } from '../common/drop-counter.js';
import {
  decodeForwardTsn,
  decodeInit,
  decodeReconfig,
  encodeCause,
  encodeChunk,
  encodeForwardTsn,
  encodeInit,
  encodeShutdown,
  firstCauseCode,
  SackView,
  type InitChunk,
} from './chunks.js';
import { CongestionControl } from './congestion-control.js';
import { ChunkType, COMMON_HEADER_SIZE, DataFlag, DEFAULT_SCTP_PORT, ErrorCause } from './constants.js';
import { sctpChecksum } from './crc32c.js';
import { DataTracker } from './data-tracker.js';
import { SctpDecodeError, SctpError } from './errors.js';
import { Outstanding, type OutChunk } from './outstanding.js';
import { Reassembler } from './reassembly.js';
import { SendQueue, type OutMessage } from './send-queue.js';
import { decodeCookie, encodeCookie, type CookieContents } from './state-cookie.js';
import { StreamReset } from './stream-reset.js';
import { tsnAdd, tsnLte } from './tsn.js';
import type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';
import { pad4, u16, u32, w16, w32 } from './wire.js';

export type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';

const baseLog = getLogger('sctp');

/** Defaults (RFC 9260 §16 unless noted). */
export const SCTP_DEFAULTS = {
  maxMessageSize: 262144, // RFC 8841 §6.1 default when a=max-message-size is absent: 64 KiB; WebRTC stacks use 256 KiB
  mtu: 1200,
  streams: 65535,
  rtoInitialMs: 1000,
  rtoMinMs: 200,
  rtoMaxMs: 60000,
  maxInitRetransmits: 8,
  maxAssociationRetransmits: 10,
  heartbeatIntervalMs: 30000,
  cookieLifetimeMs: 60000,
  maxReceiveWindow: 4 * 1024 * 1024,
  sendHighWaterMark: 16 * 1024 * 1024,
  delayedAckMs: 200,
  maxBurst: 4,
} as const;

/** INIT-ACKs answered per second at most (INIT flood bound; the responder keeps no state). */
const MAX_INIT_ACKS_PER_SECOND = 16;
/** Largest congestion window (bytes): in-flight memory is bounded by it. */
const MAX_CWND = 16 * 1024 * 1024;
/** Longest HEARTBEAT info echoed back. */
const MAX_HEARTBEAT_INFO = 512;
/** Most chunks processed from one packet. */
const MAX_CHUNKS_PER_PACKET = 1024;

type Ctrl = { bytes: Uint8Array; vtag?: number; crc?: boolean };
type ResolvedOptions = Required<Omit<SctpAssociationOptions, 'logger'>> & { congestionControl: 'reno' | 'westwood' };

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
  #peerZeroChecksum = false;
  #forwardTsn = false;
  #reconfig = false;
  #iData = false;
  #outStreams = 0;
  #inStreams = 0;
  #now = 0;
  // Receive side.
  readonly #tracker = new DataTracker();
  #reasm: Reassembler | undefined;
  #sackNeeded = false;
  #dataPacketsSinceSack = 0;
  #ackAt: number | undefined;
  // Send side.
  readonly #queue = new SendQueue();
  readonly #cc: CongestionControl;
  readonly #out: Outstanding;
  #peerARwnd = 0;
  #t3At: number | undefined;
  #burst: number;
  #frAllowance = false;
  #ftsnPending = false;
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
  /** Bytes of messages waiting in the event queue (counted against the receive window). */
  #eventBytes = 0;
  readonly #sack = new SackView();
  readonly #pktData: OutChunk[] = [];
  readonly #pktCtrl: Ctrl[] = [];
  readonly #stats: SctpStats;

  constructor(opts: SctpAssociationOptions) {
    const o: ResolvedOptions = {
      localPort: opts.localPort ?? DEFAULT_SCTP_PORT,
      remotePort: opts.remotePort ?? DEFAULT_SCTP_PORT,
      rng: opts.rng,
      maxMessageSize: opts.maxMessageSize ?? SCTP_DEFAULTS.maxMessageSize,
      mtu: opts.mtu ?? SCTP_DEFAULTS.mtu,
      maxOutboundStreams: opts.maxOutboundStreams ?? SCTP_DEFAULTS.streams,
      maxInboundStreams: opts.maxInboundStreams ?? SCTP_DEFAULTS.streams,
      zeroChecksum: opts.zeroChecksum ?? true,
      rtoInitialMs: opts.rtoInitialMs ?? SCTP_DEFAULTS.rtoInitialMs,
      rtoMinMs: opts.rtoMinMs ?? SCTP_DEFAULTS.rtoMinMs,
      rtoMaxMs: opts.rtoMaxMs ?? SCTP_DEFAULTS.rtoMaxMs,
      maxInitRetransmits: opts.maxInitRetransmits ?? SCTP_DEFAULTS.maxInitRetransmits,
      maxAssociationRetransmits: opts.maxAssociationRetransmits ?? SCTP_DEFAULTS.maxAssociationRetransmits,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? SCTP_DEFAULTS.heartbeatIntervalMs,
      cookieLifetimeMs: opts.cookieLifetimeMs ?? SCTP_DEFAULTS.cookieLifetimeMs,
      maxReceiveWindow: opts.maxReceiveWindow ?? SCTP_DEFAULTS.maxReceiveWindow,
      sendHighWaterMark: opts.sendHighWaterMark ?? SCTP_DEFAULTS.sendHighWaterMark,
      delayedAckMs: opts.delayedAckMs ?? SCTP_DEFAULTS.delayedAckMs,
      maxBurst: opts.maxBurst ?? SCTP_DEFAULTS.maxBurst,
      interleaving: opts.interleaving ?? true,
      congestionControl: opts.congestionControl ?? 'westwood',
    };
    if (!(o.mtu >= 256 && o.mtu <= 65535)) throw new SctpError('ERR_SCTP_CONFIG', `mtu ${o.mtu} out of range`);
    if (!(o.maxMessageSize >= 1)) throw new SctpError('ERR_SCTP_CONFIG', 'maxMessageSize must be positive');
    for (const k of ['maxOutboundStreams', 'maxInboundStreams'] as const) {
      if (!(Number.isInteger(o[k]) && o[k] >= 1 && o[k] <= 65535)) throw new SctpError('ERR_SCTP_CONFIG', `${k} must be 1..65535`);
    }
    if (!(o.maxReceiveWindow >= 1500 && o.maxReceiveWindow <= 64 * 1024 * 1024)) {
      throw new SctpError('ERR_SCTP_CONFIG', 'maxReceiveWindow must be 1500..64 MiB');
    }
    // Messages are delivered whole, so the window must hold the largest one with its fragment overhead.
    o.maxReceiveWindow = Math.max(o.maxReceiveWindow, Math.ceil(o.maxMessageSize * 1.1) + 262144);
    this.#o = o;
    this.#log = opts.logger ?? baseLog;
    this.#drops = new DropCounter(this.#log);
    this.#localTag = nonZero(o.rng);
    this.#localInitialTsn = o.rng.uint32();
    this.#secret = o.rng.bytes(32);
    this.#cc = new CongestionControl({
      mtu: o.mtu - COMMON_HEADER_SIZE,
      rtoInitialMs: o.rtoInitialMs,
      rtoMinMs: o.rtoMinMs,
      rtoMaxMs: o.rtoMaxMs,
      maxCwnd: MAX_CWND,
      mode: o.congestionControl,
    });
    this.#out = new Outstanding(this.#cc, (m) => this.#queue.dropUnsent(m));
    this.#burst = o.maxBurst;
    this.#reset = new StreamReset(this.#localInitialTsn);
    this.#stats = {
      packetsSent: 0,
      packetsReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      dataChunksSent: 0,
      dataChunksReceived: 0,
      messagesSent: 0,
      messagesReceived: 0,
      retransmissions: 0,
      fastRetransmissions: 0,
      t3Expirations: 0,
      abandonedMessages: 0,
      duplicateTsns: 0,
      sacksSent: 0,
      sacksReceived: 0,
      srttMs: undefined,
      rtoMs: o.rtoInitialMs,
      cwnd: 0,
      ssthresh: 0,
      peerRwnd: 0,
      localRwnd: o.maxReceiveWindow,
      flightSize: 0,
      dropped: {},
    };
  }

  get state(): SctpState {
    return this.#state;
  }

  get stats(): Readonly<SctpStats> {
    const s = this.#stats;
    s.srttMs = this.#cc.srtt;
    s.rtoMs = this.#cc.rto;
    s.cwnd = this.#cc.cwnd;
    s.ssthresh = this.#cc.ssthresh;
    s.peerRwnd = this.#peerRwnd();
    s.localRwnd = this.#localRwnd();
    s.flightSize = this.#out.flightSize;
    s.fastRetransmissions = this.#out.fastRetransmissions;
    s.abandonedMessages = this.#out.abandonedMessages;
    s.dropped = this.#drops.toJSON();
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
    const init = encodeInit(false, this.#initFields());
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
    if (data.length === 0) throw new SctpError('ERR_SCTP_INVALID_ARGUMENT', 'SCTP cannot carry an empty message');
    if (data.length > this.#o.maxMessageSize) {
      throw new SctpError('ERR_SCTP_MESSAGE_TOO_BIG', `message of ${data.length} bytes exceeds ${this.#o.maxMessageSize}`);
    }
    if (this.#queue.totalBuffered + data.length > this.#o.sendHighWaterMark) {
      throw new SctpError('ERR_SCTP_BUFFER_FULL', `send buffer over its ${this.#o.sendHighWaterMark}-byte high-water mark`);
    }
    if (this.#queue.peekStream(streamId)?.resetting) {
      throw new SctpError('ERR_SCTP_INVALID_STATE', `stream ${streamId} is being reset`);
    }
    const m: OutMessage = {
      streamId,
      ppid: ppid >>> 0,
      data: data.slice(),
      unordered: opts?.unordered === true,
      maxRetransmits: opts?.maxRetransmits ?? -1,
      expiresAt: opts?.maxPacketLifeTimeMs !== undefined ? this.#now + opts.maxPacketLifeTimeMs : Infinity,
      seq: 0,
      offset: 0,
      nextFsn: 0,
      firstTsn: 0,
      lastTsn: 0,
      sent: false,
      abandoned: false,
    };
    this.#queue.enqueue(m);
    this.#stats.messagesSent++;
    if (this.#burst < this.#o.maxBurst) this.#burst = this.#o.maxBurst;
  }

  resetStreams(streamIds: number[]): void {
    if (this.#terminated || this.#state !== 'established') {
      throw new SctpError('ERR_SCTP_INVALID_STATE', `cannot reset streams in state ${this.#state}`);
    }
    if (!this.#reconfig) throw new SctpError('ERR_SCTP_INVALID_STATE', 'the peer does not support stream reconfiguration');
    for (const id of streamIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.#outStreams) throw new SctpError('ERR_SCTP_BAD_STREAM', `bad stream ${id}`);
    }
    for (const id of streamIds) this.#queue.stream(id).resetting = true;
    this.#reset.request(streamIds);
    this.#maybeSendReset();
  }

  bufferedAmount(streamId: number): number {
    return this.#queue.peekStream(streamId)?.buffered ?? 0;
  }

  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    if (!(bytes >= 0)) throw new SctpError('ERR_SCTP_INVALID_ARGUMENT', 'threshold must be ≥ 0');
    this.#queue.stream(streamId).lowThreshold = bytes;
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
    const low = this.#queue.lowEvents;
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
    if (e.type === 'message') this.#eventBytes -= e.data.length;
    return e;
  }

  pollTimeout(): number | undefined {
    if (this.#terminated) return undefined;
    let t: number | undefined;
    for (const x of [this.#t1At, this.#t2At, this.#t3At, this.#ackAt, this.#hbAt, this.#reset.timerAt]) {
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
    if (this.#t3At !== undefined && nowMs >= this.#t3At) this.#onT3(nowMs);
    if (this.#terminated) return;
    if (this.#ackAt !== undefined && nowMs >= this.#ackAt) {
      this.#ackAt = undefined;
      this.#sackNeeded = true;
    }
    if (this.#hbAt !== undefined && nowMs >= this.#hbAt) this.#onHeartbeatTimer(nowMs);
    if (this.#terminated) return;
    const resend = this.#reset.onTimer(nowMs, this.#cc.rto);
    if (resend) this.#ctrl.push({ bytes: resend });
    if (this.#burst < this.#o.maxBurst) this.#burst = this.#o.maxBurst;
  }

  // ---- input -----------------------------------------------------------------------------

  handleInput(packet: Uint8Array, nowMs: number): void {
    this.#now = nowMs;
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += packet.length;
    if (this.#terminated) return this.#drop('closed');
    try {
      this.#input(packet, nowMs);
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
    const hadGaps = this.#tracker.hasGaps;
    const cumBefore = this.#tracker.cumTsn;
    let data = false;
    let immediate = false;
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
          if (this.#onData(b, start, end, flags, type === ChunkType.IData)) {
            data = true;
            if (flags & DataFlag.Immediate) immediate = true;
          }
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
          data = true;
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
    if (data) {
      this.#dataPacketsSinceSack++;
      const gapChange = hadGaps || this.#tracker.hasGaps;
      if (this.#tracker.cumTsn !== cumBefore) this.#checkDeferredReset();
      if (gapChange || immediate || this.#tracker.dupCount > 0 || this.#dataPacketsSinceSack >= 2 || this.#state !== 'established') {
        this.#sackNeeded = true;
        this.#ackAt = undefined;
      } else if (this.#ackAt === undefined) this.#ackAt = now + this.#o.delayedAckMs;
    }
  }

  #onInit(init: InitChunk, now: number): void {
    if (init.initiateTag === 0 || init.outboundStreams === 0 || init.inboundStreams === 0) return this.#drop('bad-init');
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
    const o = this.#o;
    const cookie: CookieContents = {
      peerTag: init.initiateTag,
      localTag: this.#localTag,
      peerInitialTsn: init.initialTsn,
      localInitialTsn: this.#localInitialTsn,
      peerRwnd: init.aRwnd,
      outboundStreams: Math.min(o.maxOutboundStreams, init.inboundStreams),
      inboundStreams: Math.min(o.maxInboundStreams, init.outboundStreams),
      forwardTsn: init.forwardTsn,
      reconfig: init.reconfig,
      iData: init.iData && o.interleaving,
      zeroChecksum: init.zeroChecksum,
      createdMs: now,
    };
    const ack = encodeInit(true, { ...this.#initFields(), cookie: encodeCookie(cookie, this.#secret) });
    this.#ctrl.push({ bytes: ack, vtag: init.initiateTag, crc: true });
  }

  #initFields(): Parameters<typeof encodeInit>[1] {
    const o = this.#o;
    return {
      initiateTag: this.#localTag,
      aRwnd: o.maxReceiveWindow,
      outboundStreams: o.maxOutboundStreams,
      inboundStreams: o.maxInboundStreams,
      initialTsn: this.#localInitialTsn,
      forwardTsn: true,
      reconfig: true,
      iData: o.interleaving,
      zeroChecksum: o.zeroChecksum,
    };
  }

  #onInitAck(init: InitChunk, now: number): void {
    if (this.#state !== 'cookie-wait') return this.#drop('unexpected-init-ack');
    if (init.initiateTag === 0 || init.outboundStreams === 0 || init.inboundStreams === 0 || !init.cookie) {
      return this.#drop('bad-init-ack');
    }
    this.#adopt({
      peerTag: init.initiateTag,
      localTag: this.#localTag,
      peerInitialTsn: init.initialTsn,
      localInitialTsn: this.#localInitialTsn,
      peerRwnd: init.aRwnd,
      outboundStreams: Math.min(this.#o.maxOutboundStreams, init.inboundStreams),
      inboundStreams: Math.min(this.#o.maxInboundStreams, init.outboundStreams),
      forwardTsn: init.forwardTsn,
      reconfig: init.reconfig,
      iData: init.iData && this.#o.interleaving,
      zeroChecksum: init.zeroChecksum,
      createdMs: now,
    });
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
    this.#peerARwnd = c.peerRwnd;
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
    this.#tracker.init(this.#peerInitialTsn);
    this.#out.init(this.#localInitialTsn);
    this.#cc.ssthresh = Math.max(this.#peerARwnd, 4 * this.#cc.mtu);
    this.#reasm = new Reassembler(this.#iData, this.#o.maxMessageSize, (streamId, ppid, data) => {
      this.#stats.messagesReceived++;
      this.#eventBytes += data.length;
      this.#events.push({ type: 'message', streamId, ppid, data });
    });
    this.#reset.start(this.#peerInitialTsn);
    if (this.#o.heartbeatIntervalMs > 0) this.#hbAt = now + this.#o.heartbeatIntervalMs;
    this.#events.push({ type: 'connected', outboundStreams: this.#outStreams, inboundStreams: this.#inStreams });
    this.#log.debug(`established: streams ${this.#outStreams}/${this.#inStreams}, i-data ${this.#iData}, zero checksum ${this.zeroChecksumInUse}`);
  }

  /** Returns whether the chunk counts as DATA received (for the SACK decision). */
  #onData(b: Uint8Array, start: number, end: number, flags: number, iData: boolean): boolean {
    const reasm = this.#reasm;
    if (!reasm || !(this.#state === 'established' || this.#state === 'shutdown-pending' || this.#state === 'shutdown-sent')) {
      this.#drop('data-not-established');
      return false;
    }
    if (iData !== this.#iData) {
      this.#drop('wrong-data-type');
      return false;
    }
    const hdr = iData ? 16 : 12;
    if (end - start < hdr) throw new SctpDecodeError('DATA chunk too short');
    const size = end - start - hdr;
    if (size === 0) {
      this.#drop('empty-data');
      return false;
    }
    const tsn = u32(b, start);
    const streamId = u16(b, start + 4);
    // Reassembly is bounded by the receive window; the next expected TSN may overshoot it once.
    const held = reasm.bufferedBytes + this.#eventBytes + size;
    if (held > this.#o.maxReceiveWindow && (tsn !== tsnAdd(this.#tracker.cumTsn, 1) || held > 2 * this.#o.maxReceiveWindow)) {
      this.#drop('receive-window-full');
      return true;
    }
    const verdict = this.#tracker.observe(tsn);
    if (verdict !== 'new') {
      if (verdict === 'duplicate') this.#stats.duplicateTsns++;
      else this.#drop(verdict === 'out-of-window' ? 'tsn-out-of-window' : 'too-many-gaps');
      return true;
    }
    this.#stats.dataChunksReceived++;
    if (streamId >= this.#inStreams) {
      this.#drop('bad-stream');
      const cause = new Uint8Array(4);
      w16(cause, 0, streamId);
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.Error, 0, encodeCause(ErrorCause.InvalidStreamIdentifier, cause)) });
      return true;
    }
    const payload = b.subarray(start + hdr, end);
    if (iData) reasm.addIData(streamId, u32(b, start + 8), u32(b, start + 12), flags, payload);
    else reasm.addData(tsn, streamId, u16(b, start + 6), u32(b, start + 8), flags, payload);
    return true;
  }

  #onForwardTsn(b: Uint8Array, start: number, end: number, iForward: boolean): void {
    if (!this.#reasm || iForward !== this.#iData || !this.#forwardTsnUsable()) return this.#drop('unexpected-forward-tsn');
    const f = decodeForwardTsn(b, start, end, iForward);
    if (!this.#tracker.forwardTo(f.newCumTsn) && f.entries.length === 0) return;
    this.#reasm.forward(f.newCumTsn, f.entries);
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
    const r = this.#out.processSack(this.#sack, now);
    if (r.outcome === 'stale') return this.#drop('stale-sack');
    if (r.outcome === 'unsent') return this.#drop('sack-unsent');
    this.#peerARwnd = this.#sack.aRwnd;
    if (r.bytesAcked > 0) this.#errorCount = 0;
    if (r.marked) this.#frAllowance = true;
    this.#burst = this.#o.maxBurst + Math.ceil(r.bytesAcked / this.#cc.mtu);
    if (!this.#out.hasUnacked) this.#t3At = undefined;
    else if (r.cumAdvanced || this.#t3At === undefined) this.#t3At = now + this.#cc.rto;
    if (this.#forwardTsn && this.#out.forwardTsn(this.#iData)) this.#ftsnPending = true;
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
    this.#cc.onRtt(now - sentAt);
  }

  #onShutdown(b: Uint8Array, start: number, end: number, now: number): void {
    if (end - start < 4) throw new SctpDecodeError('SHUTDOWN too short');
    const s = this.#state;
    if (s === 'established' || s === 'shutdown-pending' || s === 'shutdown-received') {
      // The cumulative TSN ack it carries counts as a SACK without gaps (RFC 9260 §9.2).
      const sv = this.#sack;
      sv.cumTsn = u32(b, start);
      sv.aRwnd = this.#peerARwnd;
      sv.gapCount = 0;
      sv.dupCount = 0;
      if (tsnLte(this.#out.cumAck, sv.cumTsn)) {
        const r = this.#out.processSack(sv, now);
        if (r.outcome === 'ok' && !this.#out.hasUnacked) this.#t3At = undefined;
      }
      this.#state = 'shutdown-received';
      this.#maybeShutdown();
    } else if (s === 'shutdown-sent') {
      this.#state = 'shutdown-ack-sent';
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownAck, 0) });
      this.#t2Count = 0;
      this.#t2At = now + this.#cc.rto;
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
        const done = this.#reset.onResponse(p.respSeq, p.result, now, this.#cc.rto);
        if (done) this.#outgoingResetDone(done.streams, done.ok);
        else if (done === undefined) this.#drop('unexpected-reconfig-response');
      } else {
        const r = this.#reset.onRequest(p, this.#tracker.cumTsn);
        if (r.performed) this.#incomingReset(r.performed);
        out.push(r.response);
      }
    }
    if (out.length > 0) this.#ctrl.push({ bytes: this.#reset.chunk(out) });
    this.#maybeSendReset();
  }

  #incomingReset(streams: number[]): void {
    this.#reasm?.resetStreams(streams);
    this.#events.push({ type: 'stream-reset', streamIds: streams });
  }

  #outgoingResetDone(streams: number[], ok: boolean): void {
    for (const id of streams) {
      const s = this.#queue.stream(id);
      if (ok) {
        s.nextSsn = 0;
        s.nextMid = 0;
        s.nextUMid = 0;
      }
      s.resetting = false;
      this.#queue.reschedule(s);
    }
    if (!ok) this.#log.debug('peer refused to reset streams', streams);
    this.#events.push({ type: 'outgoing-reset-done', streamIds: streams });
  }

  #checkDeferredReset(): void {
    const performed = this.#reset.onCumAdvanced(this.#tracker.cumTsn);
    if (performed) {
      this.#incomingReset(performed.streams);
      this.#ctrl.push({ bytes: performed.chunk });
    }
  }

  #maybeSendReset(): void {
    if (this.#state !== 'established' && this.#state !== 'shutdown-pending') return;
    const chunk = this.#reset.maybeSend(
      (id) => this.#queue.hasPending(id),
      tsnAdd(this.#out.nextTsn, -1),
      this.#now,
      this.#cc.rto,
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
    this.#cc.rto = Math.min(this.#cc.rto * 2, this.#o.rtoMaxMs);
    this.#t2At = now + this.#cc.rto;
    if (this.#state === 'shutdown-sent') this.#ctrl.push({ bytes: encodeShutdown(this.#tracker.cumTsn) });
    else if (this.#state === 'shutdown-ack-sent') this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownAck, 0) });
  }

  #onT3(now: number): void {
    this.#t3At = undefined;
    if (!this.#out.hasUnacked) return;
    if (!this.#countError()) return;
    this.#stats.t3Expirations++;
    this.#cc.onT3();
    this.#out.expire(now);
    this.#out.markAll(now);
    if (this.#forwardTsn && this.#out.forwardTsn(this.#iData)) this.#ftsnPending = true;
    if (this.#out.hasUnacked) this.#t3At = now + this.#cc.rto;
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
    this.#hbAt = now + this.#o.heartbeatIntervalMs + this.#cc.rto;
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
    if (!this.#queue.empty || this.#out.count > 0) return;
    this.#t3At = undefined;
    this.#t2Count = 0;
    this.#t2At = this.#now + this.#cc.rto;
    if (this.#state === 'shutdown-pending') {
      this.#state = 'shutdown-sent';
      this.#ctrl.push({ bytes: encodeShutdown(this.#tracker.cumTsn) });
    } else {
      this.#state = 'shutdown-ack-sent';
      this.#ctrl.push({ bytes: encodeChunk(ChunkType.ShutdownAck, 0) });
    }
  }

  #close(reason: 'shutdown' | 'abort' | 'timeout' | 'local', error?: Error): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#state = 'closed';
    this.#t1At = this.#t2At = this.#t3At = this.#ackAt = this.#hbAt = undefined;
    this.#reset.stop();
    this.#events.push(error ? { type: 'closed', reason, error } : { type: 'closed', reason });
    this.#log.debug(`closed (${reason})`);
  }

  // ---- output ----------------------------------------------------------------------------

  #peerRwnd(): number {
    return Math.max(0, this.#peerARwnd - this.#out.outstandingBytes);
  }

  #localRwnd(): number {
    const held = (this.#reasm?.bufferedBytes ?? 0) + this.#eventBytes;
    return Math.max(0, this.#o.maxReceiveWindow - held);
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
        return this.#finish(c.bytes.length + COMMON_HEADER_SIZE, c.vtag, true, [c], undefined, 0);
      }
      if (ctrl.length > 0 && size + c.bytes.length > mtu) break;
      this.#ctrl.shift();
      ctrl.push(c);
      size += c.bytes.length;
      if (c.crc) crc = true;
    }
    if (this.#terminated) {
      return ctrl.length > 0 ? this.#finish(size, vtag, crc, ctrl, undefined, 0) : undefined;
    }
    let sackLen = 0;
    if (this.#sackNeeded && this.#reasm && size + 16 <= mtu) {
      sackLen = this.#tracker.sackSize(mtu - size);
      size += sackLen;
      this.#sackNeeded = false;
      this.#ackAt = undefined;
      this.#dataPacketsSinceSack = 0;
      this.#stats.sacksSent++;
    }
    if (this.#ftsnPending) {
      const f = this.#out.forwardTsn(this.#iData);
      this.#ftsnPending = false;
      if (f) {
        const bytes = encodeForwardTsn(f.newCumTsn, f.entries.slice(0, 128), this.#iData);
        if (size + bytes.length <= mtu || size === COMMON_HEADER_SIZE) {
          ctrl.push({ bytes });
          size += bytes.length;
        } else this.#ftsnPending = true;
      }
    }
    if (this.#canSendData()) size = this.#fillData(size, mtu);
    if (size === COMMON_HEADER_SIZE) return undefined;
    if (vtag === 0) vtag = this.#peerTag;
    return this.#finish(size, vtag, crc, ctrl, sackLen > 0 ? sackLen : undefined, data.length);
  }

  #fillData(size: number, mtu: number): number {
    const out = this.#out;
    const cc = this.#cc;
    const data = this.#pktData;
    const now = this.#now;
    // Retransmissions first, within cwnd; the first packet after a fast retransmit mark goes regardless (§7.2.4 (3)).
    for (let c = out.peekRtx(); c !== undefined; c = out.peekRtx()) {
      if (size + c.size > mtu) break;
      if (!this.#frAllowance && out.flightSize + c.size > cc.cwnd && out.flightSize > 0) break;
      out.shiftRtx();
      if (now >= c.msg.expiresAt) {
        out.abandon(c.msg);
        this.#ftsnPending = this.#forwardTsn;
        continue;
      }
      out.onTransmit(c, now);
      data.push(c);
      size += c.size;
      this.#stats.retransmissions++;
    }
    if (data.length > 0) this.#frAllowance = false;
    if (out.hasRtx || this.#burst <= 0) return size;
    const iData = this.#iData;
    const hdr = iData ? 20 : 16;
    const maxPayload = mtu - COMMON_HEADER_SIZE - hdr;
    let added = false;
    for (;;) {
      if (out.flightSize >= cc.cwnd) break;
      const m = this.#queue.nextMessage(iData);
      if (!m) break;
      if (m.streamId >= this.#outStreams || (!m.sent && now >= m.expiresAt)) {
        if (!m.sent) {
          this.#queue.dropUnsent(m);
          out.abandonedMessages++;
        } else {
          out.abandon(m);
          this.#ftsnPending = this.#forwardTsn;
        }
        continue;
      }
      const len = Math.min(m.data.length - m.offset, maxPayload);
      const csize = pad4(hdr + len);
      if (size + csize > mtu) break;
      const rwnd = this.#peerARwnd - out.outstandingBytes;
      if (rwnd < csize && out.outstandingBytes > 0) break;
      const tsn = out.nextTsn;
      let flags = m.unordered ? DataFlag.Unordered : 0;
      if (m.offset === 0) {
        flags |= DataFlag.Begin;
        const s = this.#queue.stream(m.streamId);
        if (!iData) {
          m.seq = m.unordered ? 0 : s.nextSsn;
          if (!m.unordered) s.nextSsn = (s.nextSsn + 1) & 0xffff;
        } else if (m.unordered) {
          m.seq = s.nextUMid;
          s.nextUMid = (s.nextUMid + 1) >>> 0;
        } else {
          m.seq = s.nextMid;
          s.nextMid = (s.nextMid + 1) >>> 0;
        }
        m.firstTsn = tsn;
        m.sent = true;
      }
      if (m.offset + len === m.data.length) flags |= DataFlag.End;
      const c: OutChunk = {
        tsn,
        msg: m,
        offset: m.offset,
        len,
        flags,
        fsn: m.nextFsn++,
        size: csize,
        sentAt: now,
        txCount: 0,
        txSeq: 0,
        acked: false,
        abandoned: false,
        inFlight: false,
        rtx: false,
        miss: 0,
      };
      m.offset += len;
      m.lastTsn = tsn;
      this.#queue.consumed(m, len);
      this.#queue.advance(m, iData);
      out.add(c, now);
      data.push(c);
      size += csize;
      added = true;
    }
    if (added) {
      this.#burst--;
      this.#maybeSendReset();
    }
    if (data.length > 0) {
      if (this.#t3At === undefined) this.#t3At = now + cc.rto;
      if (this.#hbAt !== undefined) this.#hbAt = now + this.#o.heartbeatIntervalMs + cc.rto;
    }
    return size;
  }

  /** Writes the packet: header, control chunks, SACK, DATA chunks, checksum. */
  #finish(size: number, vtag: number, crc: boolean, ctrl: Ctrl[], sackLen: number | undefined, nData: number): Uint8Array {
    const b = new Uint8Array(size);
    w16(b, 0, this.#o.localPort);
    w16(b, 2, this.#o.remotePort);
    w32(b, 4, vtag);
    let o = COMMON_HEADER_SIZE;
    for (const c of ctrl) {
      b.set(c.bytes, o);
      o += c.bytes.length;
    }
    if (sackLen !== undefined) o = this.#tracker.writeSack(b, o, this.#localRwnd(), sackLen);
    const iData = this.#iData;
    for (let i = 0; i < nData; i++) {
      const c = this.#pktData[i]!;
      const m = c.msg;
      b[o] = iData ? ChunkType.IData : ChunkType.Data;
      b[o + 1] = c.flags;
      const hdr = iData ? 20 : 16;
      w16(b, o + 2, hdr + c.len);
      w32(b, o + 4, c.tsn);
      w16(b, o + 8, m.streamId);
      if (iData) {
        w32(b, o + 12, m.seq);
        w32(b, o + 16, c.fsn === 0 ? m.ppid : c.fsn);
      } else {
        w16(b, o + 10, m.seq);
        w32(b, o + 12, m.ppid);
      }
      b.set(m.data.subarray(c.offset, c.offset + c.len), o + hdr);
      o += c.size;
    }
    this.#stats.dataChunksSent += nData;
    if (crc || !this.zeroChecksumInUse) {
      const sum = sctpChecksum(b);
      b[8] = sum;
      b[9] = sum >>> 8;
      b[10] = sum >>> 16;
      b[11] = sum >>> 24;
    }
    this.#stats.packetsSent++;
    this.#stats.bytesSent += size;
    return b;
  }
}

function nonZero(rng: SctpAssociationOptions['rng']): number {
  for (;;) {
    const v = rng.uint32();
    if (v !== 0) return v;
  }
}
