import type { Observable } from 'rxjs';
import type { Duplex } from 'node:stream';
import { LazyEvents, LazyState } from '../common/lazy-subjects.js';
import { getLogger } from '../common/log.js';
import { Ppid, type DataChannelPriority } from '../sctp/dcep.js';
import { createChannelStream, type DataChannelStreamOptions } from './data-channel-stream.js';
import { bufferFull, channelNotOpen, messageTooLarge } from './errors.js';
import { SafeEventTarget, type DataChannelEvent } from './event-target.js';

const log = getLogger('sctp');

export type RTCDataChannelState = 'connecting' | 'open' | 'closing' | 'closed';
/** W3C `BinaryType`, plus Node's `nodebuffer` (as in the `ws` package): binary messages as `Buffer`. */
export type BinaryType = 'arraybuffer' | 'blob' | 'nodebuffer';
export type RTCPriorityType = DataChannelPriority;

export interface RTCDataChannelInit {
  ordered?: boolean;
  maxPacketLifeTime?: number;
  maxRetransmits?: number;
  protocol?: string;
  negotiated?: boolean;
  id?: number;
  priority?: RTCPriorityType;
}

/** A received message as the W3C `MessageEvent` carries it. */
export type DataChannelMessage = string | ArrayBuffer | Blob | Buffer;

export interface RTCDataChannelMessageEvent extends DataChannelEvent {
  readonly type: 'message';
  readonly data: DataChannelMessage;
}

export interface RTCDataChannelErrorEvent extends DataChannelEvent {
  readonly type: 'error';
  readonly error: Error & { errorDetail?: string };
}

export type RTCDataChannelSendable = string | Buffer | ArrayBuffer | ArrayBufferView | Blob;

/**
 * Default high-water mark of `bufferedAmount` per channel: 16 MiB, as
 * libwebrtc (Chrome closes a channel whose buffer passes 16 MiB; we refuse
 * the `send` with `ERR_DC_BUFFER_FULL` instead, and the channel stays open).
 */
export const DEFAULT_DATA_CHANNEL_HIGH_WATER_MARK = 16 * 1024 * 1024;

/** What the channel needs from the association (implemented by the channel registry). */
export interface DataChannelLink {
  readonly maxMessageSize: number;
  /** Queues one message on the channel's stream; throws a DataChannelError. */
  send(channel: RTCDataChannel, ppid: number, data: Uint8Array): void;
  bufferedAmount(channel: RTCDataChannel): number;
  setBufferedAmountLowThreshold(channel: RTCDataChannel, bytes: number): void;
  /** Starts the closing procedure (outgoing stream reset). */
  close(channel: RTCDataChannel): void;
}

/** The registry's handle on a channel's internal state. */
export interface DataChannelControl {
  setId(id: number): void;
  /** Open without the event (a remote channel is open when the datachannel event fires). */
  markOpen(): void;
  announceOpen(): void;
  deliver(ppid: number, data: Uint8Array): void;
  bufferedAmountLow(): void;
  closing(): void;
  closed(error?: Error): void;
}

export interface DataChannelParams {
  label: string;
  ordered: boolean;
  maxPacketLifeTime: number | null;
  maxRetransmits: number | null;
  protocol: string;
  negotiated: boolean;
  id: number | null;
  priority: RTCPriorityType;
  highWaterMark: number;
  /** SettingEngine.detachDataChannels(): messages go only to `stream()`/`detach()`. */
  detached: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array([0]);

/**
 * W3C RTCDataChannel over one SCTP stream pair (RFC 8831), with rxjs
 * streams (`message$`, `readyState$`) and a Node `Duplex` (`stream()`).
 */
export class RTCDataChannel extends SafeEventTarget {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  readonly protocol: string;
  readonly negotiated: boolean;
  readonly priority: RTCPriorityType;
  readonly #link: DataChannelLink;
  readonly #highWaterMark: number;
  readonly #detached: boolean;
  readonly #state$ = new LazyState<RTCDataChannelState>('connecting');
  readonly #message$ = new LazyEvents<DataChannelMessage>();
  #id: number | null;
  #binaryType: BinaryType = 'arraybuffer';
  #lowThreshold = 0;
  #lastBuffered = 0;
  /** Sends waiting behind a Blob being read (W3C keeps send order). */
  #queue: (() => void)[] | undefined;
  #queuedBytes = 0;
  #stream: Duplex | undefined;
  #streamSink: ((message: Buffer | string) => void) | undefined;
  #streamEnd: (() => void) | undefined;
  messagesSent = 0;
  bytesSent = 0;
  messagesReceived = 0;
  bytesReceived = 0;

  onopen: ((e: DataChannelEvent) => void) | null = null;
  onmessage: ((e: RTCDataChannelMessageEvent) => void) | null = null;
  onbufferedamountlow: ((e: DataChannelEvent) => void) | null = null;
  onerror: ((e: RTCDataChannelErrorEvent) => void) | null = null;
  onclosing: ((e: DataChannelEvent) => void) | null = null;
  onclose: ((e: DataChannelEvent) => void) | null = null;

  /** @internal Created by `RTCPeerConnection.createDataChannel` or an incoming DATA_CHANNEL_OPEN. */
  constructor(params: DataChannelParams, link: DataChannelLink, bind: (control: DataChannelControl) => void) {
    super(log);
    this.label = params.label;
    this.ordered = params.ordered;
    this.maxPacketLifeTime = params.maxPacketLifeTime;
    this.maxRetransmits = params.maxRetransmits;
    this.protocol = params.protocol;
    this.negotiated = params.negotiated;
    this.priority = params.priority;
    this.#id = params.id;
    this.#highWaterMark = params.highWaterMark;
    this.#detached = params.detached;
    this.#link = link;
    bind({
      setId: (id) => {
        this.#id = id;
      },
      markOpen: () => this.#markOpen(),
      announceOpen: () => this.#announceOpen(),
      deliver: (ppid, data) => this.#deliver(ppid, data),
      bufferedAmountLow: () => this.#fire({ type: 'bufferedamountlow', target: this, currentTarget: this }, this.onbufferedamountlow),
      closing: () => this.#setClosing(),
      closed: (error) => this.#setClosed(error),
    });
  }

  get id(): number | null {
    return this.#id;
  }

  get readyState(): RTCDataChannelState {
    return this.#state$.value;
  }

  get readyState$(): Observable<RTCDataChannelState> {
    return this.#state$.asObservable();
  }

  /** Every received message (the `data` of each `message` event). Completes on close. */
  get message$(): Observable<DataChannelMessage> {
    return this.#message$.asObservable();
  }

  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(t: BinaryType) {
    // WebIDL enum attribute: an unknown value is ignored.
    if (t === 'arraybuffer' || t === 'blob' || t === 'nodebuffer') this.#binaryType = t;
  }

  /** Bytes queued by `send` and not yet handed to the network (W3C: never decreases after close). */
  get bufferedAmount(): number {
    if (this.#state$.value === 'open' || this.#state$.value === 'closing') {
      this.#lastBuffered = this.#link.bufferedAmount(this) + this.#queuedBytes;
    }
    return this.#lastBuffered;
  }

  get bufferedAmountLowThreshold(): number {
    return this.#lowThreshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.#lowThreshold = Math.max(0, Math.min(Number(bytes) >>> 0, 0xffffffff));
    if (this.#id !== null) this.#link.setBufferedAmountLowThreshold(this, this.#lowThreshold);
  }

  /** Where `send` refuses more (`ERR_DC_BUFFER_FULL`): the documented bound on what a slow peer makes us hold. */
  get highWaterMark(): number {
    return this.#highWaterMark;
  }

  send(data: RTCDataChannelSendable): void {
    if (this.#state$.value !== 'open') throw channelNotOpen(`send on a data channel in state ${this.#state$.value}`);
    if (typeof Blob !== 'undefined' && data instanceof Blob) {
      this.#sendBlob(data);
      return;
    }
    let ppid: number;
    let bytes: Uint8Array;
    if (typeof data === 'string') {
      bytes = encoder.encode(data);
      ppid = bytes.length ? Ppid.String : Ppid.StringEmpty;
    } else if (data instanceof ArrayBuffer) {
      bytes = new Uint8Array(data);
      ppid = bytes.length ? Ppid.Binary : Ppid.BinaryEmpty;
    } else if (ArrayBuffer.isView(data)) {
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      ppid = bytes.length ? Ppid.Binary : Ppid.BinaryEmpty;
    } else {
      throw new TypeError('send() takes a string, Buffer, ArrayBuffer, typed array or Blob');
    }
    this.#checkSize(bytes.length);
    if (this.#queue) {
      // A Blob ahead of this message is still being read: keep W3C send order.
      const copy = Uint8Array.from(bytes);
      this.#queuedBytes += copy.length;
      this.#queue.push(() => {
        this.#queuedBytes -= copy.length;
        this.#sendBytes(ppid, copy);
      });
      return;
    }
    this.#sendBytes(ppid, bytes);
  }

  close(): void {
    const s = this.#state$.value;
    if (s === 'closing' || s === 'closed') return;
    this.#setClosing();
    this.#link.close(this);
  }

  /**
   * A Node `Duplex` over this channel: writes are messages (backpressure on
   * `bufferedAmount`: a write completes once it drops below the low-water
   * mark), reads are received messages. Ending the writable side closes the
   * channel once everything queued is sent. One stream per channel.
   */
  stream(options: DataChannelStreamOptions = {}): Duplex {
    if (this.#stream) return this.#stream;
    const { stream, sink, end } = createChannelStream(this, options);
    this.#stream = stream;
    this.#streamSink = sink;
    this.#streamEnd = end;
    if (this.#state$.value === 'closed') end();
    return stream;
  }

  /** Pion's `DataChannel.Detach()`, the Node way: the same as {@link stream}. */
  detach(options: DataChannelStreamOptions = {}): Duplex {
    return this.stream(options);
  }

  /** The largest message `send` accepts (the SCTP transport's `maxMessageSize`). */
  sctpMaxMessageSize(): number {
    return this.#link.maxMessageSize;
  }

  toJSON(): Record<string, unknown> {
    return { label: this.label, id: this.#id, readyState: this.readyState, protocol: this.protocol, ordered: this.ordered };
  }

  // ---- internals -----------------------------------------------------------

  #checkSize(size: number): void {
    const max = this.#link.maxMessageSize;
    if (size > max) throw messageTooLarge(size, max);
    const buffered = this.bufferedAmount;
    if (buffered + size > this.#highWaterMark) throw bufferFull(buffered, size, this.#highWaterMark);
  }

  #sendBytes(ppid: number, bytes: Uint8Array): void {
    if (this.#state$.value !== 'open') return; // closed while queued behind a Blob
    this.#link.send(this, ppid, bytes.length ? bytes : EMPTY);
    this.messagesSent++;
    this.bytesSent += bytes.length;
  }

  #sendBlob(blob: Blob): void {
    this.#checkSize(blob.size);
    this.#queuedBytes += blob.size;
    const run = (): void => {
      blob.arrayBuffer().then(
        (buf) => {
          this.#queuedBytes -= blob.size;
          try {
            this.#sendBytes(buf.byteLength ? Ppid.Binary : Ppid.BinaryEmpty, new Uint8Array(buf));
          } catch (err) {
            this.#fireError(err as Error, 'data-channel-failure');
          }
          this.#drainQueue();
        },
        (err: unknown) => {
          this.#queuedBytes -= blob.size;
          this.#fireError(err as Error, 'data-channel-failure');
          this.#drainQueue();
        },
      );
    };
    if (this.#queue) this.#queue.push(run);
    else {
      this.#queue = [];
      run();
    }
  }

  /** Runs queued sends up to (and including) the next Blob read. */
  #drainQueue(): void {
    const q = this.#queue;
    if (!q) return;
    while (q.length) {
      const next = q.shift()!;
      const before = this.#queuedBytes;
      try {
        next();
      } catch (err) {
        this.#fireError(err as Error, 'data-channel-failure');
      }
      // A Blob read started (its bytes stay queued until it resolves): wait for it.
      if (this.#queuedBytes > 0 && this.#queuedBytes === before) return;
    }
    this.#queue = undefined;
  }

  #markOpen(): void {
    if (this.#state$.value !== 'connecting') return;
    this.#state$.set('open');
    if (this.#lowThreshold > 0) this.#link.setBufferedAmountLowThreshold(this, this.#lowThreshold);
  }

  #announceOpen(): void {
    this.#markOpen();
    if (this.#state$.value !== 'open') return;
    this.#fire({ type: 'open', target: this, currentTarget: this }, this.onopen);
  }

  #deliver(ppid: number, data: Uint8Array): void {
    const s = this.#state$.value;
    if (s !== 'open' && s !== 'connecting') return;
    const empty = ppid === Ppid.StringEmpty || ppid === Ppid.BinaryEmpty;
    const text = ppid === Ppid.String || ppid === Ppid.StringPartial || ppid === Ppid.StringEmpty;
    this.messagesReceived++;
    this.bytesReceived += empty ? 0 : data.length;
    if (this.#streamSink) {
      this.#streamSink(text ? (empty ? '' : decoder.decode(data)) : empty ? Buffer.alloc(0) : Buffer.from(data));
      if (this.#detached) return;
    } else if (this.#detached) return;
    let message: DataChannelMessage;
    if (text) message = empty ? '' : decoder.decode(data);
    else if (this.#binaryType === 'nodebuffer') message = empty ? Buffer.alloc(0) : Buffer.from(data);
    else if (this.#binaryType === 'blob') message = new Blob(empty ? [] : [Uint8Array.from(data)]);
    else message = empty ? new ArrayBuffer(0) : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    this.#message$.next(message);
    this.#fire({ type: 'message', target: this, currentTarget: this, data: message } as RTCDataChannelMessageEvent, this.onmessage);
  }

  #setClosing(): void {
    const s = this.#state$.value;
    if (s === 'closing' || s === 'closed') return;
    this.bufferedAmount; // keep the last value: it stays readable after close
    this.#state$.set('closing');
    this.#fire({ type: 'closing', target: this, currentTarget: this }, this.onclosing);
  }

  #setClosed(error: Error | undefined): void {
    if (this.#state$.value === 'closed') return;
    this.bufferedAmount;
    this.#queue = undefined;
    this.#queuedBytes = 0;
    this.#state$.set('closed');
    if (error) this.#fireError(error, 'sctp-failure');
    this.#fire({ type: 'close', target: this, currentTarget: this }, this.onclose);
    this.#streamEnd?.();
    this.#state$.complete();
    this.#message$.complete();
  }

  #fireError(error: Error, detail: string): void {
    const e = Object.assign(error, { errorDetail: detail });
    this.#fire({ type: 'error', target: this, currentTarget: this, error: e } as RTCDataChannelErrorEvent, this.onerror);
  }

  #fire<E extends DataChannelEvent>(event: E, handler: ((e: E) => void) | null): void {
    this.emit(event, handler);
  }
}
