import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { decodeDcep, DcepError, DcepPriority, encodeDcepAck, encodeDcepOpen, Ppid, type DcepOpen, type Reliability } from '../sctp/dcep.js';
import { badInit, channelNotOpen, DataChannelError } from './errors.js';
import {
  DEFAULT_DATA_CHANNEL_HIGH_WATER_MARK,
  RTCDataChannel,
  type DataChannelControl,
  type DataChannelLink,
  type RTCDataChannelInit,
  type RTCPriorityType,
} from './rtc-data-channel.js';

/** What the registry needs from the SCTP association (the SctpTransport driver provides it). */
export interface DataChannelSctp {
  send(streamId: number, ppid: number, data: Uint8Array, options?: { unordered?: boolean; maxRetransmits?: number; maxPacketLifeTimeMs?: number }): void;
  resetStreams(streamIds: number[]): void;
  bufferedAmount(streamId: number): number;
  setBufferedAmountLowThreshold(streamId: number, bytes: number): void;
}

export interface DataChannelRegistryOptions {
  /** Largest message we may send (W3C RTCSctpTransport.maxMessageSize). */
  maxMessageSize(): number;
  /** Called for each channel the remote opens in-band (the `datachannel` event). */
  onDataChannel(channel: RTCDataChannel): void;
  highWaterMark?: number;
  detached?: boolean;
  logId?: string;
}

/** RFC 8831 §6.5: stream ids are 0..65534 (65535 is reserved). */
export const MAX_STREAM_ID = 65534;

interface Entry {
  channel: RTCDataChannel;
  control: DataChannelControl;
  /** RFC 8832 §6: the opener sends ordered until the DATA_CHANNEL_ACK (or any data) arrives. */
  acked: boolean;
  /** OPEN sent (or negotiated channel announced): the stream is in use. */
  started: boolean;
  outgoingReset: 'none' | 'requested' | 'done';
  incomingReset: boolean;
}

/**
 * The data channels of one SCTP association: stream id allocation by DTLS
 * role (RFC 8832 §6: the DTLS client takes even ids, the server odd), the
 * DATA_CHANNEL_OPEN/ACK handshake, PPIDs (RFC 8831 §8), and closing through
 * stream resets in both directions (RFC 8831 §6.7). It is driven by the
 * association's events and holds no timers.
 */
export class DataChannelRegistry {
  readonly #o: DataChannelRegistryOptions;
  readonly #log: ScopedLogger;
  readonly drops: DropCounter;
  readonly #byId = new Map<number, Entry>();
  /** Channels created before the DTLS role and stream count were known. */
  #pending: Entry[] = [];
  #sctp: DataChannelSctp | undefined;
  #role: 'client' | 'server' | undefined;
  #maxChannels: number | null = null;
  #closed = false;
  readonly #link: DataChannelLink;
  #dataChannelsOpened = 0;
  #dataChannelsClosed = 0;

  constructor(options: DataChannelRegistryOptions) {
    this.#o = options;
    const base = getLogger('sctp');
    this.#log = options.logId ? base.child(options.logId) : base;
    this.drops = new DropCounter(this.#log);
    this.#link = {
      get maxMessageSize() {
        return options.maxMessageSize();
      },
      send: (ch, ppid, data) => this.#send(ch, ppid, data),
      bufferedAmount: (ch) => (ch.id !== null && this.#sctp ? this.#sctp.bufferedAmount(ch.id) : 0),
      setBufferedAmountLowThreshold: (ch, bytes) => {
        if (ch.id !== null && this.#sctp) this.#sctp.setBufferedAmountLowThreshold(ch.id, bytes);
      },
      close: (ch) => this.#closeChannel(ch),
    };
  }

  /** W3C RTCSctpTransport.maxChannels: null until the association is up. */
  get maxChannels(): number | null {
    return this.#maxChannels;
  }

  get connected(): boolean {
    return this.#sctp !== undefined && !this.#closed;
  }

  get dataChannelsOpened(): number {
    return this.#dataChannelsOpened;
  }

  get dataChannelsClosed(): number {
    return this.#dataChannelsClosed;
  }

  /** Live channels (for getStats). */
  channels(): RTCDataChannel[] {
    return [...this.#pending.map((e) => e.channel), ...[...this.#byId.values()].map((e) => e.channel)];
  }

  /** The DTLS role, known once the answer is applied. */
  setRole(role: 'client' | 'server'): void {
    this.#role ??= role;
  }

  /** W3C createDataChannel steps 3-15 (the pc checks its own state first). */
  create(label: string, init: RTCDataChannelInit = {}): RTCDataChannel {
    if (this.#closed) throw channelNotOpen('the SCTP transport is closed');
    label = String(label);
    const protocol = init.protocol === undefined ? '' : String(init.protocol);
    if (Buffer.byteLength(label) > 65535) throw badInit('TypeError', 'label longer than 65535 bytes');
    if (Buffer.byteLength(protocol) > 65535) throw badInit('TypeError', 'protocol longer than 65535 bytes');
    const negotiated = init.negotiated === true;
    if (negotiated && init.id === undefined) throw badInit('TypeError', 'a negotiated channel needs an id');
    if (init.maxPacketLifeTime != null && init.maxRetransmits != null) throw badInit('TypeError', 'maxPacketLifeTime and maxRetransmits are exclusive');
    let id: number | null = null;
    if (negotiated) {
      id = Number(init.id);
      if (!Number.isInteger(id) || id < 0 || id > MAX_STREAM_ID) throw badInit('TypeError', `id ${String(init.id)} is not in 0..${MAX_STREAM_ID}`);
      if (this.#byId.has(id) || this.#pending.some((e) => e.channel.id === id)) throw badInit('OperationError', `stream id ${id} is in use`);
      if (this.#maxChannels !== null && id >= this.#maxChannels) throw badInit('OperationError', `stream id ${id} is beyond maxChannels ${this.#maxChannels}`);
    }
    const clamp = (v: number | undefined): number | null => (v == null ? null : Math.max(0, Math.min(65535, Math.trunc(Number(v)) || 0)));
    const { channel, control } = this.#newChannel({
      label,
      protocol,
      negotiated,
      id,
      ordered: init.ordered !== false,
      maxPacketLifeTime: clamp(init.maxPacketLifeTime),
      maxRetransmits: clamp(init.maxRetransmits),
      priority: init.priority ?? 'low',
    });
    const entry: Entry = { channel, control, acked: negotiated, started: false, outgoingReset: 'none', incomingReset: false };
    if (this.#sctp && id === null) {
      const free = this.#allocateId();
      if (free === undefined) throw badInit('OperationError', 'no free stream id (maxChannels reached)');
      control.setId(free);
    }
    if (this.#sctp) {
      this.#byId.set(channel.id!, entry);
      // W3C: the open event is queued, so the caller can still set onopen.
      queueMicrotask(() => this.#start(entry));
    } else this.#pending.push(entry);
    return channel;
  }

  /** The association is up: stream counts are known; pending channels get ids and open. */
  handleConnected(sctp: DataChannelSctp, outboundStreams: number, inboundStreams: number): void {
    if (this.#closed) return;
    this.#sctp = sctp;
    this.#maxChannels = Math.min(outboundStreams, inboundStreams, MAX_STREAM_ID + 1);
    const pending = this.#pending;
    this.#pending = [];
    for (const e of pending) {
      if (e.channel.id === null) {
        const id = this.#allocateId();
        if (id === undefined) {
          e.control.closed(new DataChannelError('OperationError', 'ERR_DC_NO_ID', 'no free stream id'));
          continue;
        }
        e.control.setId(id);
      } else if (e.channel.id >= this.#maxChannels || this.#byId.has(e.channel.id)) {
        e.control.closed(new DataChannelError('OperationError', 'ERR_DC_NO_ID', `stream id ${e.channel.id} is unavailable`));
        continue;
      }
      this.#byId.set(e.channel.id!, e);
    }
    for (const e of pending) if (this.#byId.get(e.channel.id ?? -1) === e) this.#start(e);
  }

  handleMessage(streamId: number, ppid: number, data: Uint8Array): void {
    if (ppid === Ppid.Dcep) return this.#handleDcep(streamId, data);
    const e = this.#byId.get(streamId);
    if (!e) return this.drops.drop('data-on-unknown-stream');
    switch (ppid) {
      case Ppid.String:
      case Ppid.Binary:
      case Ppid.StringEmpty:
      case Ppid.BinaryEmpty:
      case Ppid.StringPartial:
      case Ppid.BinaryPartial:
        break;
      default:
        return this.drops.drop('unknown-ppid');
    }
    e.acked = true; // RFC 8832 §6: any DATA counts as the ACK
    e.control.deliver(ppid, data);
  }

  /** The remote reset these incoming streams: the channels close (RFC 8831 §6.7). */
  handleStreamReset(streamIds: readonly number[]): void {
    for (const id of streamIds) {
      const e = this.#byId.get(id);
      if (!e) continue;
      e.incomingReset = true;
      e.control.closing();
      if (e.outgoingReset === 'none') this.#resetOutgoing(e);
      this.#maybeClosed(e);
    }
  }

  handleOutgoingResetDone(streamIds: readonly number[]): void {
    for (const id of streamIds) {
      const e = this.#byId.get(id);
      if (!e) continue;
      e.outgoingReset = 'done';
      this.#maybeClosed(e);
    }
  }

  handleBufferedAmountLow(streamId: number): void {
    this.#byId.get(streamId)?.control.bufferedAmountLow();
  }

  /** The association ended (ABORT, SHUTDOWN, DTLS closed, or our pc closed): every channel closes. */
  handleClosed(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#pending, ...this.#byId.values()];
    this.#pending = [];
    this.#byId.clear();
    for (const e of all) {
      // A channel already closing (its reset was under way) just finishes: no error event.
      const quiet = e.channel.readyState === 'closing';
      e.control.closing();
      e.control.closed(quiet ? undefined : error);
      this.#dataChannelsClosed++;
    }
  }

  // ---- internals -----------------------------------------------------------

  #newChannel(p: {
    label: string;
    protocol: string;
    negotiated: boolean;
    id: number | null;
    ordered: boolean;
    maxPacketLifeTime: number | null;
    maxRetransmits: number | null;
    priority: RTCPriorityType;
  }): { channel: RTCDataChannel; control: DataChannelControl } {
    let control: DataChannelControl | undefined;
    const channel = new RTCDataChannel(
      { ...p, highWaterMark: this.#o.highWaterMark ?? DEFAULT_DATA_CHANNEL_HIGH_WATER_MARK, detached: this.#o.detached ?? false },
      this.#link,
      (c) => (control = c),
    );
    return { channel, control: control! };
  }

  /** RFC 8832 §6: the DTLS client uses even stream ids, the server odd; the lowest free one. */
  #allocateId(): number | undefined {
    const max = Math.min(this.#maxChannels ?? MAX_STREAM_ID + 1, MAX_STREAM_ID + 1);
    for (let id = this.#role === 'server' ? 1 : 0; id < max; id += 2) if (!this.#byId.has(id)) return id;
    return undefined;
  }

  #start(e: Entry): void {
    if (this.#closed || e.channel.readyState !== 'connecting' || !this.#sctp) return;
    e.started = true;
    if (!e.channel.negotiated) {
      const open = encodeDcepOpen({
        ordered: e.channel.ordered,
        reliability: reliabilityOf(e.channel),
        priority: DcepPriority[e.channel.priority],
        label: e.channel.label,
        protocol: e.channel.protocol,
      });
      try {
        this.#sctp.send(e.channel.id!, Ppid.Dcep, open, {});
      } catch (err) {
        this.#log.debug(`DATA_CHANNEL_OPEN on stream ${e.channel.id} failed: ${(err as Error).message}`);
        this.#byId.delete(e.channel.id!);
        e.control.closed(err as Error);
        return;
      }
    }
    this.#dataChannelsOpened++;
    e.control.announceOpen();
  }

  #handleDcep(streamId: number, data: Uint8Array): void {
    let m;
    try {
      m = decodeDcep(data);
    } catch (err) {
      return this.drops.drop(err instanceof DcepError ? err.code : 'dcep-error', err);
    }
    if (m.type === 'ack') {
      const e = this.#byId.get(streamId);
      if (!e) return this.drops.drop('dcep-ack-on-unknown-stream');
      e.acked = true;
      return;
    }
    this.#handleOpen(streamId, m);
  }

  #handleOpen(streamId: number, m: DcepOpen): void {
    if (this.#closed || !this.#sctp) return this.drops.drop('dcep-open-before-connected');
    if (this.#byId.has(streamId)) return this.drops.drop('dcep-open-on-used-stream');
    if (streamId > MAX_STREAM_ID || (this.#maxChannels !== null && streamId >= this.#maxChannels)) return this.drops.drop('dcep-open-stream-out-of-range');
    const r = m.reliability;
    const { channel, control } = this.#newChannel({
      label: m.label,
      protocol: m.protocol,
      negotiated: false,
      id: streamId,
      ordered: m.ordered,
      maxRetransmits: r.kind === 'rexmit' ? Math.min(r.maxRetransmits, 65535) : null,
      maxPacketLifeTime: r.kind === 'timed' ? Math.min(r.maxPacketLifeTimeMs, 65535) : null,
      priority: priorityName(m.priority),
    });
    const entry: Entry = { channel, control, acked: true, started: true, outgoingReset: 'none', incomingReset: false };
    this.#byId.set(streamId, entry);
    try {
      this.#sctp.send(streamId, Ppid.Dcep, encodeDcepAck(), {});
    } catch (err) {
      this.#log.debug(`DATA_CHANNEL_ACK on stream ${streamId} failed: ${(err as Error).message}`);
    }
    this.#dataChannelsOpened++;
    // W3C "announce open" for a remote channel: open, then the datachannel event, then open.
    control.markOpen();
    this.#o.onDataChannel(channel);
    control.announceOpen();
  }

  #send(ch: RTCDataChannel, ppid: number, data: Uint8Array): void {
    const sctp = this.#sctp;
    const e = ch.id !== null ? this.#byId.get(ch.id) : undefined;
    if (!sctp || !e || e.channel !== ch) throw channelNotOpen('the data channel has no SCTP stream');
    const opts: { unordered?: boolean; maxRetransmits?: number; maxPacketLifeTimeMs?: number } = {};
    if (!ch.ordered && e.acked) opts.unordered = true;
    if (ch.maxRetransmits !== null) opts.maxRetransmits = ch.maxRetransmits;
    else if (ch.maxPacketLifeTime !== null) opts.maxPacketLifeTimeMs = ch.maxPacketLifeTime;
    try {
      sctp.send(ch.id!, ppid, data, opts);
    } catch (err) {
      if (err instanceof DataChannelError) throw err;
      throw new DataChannelError('OperationError', 'ERR_DC_SEND', `send failed: ${(err as Error).message}`, { cause: err });
    }
  }

  #closeChannel(ch: RTCDataChannel): void {
    const e = ch.id !== null ? this.#byId.get(ch.id) : undefined;
    if (e && e.channel === ch) {
      if (e.started) return this.#resetOutgoing(e);
      this.#byId.delete(ch.id!);
      queueMicrotask(() => e.control.closed());
      return;
    }
    // Closed before the association came up: no stream to reset (W3C closing procedure).
    const i = this.#pending.findIndex((p) => p.channel === ch);
    if (i < 0) return;
    const [p] = this.#pending.splice(i, 1);
    queueMicrotask(() => p!.control.closed());
  }

  #resetOutgoing(e: Entry): void {
    if (e.outgoingReset !== 'none' || !this.#sctp) return;
    e.outgoingReset = 'requested';
    try {
      this.#sctp.resetStreams([e.channel.id!]);
    } catch (err) {
      this.#log.debug(`stream reset of ${e.channel.id} failed: ${(err as Error).message}`);
      e.outgoingReset = 'done';
      e.incomingReset = true;
      this.#maybeClosed(e);
    }
  }

  #maybeClosed(e: Entry): void {
    if (e.outgoingReset !== 'done' || !e.incomingReset) return;
    const id = e.channel.id!;
    if (this.#byId.get(id) === e) this.#byId.delete(id);
    this.#dataChannelsClosed++;
    e.control.closed();
  }
}

function reliabilityOf(ch: RTCDataChannel): Reliability {
  if (ch.maxRetransmits !== null) return { kind: 'rexmit', maxRetransmits: ch.maxRetransmits };
  if (ch.maxPacketLifeTime !== null) return { kind: 'timed', maxPacketLifeTimeMs: ch.maxPacketLifeTime };
  return { kind: 'reliable' };
}

/** RFC 8832 §5.1 priority to the W3C names (the nearest at or below the value). */
function priorityName(p: number): RTCPriorityType {
  if (p >= DcepPriority.high) return 'high';
  if (p >= DcepPriority.medium) return 'medium';
  if (p >= DcepPriority.low) return 'low';
  return 'very-low';
}
